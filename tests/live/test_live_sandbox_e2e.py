"""End to end: `exec-kit live --env sandbox` runs a real TradingNode with the real adapter against
the sandbox venue, fills an order, stops after --duration and prints the summary, with HMAC and
with Ed25519 keys (the latter logs in over the WS API). The sandbox secret must not be printed.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import HERE, PROBE

from nautilus_exec_kit.sandbox import SandboxConfig

pytestmark = pytest.mark.live

REPO = HERE.parent.parent
MAIN = "import sys; from nautilus_exec_kit.cli import main; sys.exit(main(sys.argv[1:]))"


def run_live(*extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO)])}
    env.pop("EXEC_KIT_ALLOW_LIVE", None)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            MAIN,
            "live",
            "--env",
            "sandbox",
            "--strategy",
            PROBE,
            "--duration",
            "6",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=REPO,
    )


@pytest.mark.parametrize(
    ("key_type", "login_line"),
    [("hmac", "Created listenKey (REST)"), ("ed25519", "/ws-fapi/v1")],
)
def test_live_sandbox_fills_and_prints_summary(key_type: str, login_line: str) -> None:
    result = run_live("--key-type", key_type)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]  # 3 = clients never connected
    assert "About to start a TradingNode" in output
    assert "SANDBOX" in output
    assert login_line in output
    assert "OrderFilled(" in output
    assert "Summary (ran" in output
    assert "1 orders, 1 fills" in output
    assert "DISPOSED" in output
    secret = SandboxConfig().api_secret
    assert secret and secret not in output
    assert "PRIVATE KEY" not in output
