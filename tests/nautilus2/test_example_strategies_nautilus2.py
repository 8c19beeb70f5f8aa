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
from collections.abc import Callable
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


def _run_hedge_pair(
    act: Callable[[Any], Any], *, reports: int, timeout_s: float = 90.0,
) -> tuple[list[dict[str, Any]], str, dict[str, Any]]:
    """Run the v2 HedgePair script on a hedge-mode sandbox until ``reports`` reports, calling
    ``act(venue)`` on each report but the last, then SIGKILL it (no on_stop close). Returns the
    reports, the log and the venue's truth at the kill."""
    assert V2_PYTHON.exists(), f"{V2_PYTHON} is missing: `make test` builds the v2 venv"
    handle = run_sandbox_in_thread(SandboxConfig(
        prices=PriceProcess(volatility_bps=0, mark_basis_bps=0), dual_side_position=True,
        market_data_interval_ms=50))
    venue = handle.venue
    try:
        found, log = run_until_report(
            [str(V2_PYTHON), str(SCRIPT), venue.base_url_http, f"{venue.base_url_ws}/ws",
             venue.base_url_ws_api], "KIT-REPORT ", reports=reports, timeout_s=timeout_s,
            stop=signal.SIGKILL, on_report=lambda _: act(venue))
        return found, log, venue.truth()
    finally:
        handle.stop()


def test_hedge_pair_reopens_a_liquidated_leg() -> None:
    reports, log, truth = _run_hedge_pair(
        lambda venue: venue.faults.liquidation(position_side="LONG"), reports=2)
    # truth as at the second report: the kill runs no on_stop close
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


def test_rc6_takes_a_second_adl_for_the_first_a_known_gap() -> None:
    """Binance names every ADL ``adl_autoclose``. On v1 the kit books each under its own ID
    (``nautilus_exec_kit/risk_order_ids.py``); NautilusTrader 2 (rc6) keys the reports in Rust,
    with no seam the kit can rename them at, and rejects the second ADL's fill as an overfill:
    the leg stays open in the node while the venue is flat (docs/migration.md). Measured here,
    so a release that fixes it shows first: the first ADL reaches the kit and HedgePair reopens
    the leg; the second is lost."""
    reports, log, truth = _run_hedge_pair(
        lambda venue: venue.faults.adl(position_side="LONG"), reports=3, timeout_s=15)
    assert [o["clientOrderId"] for o in truth["orders"]
            if o["clientOrderId"].startswith("adl")] == ["adl_autoclose", "adl_autoclose"]
    assert len(reports) == 2, "a third report: rc6 now books the second ADL (update the docs)"
    assert reports[1]["risk_events"] == [["adl", "SELL", "0.010", f"{IID}-LONG"]]
    assert "Rejecting fill that would cause overfill for adl_autoclose" in log
    assert _amount(truth, "LONG") == 0  # the venue closed the reopened leg; the node did not
