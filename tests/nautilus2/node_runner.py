"""Run a NautilusTrader 2 node script in the ``.venv-v2`` interpreter until it reports.

A v2 ``LiveNode`` runs until a signal, and the kit's v1 binding cannot load beside
NautilusTrader 2, so the v1 suite (``test_kit_nautilus2.py``) and the v2 benchmarks
(``benchmarks/v2_retry_soak.py``) start each node as a subprocess that prints one line
``<mark><json>`` when it has something to report, read it, and stop the node.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: The interpreter of the NautilusTrader 2 venv (``make test`` builds it).
V2_PYTHON = Path(os.environ.get("EXEC_KIT_V2_PYTHON", ROOT / ".venv-v2" / "bin" / "python"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run_until_report(
    argv: Sequence[str], mark: str, *, timeout_s: float = 90.0,
    stop: signal.Signals = signal.SIGINT, reports: int = 1,
    on_report: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """Run ``argv`` until ``reports`` lines hold ``mark`` (or ``timeout_s`` passed, or it
    exited), then send it ``stop`` (SIGKILL: a crash, nothing of the node's shutdown runs).
    ``on_report`` is called with each report as it arrives (but the last), so a test can act
    on the venue between two phases of a script. Returns every report (the JSON after
    ``mark``, in order) and the whole output without colour codes."""
    proc = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=str(ROOT),
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")})
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        lines.extend(proc.stdout)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + timeout_s
        scanned = marked = 0
        while time.monotonic() < deadline and proc.poll() is None:
            end = len(lines)  # the reader thread appends meanwhile
            new, scanned = lines[scanned:end], end
            for line in (line for line in new if mark in line):
                marked += 1
                if marked < reports and on_report is not None:
                    on_report(_decode(ANSI.sub("", line), mark))
            if marked >= reports:
                break
            time.sleep(0.1 if on_report is not None else 0.3)
    finally:
        if proc.poll() is None:
            proc.send_signal(stop)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
    log = ANSI.sub("", "".join(lines))
    return [_decode(line, mark) for line in log.splitlines() if mark in line], log


def _decode(line: str, mark: str) -> dict[str, Any]:
    """The JSON right after the mark (the node's Rust logger may write on the same line)."""
    report: dict[str, Any] = json.JSONDecoder().raw_decode(line.split(mark, 1)[1])[0]
    return report
