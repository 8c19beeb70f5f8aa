"""The Prometheus endpoint of a real node: ``exec-kit live --env sandbox --config node.toml`` with
``[metrics] port = ...``, a kit strategy that sends two MARKET buys, and a sandbox fault plan that
refuses the second with Binance's -2019. The test scrapes ``http://127.0.0.1:<port>/metrics``
while the node runs and checks the counters follow what the node did; then the node is stopped
with Ctrl-C (SIGINT) and its summary carries the request weight.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import HERE, IID

from nautilus_exec_kit.live.config_file import load_node_file
from nautilus_exec_kit.live.metrics import MetricsSettings
from nautilus_exec_kit.sandbox import SandboxConfig
from tests.restart.driver import free_port

pytestmark = pytest.mark.live

REPO = HERE.parent.parent
MAIN = "import sys; from nautilus_exec_kit.cli import main; sys.exit(main(sys.argv[1:]))"
STRATEGY_ID = "KitProbeStrategy-000"


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus' text format (None when absent)."""
    for line in text.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        sample_name, _, raw_labels = head.partition("{")
        found = dict(re.findall(r'(\w+)="([^"]*)"', raw_labels))
        if sample_name == name and all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
        return str(answer.read().decode())


def _node_files(tmp_path: Path, port: int) -> tuple[Path, Path]:
    config = tmp_path / "node.toml"
    config.write_text(
        f'environment = "sandbox"\ninstrument_ids = ["{IID}"]\n'
        f'reconciliation_startup_delay_secs = 1\n\n'
        f"[metrics]\nport = {port}\n\n"
        "[[strategies]]\n"
        'strategy_path = "live_probe_strategy:KitProbeStrategy"\n'
        f'config = {{ instrument_id = "{IID}", orders = 2 }}\n'
    )
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps({"rules": [{
        "kind": "binance_error", "path": "/fapi/v1/order", "method": "POST", "skip": 1,
        "count": 1, "status": 400, "code": -2019, "msg": "Margin is insufficient.",
    }]}))
    return config, faults


def test_the_config_file_turns_the_endpoint_on(tmp_path: Path) -> None:
    config, _ = _node_files(tmp_path, 9464)
    node_file = load_node_file(config)
    assert node_file.metrics == MetricsSettings(port=9464)
    assert node_file.metrics.loopback
    plan = node_file.plan(environment="demo", reconciliation_delay_secs=10, environ={
        "BINANCE_DEMO_API_KEY": "k" * 64, "BINANCE_DEMO_API_SECRET": "s" * 64})
    assert plan.metrics == MetricsSettings(port=9464)
    assert "http://127.0.0.1:9464/metrics" in plan.describe()


def test_metrics_follow_what_the_node_did(tmp_path: Path) -> None:
    port = free_port()
    config, faults = _node_files(tmp_path, port)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO)])}
    env.pop("EXEC_KIT_ALLOW_LIVE", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", MAIN, "live", "--config", str(config), "--faults", str(faults),
         "--duration", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO,
    )
    text = ""
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()[0][-3000:]
            try:
                text = _scrape(port)
            except OSError:
                time.sleep(0.2)
                continue
            done = _sample(text, "exec_kit_policy_decisions_total", code="-2019", action="skip")
            if done and _sample(text, "exec_kit_orders_filled_total", order_type="MARKET"):
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the counters never showed the node's two orders:\n{text[-3000:]}")
        assert _sample(text, "exec_kit_orders_submitted_total", instrument_id=IID,
                       order_type="MARKET") == 2
        assert _sample(text, "exec_kit_orders_filled_total", instrument_id=IID,
                       order_type="MARKET") == 1
        assert _sample(text, "exec_kit_order_rejects_total", event="rejected", code="-2019") == 1
        assert _sample(text, "exec_kit_policy_decisions_total", code="-2019", action="skip") == 1
        assert _sample(text, "exec_kit_circuit_breaker_open", strategy_id=STRATEGY_ID) == 0
        assert _sample(text, "exec_kit_submit_latency_seconds_count", order_type="MARKET") == 1
        assert _sample(text, "exec_kit_fill_latency_seconds_count", order_type="MARKET") == 1
        assert _sample(text, "exec_kit_request_weight_limit") == 2400
        assert (_sample(text, "exec_kit_request_weight_peak") or 0) > 0
        # Placing an order weighs 0 on the IP limit, as on Binance; the routes that weigh show.
        assert (_sample(text, "exec_kit_request_weight_total", route="POST /fapi/v1/order")
                or 0) == 0
        assert (_sample(text, "exec_kit_request_weight_total",
                        route="GET /fapi/v1/exchangeInfo") or 0) >= 1
        assert _sample(text, "exec_kit_requests_rate_limited_total") == 0
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, output[-3000:]
    assert "request weight   : peak" in output
    assert f"metrics          : served on port {port}" in output
    secret = SandboxConfig().api_secret
    assert secret and secret not in output and secret not in text
