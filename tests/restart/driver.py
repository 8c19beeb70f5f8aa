"""Drive TradingNode subprocesses and a throw-away redis-server (used by tests and benchmarks).

No pytest here: ``benchmarks/fault_soak.py`` imports it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import Any

from nautilus_exec_kit.live.node_config import RedisSettings
from nautilus_exec_kit.live.redis import check_redis

from .node_process import SECRET_VAR

ROOT = Path(__file__).resolve().parents[2]
#: A secret unlike anything else in the logs, so the grep for it cannot match by accident.
API_SECRET = "restart-test-secret-Zq7Vw3Kp9Lm2Xn8Bc4"
API_KEY = "restart-test-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisMissing(RuntimeError):
    """redis-server is not installed."""


@contextlib.contextmanager
def redis_server_process() -> Iterator[RedisSettings]:
    """redis-server on 127.0.0.1 on a free port, persistence off; killed on exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisMissing("redis-server is missing: install the Debian package (apt-get install "
                           "redis-server, as .ci/system-deps does) to run the restart tests")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--protected-mode", "yes", "--daemonize", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    settings = RedisSettings(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                check_redis(settings)
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield settings
    finally:
        proc.kill()
        proc.wait(timeout=10)


def node_spec(venue: Any, redis: RedisSettings, **extra: Any) -> dict[str, Any]:
    """The node_process spec for ``venue`` (a SandboxVenue) and ``redis``."""
    return {
        "api_key": API_KEY, "http": venue.base_url_http, "ws": venue.base_url_ws,
        "ws_api": venue.base_url_ws_api, "ws_stream": venue.base_url_ws_stream,
        "redis_port": redis.port, "hedge": venue.config.dual_side_position, **extra,
    }


class NodeProcess:
    """One TradingNode subprocess driven through its control directory."""

    _ids = count(1)

    def __init__(self, workdir: Path, spec: dict[str, Any]) -> None:
        self.index = next(self._ids)
        self.control = workdir / f"node-{self.index}"
        self.control.mkdir(parents=True)
        self.log_path = workdir / f"node-{self.index}.log"
        spec = {**spec, "control_dir": str(self.control)}
        spec_path = self.control / "spec.json"
        spec_path.write_text(json.dumps(spec))
        env = {**os.environ, SECRET_VAR: API_SECRET, "PYTHONUNBUFFERED": "1"}
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.restart.node_process", str(spec_path)],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        self._cmd = count(1)

    def state(self) -> dict[str, Any] | None:
        path = self.control / "state.json"
        try:
            return dict(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError):
            return None

    def wait_state(self, predicate: Callable[[dict[str, Any]], Any], timeout: float = 30.0,
                   what: str = "condition") -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        state: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"node exited rc={self.proc.returncode}; log tail:\n"
                                     f"{self.log_tail()}")
            state = self.state()
            if state is not None and predicate(state):
                return state
            time.sleep(0.1)
        raise AssertionError(f"timeout waiting for {what}; last state: {state}\n"
                             f"log tail:\n{self.log_tail()}")

    def wait_started(self, timeout: float = 40.0) -> dict[str, Any]:
        return self.wait_state(lambda s: True, timeout, "node start")

    def command(self, timeout: float = 15.0, **cmd: Any) -> Any:
        n = next(self._cmd)
        tmp = self.control / f"cmd-{n:05d}.tmp"
        tmp.write_text(json.dumps(cmd))
        os.replace(tmp, self.control / f"cmd-{n:05d}.json")
        result_path = self.control / f"result-{n:05d}.json"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result_path.exists():
                result = json.loads(result_path.read_text())
                if not result["ok"]:
                    raise AssertionError(f"command {cmd} failed: {result['error']}")
                return result["value"]
            if self.proc.poll() is not None:
                raise AssertionError(f"node exited; log tail:\n{self.log_tail()}")
            time.sleep(0.05)
        raise AssertionError(f"command {cmd} timed out; log tail:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no cancel-on-stop, nothing flushed by the node."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


