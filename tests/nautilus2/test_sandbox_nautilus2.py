"""NautilusTrader 2's own Binance adapter trades against the sandbox (issue 12's wire fidelity).

Nautilus 2 (Rust adapter) reads raw frames on ``/ws`` + SUBSCRIBE, places orders over the WS API
(``order.place``, HMAC-signed params) and aborts reconciliation on a positionRisk row without
``leverage``; each of these failed against the sandbox before issue 12. The node runs in the
``.venv-v2`` interpreter the Makefile builds (``make test`` does), the venue in this process.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nautilus_exec_kit.sandbox import (
    PriceProcess,
    SandboxConfig,
    SandboxHandle,
    run_sandbox_in_thread,
)

ROOT = Path(__file__).resolve().parents[2]
V2_PYTHON = Path(os.environ.get("EXEC_KIT_V2_PYTHON", ROOT / ".venv-v2" / "bin" / "python"))
SCRIPT = Path(__file__).with_name("v2_node.py")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def run() -> Iterator[tuple[SandboxHandle, str]]:
    assert V2_PYTHON.exists(), (
        f"{V2_PYTHON} is missing: `make test` (or `make install`) builds the NautilusTrader 2 "
        "venv (pip install -e .[v2,test])")
    handle = run_sandbox_in_thread(SandboxConfig(prices=PriceProcess(volatility_bps=3)))
    venue = handle.venue
    proc = subprocess.Popen(
        [str(V2_PYTHON), str(SCRIPT), venue.base_url_http, f"{venue.base_url_ws}/ws",
         venue.base_url_ws_api],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd="/tmp",
        env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")})
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and proc.poll() is None:
            trades = venue.truth()["trades"]
            if len(trades) >= 2:
                break
            time.sleep(0.2)
        time.sleep(1.0)  # a second of quotes after the fills
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            output, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    yield handle, ANSI.sub("", output)
    handle.stop()


def test_nautilus2_gets_quotes_and_trades_from_raw_frames(run: tuple[SandboxHandle, str]) -> None:
    _, log = run
    assert log.count("QuoteTick {") >= 5, log[-3000:]
    assert log.count("TradeTick {") >= 1


def test_nautilus2_reconciles_and_trades_over_the_ws_api(run: tuple[SandboxHandle, str]) -> None:
    handle, log = run
    assert "Reconciliation complete for BINANCE" in log, log[-3000:]
    assert log.count("OrderFilled(") >= 2
    truth = handle.venue.truth()
    ws_orders = [r for r in truth["request_log"] if (r["method"], r["path"]) == ("WS",
                                                                                 "order.place")]
    assert ws_orders and all(r["status"] == 200 for r in ws_orders)
    assert len(truth["trades"]) >= 2


def test_nautilus2_logged_no_adapter_errors(run: tuple[SandboxHandle, str]) -> None:
    _, log = run
    errors = [line for line in log.splitlines() if "[ERROR]" in line]
    assert errors == [], errors[:5]
    assert sys.version_info >= (3, 12)
