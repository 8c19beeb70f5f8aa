"""The example ``strategies.v2.HedgePair`` on a real NautilusTrader 2 ``LiveNode`` against the
sandbox: after Binance liquidates its LONG leg it opens the leg again, as its v1 twin does
(``tests/e2e/test_example_strategies_live.py``).

Measured here: in hedge mode NautilusTrader 2 (rc6) books the liquidation (``autoclose-...``)
to the leg's own ``-LONG``, which closes, unlike 1.231 (and v2 in one-way mode), which book it
to ``{instrument}-EXTERNAL`` and leave the leg open. ``HedgePair`` reads the leg through
``kit_holding`` (docs/production.md §6), which reads the venue's leg either way.
"""

from __future__ import annotations

import signal
from decimal import Decimal
from pathlib import Path
from typing import Any

from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig, run_sandbox_in_thread

from .node_runner import V2_PYTHON, run_until_report

SCRIPT = Path(__file__).with_name("v2_hedge_pair_node.py")
IID = "BTCUSDT-PERP.BINANCE"


def _amount(truth: dict[str, Any], side: str) -> Decimal:
    return sum((Decimal(p["positionAmt"]) for p in truth["positions"]
                if p["positionSide"] == side), Decimal(0))


def test_hedge_pair_reopens_a_liquidated_leg() -> None:
    assert V2_PYTHON.exists(), f"{V2_PYTHON} is missing: `make test` builds the v2 venv"
    handle = run_sandbox_in_thread(SandboxConfig(
        prices=PriceProcess(volatility_bps=0, mark_basis_bps=0), dual_side_position=True,
        market_data_interval_ms=50))
    venue = handle.venue
    try:
        reports, log = run_until_report(
            [str(V2_PYTHON), str(SCRIPT), venue.base_url_http, f"{venue.base_url_ws}/ws",
             venue.base_url_ws_api], "KIT-REPORT ", reports=2, stop=signal.SIGKILL,
            on_report=lambda _: venue.faults.liquidation(position_side="LONG"))
        truth = venue.truth()  # as at the second report: the kill runs no on_stop close
    finally:
        handle.stop()
    assert len(reports) >= 2, log[-4000:]
    before, after = reports[:2]
    assert before["risk_events"] == []
    assert after["risk_events"] == [["liquidation", "SELL", "0.010", f"{IID}-LONG"]]
    # the venue holds both legs again, each once, and so does the node
    assert (_amount(truth, "LONG"), _amount(truth, "SHORT")) == (Decimal("0.010"),
                                                                Decimal("-0.010"))
    assert after["holding"] == before["holding"]
    assert after["holding"]["LONG"][0] == "LONG"
    assert after["node_positions"] == {f"{IID}-LONG": "0.010", f"{IID}-SHORT": "-0.010"}
    opened = [o for o in after["orders"] if o[0] == "BUY" and o[2] == "FILLED"]
    assert len(opened) == 2, after["orders"]
    # it opens its legs on the first quotes, before the start-up position check's verdict: the
    # kit holds those orders for it (once each: the example counts them as on their way)
    # instead of raising from on_quote until the verdict
    assert "Python on_quote failed" not in log and "SubmissionsHalted" not in log
    assert log.count("held until the start-up position check has its verdict") <= 2
