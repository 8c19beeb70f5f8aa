"""Fixtures for the restart / fault tests: a real redis-server, a sandbox venue, node processes.

* ``redis_server``: ``redis-server`` on 127.0.0.1 on a free port, persistence off, killed at
  teardown. Fails (never skips) with a clear message when the binary is missing.
* ``node_factory``: one ``TradingNode`` per call in a subprocess (``node_process.py``) that a
  test can SIGKILL; commands and state go through files (see ``driver.NodeProcess``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nautilus_exec_kit.live.node_config import RedisSettings
from nautilus_exec_kit.live.redis import RedisConnection
from nautilus_exec_kit.sandbox import SandboxConfig, SandboxHandle, run_sandbox_in_thread

from .driver import (
    API_KEY,
    API_SECRET,
    NodeProcess,
    RedisMissing,
    free_port,
    node_spec,
    redis_server_process,
)

__all__ = ["API_KEY", "API_SECRET", "NodeProcess", "flush_redis", "free_port"]


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisSettings]:
    try:
        with redis_server_process() as settings:
            yield settings
    except RedisMissing as exc:
        pytest.fail(str(exc))


def flush_redis(settings: RedisSettings) -> None:
    with RedisConnection(settings) as conn:
        conn.command("FLUSHALL")


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[[SandboxConfig], SandboxHandle]]:
    handles: list[SandboxHandle] = []

    def make(config: SandboxConfig) -> SandboxHandle:
        handle = run_sandbox_in_thread(config)
        handles.append(handle)
        return handle

    yield make
    for handle in handles:
        handle.stop()


@pytest.fixture
def node_factory(tmp_path: Path) -> Iterator[Callable[..., NodeProcess]]:
    nodes: list[NodeProcess] = []

    def make(sandbox: SandboxHandle, redis: RedisSettings, **extra: Any) -> NodeProcess:
        node = NodeProcess(tmp_path, node_spec(sandbox.venue, redis, **extra))
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        node.kill()
