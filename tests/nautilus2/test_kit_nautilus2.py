"""The kit's v2 binding on a real NautilusTrader 2 ``LiveNode`` (its Binance adapter, data and
execution) against the sandbox: every step of ``v2_kit_node.py``'s script, checked against what
the node's cache, the kit's policy and the venue saw.

The node runs in the ``.venv-v2`` interpreter (``make test`` builds it), the venue in this
process; the script arms each sandbox fault through the admin API right before the order it
is meant for. What it shows about v2 (docs/migration.md): a -1003, -1007 or 418 answer to a WS
API submit is "ambiguous" to v2's adapter, which holds the order in flight until its in-flight
check gives up (``INFLIGHT_TIMEOUT``); the kit then reconciles and sends a fresh order.
Protective close_position orders sent with their entry rest at the venue and close the
position (``PROTECT``), and a flip's entry and stop wait for the close of the old position
(``FLIP``).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nautilus_exec_kit.sandbox import (
    FaultKind,
    FaultRule,
    PriceProcess,
    SandboxConfig,
    run_sandbox_in_thread,
)

from .node_runner import V2_PYTHON, run_until_report

SCRIPT = Path(__file__).with_name("v2_kit_node.py")
MARK = "KIT-REPORT "


def _run_node(mode: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    assert V2_PYTHON.exists(), f"{V2_PYTHON} is missing: `make test` builds the v2 venv"
    handle = run_sandbox_in_thread(SandboxConfig(prices=PriceProcess(volatility_bps=3),
                                                 dual_side_position=mode == "HEDGE"))
    try:
        report, log = _run_script(handle.venue, mode)
        return report, handle.venue.truth(), log
    finally:
        handle.stop()


def _run_script(
    venue: Any, mode: str, stop: signal.Signals = signal.SIGINT,
) -> tuple[dict[str, Any], str]:
    """Run ``v2_kit_node.py`` in ``mode`` until its first report, then stop it with ``stop``
    (SIGKILL: a crash, nothing of the node's shutdown runs)."""
    reports, log = run_until_report(
        [str(V2_PYTHON), str(SCRIPT), venue.base_url_http, f"{venue.base_url_ws}/ws",
         venue.base_url_ws_api, venue.admin_token, mode], MARK, stop=stop)
    assert reports, log[-4000:]
    return reports[0], log


@pytest.fixture(scope="module")
def run() -> Iterator[tuple[dict[str, Any], dict[str, Any], str]]:
    yield _run_node("ONE_WAY")


@pytest.fixture(scope="module")
def hedge_run() -> Iterator[tuple[dict[str, Any], dict[str, Any], str]]:
    yield _run_node("HEDGE")


@pytest.fixture(scope="module")
def restart_run() -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]]:
    """One account, two nodes: the first is killed (SIGKILL) with a position, a resting limit
    and a resting algo stop; the second starts with an empty cache."""
    handle = run_sandbox_in_thread(SandboxConfig(prices=PriceProcess(volatility_bps=3)))
    try:
        before, first_log = _run_script(handle.venue, "BEFORE_KILL", signal.SIGKILL)
        after, second_log = _run_script(handle.venue, "AFTER_RESTART")
        yield before, after, handle.venue.truth(), first_log + second_log
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def protect_run() -> Iterator[tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any], str]]:
    """A market entry sent with its close_position stop and take-profit in the same tick
    (``PROTECT_STEPS``). At the first report, with both resting, the test reads the venue and
    moves its price below the stop's trigger; the second report comes once the stop closed
    the position and the script cancelled the take-profit."""
    handle = run_sandbox_in_thread(SandboxConfig(prices=PriceProcess(volatility_bps=3)))
    venue = handle.venue
    resting: dict[str, Any] = {}

    def through_the_stop(_report: dict[str, Any]) -> None:
        resting.update(venue.truth())
        stops = [a for a in resting["algo_orders"]
                 if a["orderType"] == "STOP_MARKET" and a["algoStatus"] == "NEW"]
        if stops:
            venue.set_price("BTCUSDT", Decimal(stops[0]["triggerPrice"]) * Decimal("0.995"))

    try:
        reports, log = run_until_report(
            [str(V2_PYTHON), str(SCRIPT), venue.base_url_http, f"{venue.base_url_ws}/ws",
             venue.base_url_ws_api, venue.admin_token, "PROTECT"],
            MARK, reports=2, on_report=through_the_stop)
        assert len(reports) >= 2, log[-4000:]  # then on_stop's, after SIGINT
        yield reports[:2], resting, venue.truth(), log
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def flip_run() -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]], str]]:
    """Flips while the venue is slow to take the reduce-only close (``FLIP_STEPS``: a latency
    rule on REST orders with reduceOnly=true): short -> long, long -> short with the entry
    cancelled while held, long -> short with a close that gets no answer within the kit's
    bound. Three reports, and the venue's truth at each."""
    handle = run_sandbox_in_thread(SandboxConfig(prices=PriceProcess(volatility_bps=3)))
    venue = handle.venue
    truths: list[dict[str, Any]] = []
    try:
        reports, log = run_until_report(
            [str(V2_PYTHON), str(SCRIPT), venue.base_url_http, f"{venue.base_url_ws}/ws",
             venue.base_url_ws_api, venue.admin_token, "FLIP"],
            MARK, reports=3, on_report=lambda _report: truths.append(venue.truth()))
        assert len(reports) >= 3, log[-4000:]
        truths.append(venue.truth())
        yield reports[:3], truths, log
    finally:
        handle.stop()


def _fill_during_reconciliation(venue: Any) -> None:
    """Another app's market order fills while the node reconciles: after the node asked for
    the open orders and while the venue holds back its positionRisk answer (a latency rule)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(r["path"] == "/fapi/v1/openAlgoOrders" for r in venue.truth()["request_log"]):
            time.sleep(1.0)
            venue.faults.external_order(symbol="BTCUSDT", side="BUY", type="MARKET",
                                        quantity="0.020")
            return
        time.sleep(0.05)


@pytest.fixture(scope="module")
def race_run() -> Iterator[tuple[dict[str, Any], dict[str, Any], str]]:
    """An account that holds 0.010 BTC; a node starts on it and, while it reconciles, a fill of
    0.020 lands (the venue answers positionRisk 3 s late, with the fill in it)."""
    handle = run_sandbox_in_thread(SandboxConfig(prices=PriceProcess(volatility_bps=3)))
    venue = handle.venue
    try:
        venue.faults.external_order(symbol="BTCUSDT", side="BUY", type="MARKET",
                                    quantity="0.010")
        venue.faults.add(FaultRule(kind=FaultKind.LATENCY, path="/fapi/v2/positionRisk",
                                   method="GET", delay_ms=3000, count=1))
        racer = threading.Thread(target=_fill_during_reconciliation, args=(venue,), daemon=True)
        racer.start()
        report, log = _run_script(venue, "RECOVER")
        racer.join(timeout=5)
        yield report, venue.truth(), log
    finally:
        handle.stop()


def _on_a_hedge_account_holding_both_legs(
    mode: str,
) -> Iterator[tuple[dict[str, Any], dict[str, Any], str]]:
    """A one-way kit strategy (script ``mode``) starts on an account in hedge mode that holds
    both legs: the start-up position check fails."""
    handle = run_sandbox_in_thread(SandboxConfig(prices=PriceProcess(volatility_bps=3),
                                                 dual_side_position=True))
    venue = handle.venue
    try:
        for side, leg, qty in (("BUY", "LONG", "0.020"), ("SELL", "SHORT", "0.010")):
            venue.faults.external_order(symbol="BTCUSDT", side=side, type="MARKET",
                                        quantity=qty, positionSide=leg)
        report, log = _run_script(venue, mode)
        yield report, venue.truth(), log
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def hedge_account_run() -> Iterator[tuple[dict[str, Any], dict[str, Any], str]]:
    yield from _on_a_hedge_account_holding_both_legs("RECOVER")


@pytest.fixture(scope="module")
def early_run() -> Iterator[tuple[dict[str, Any], dict[str, Any], str]]:
    """A strategy that sends in on_start and on its first quote, on a clean account."""
    yield _run_node("EARLY")


@pytest.fixture(scope="module")
def early_mismatch_run() -> Iterator[tuple[dict[str, Any], dict[str, Any], str]]:
    """The same strategy on an account whose positions the node cannot trade (hedge legs)."""
    yield from _on_a_hedge_account_holding_both_legs("EARLY_RECOVER")


def _placed(truth: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in truth["request_log"]
            if (r["method"], r["path"]) in (("WS", "order.place"), ("POST", "/fapi/v1/order"))]


def _calls(truth: dict[str, Any], method: str, path: str) -> list[dict[str, Any]]:
    return [r for r in truth["request_log"] if (r["method"], r["path"]) == (method, path)]


def test_limit_orders_are_placed_amended_and_cancelled_over_the_ws_api(run: Any) -> None:
    report, truth, _ = run
    assert report["orders"]["limit"]["status"] == "CANCELED"
    assert [r["status"] for r in _calls(truth, "WS", "order.modify")] == [200]
    assert [r["status"] for r in _calls(truth, "WS", "order.cancel")] == [200]


def test_market_orders_fill_on_the_one_way_position_id(run: Any) -> None:
    report, _, _ = run
    for name in ("market", "close", "flat"):
        assert report["orders"][name]["status"] == "FILLED", name
        assert report["orders"][name]["position_id"] == "BTCUSDT-PERP.BINANCE-BOTH"
    # flat at the venue; v2 keeps the liquidated -BOTH and the EXTERNAL position it booked
    # the liquidation to (test_a_liquidation_reaches_on_risk_event_...)
    assert sorted(report["positions_open"]) == [
        "BTCUSDT-PERP.BINANCE-BOTH", "BTCUSDT-PERP.BINANCE-EXTERNAL"]


def test_conditional_orders_go_through_the_algo_order_api(run: Any) -> None:
    report, truth, _ = run
    types = {name: report["orders"][name]["type"] for name in (
        "stop", "stop_limit", "take_profit", "take_profit_limit", "trailing")}
    assert types == {"stop": "STOP_MARKET", "stop_limit": "STOP_LIMIT",
                     "take_profit": "MARKET_IF_TOUCHED", "take_profit_limit": "LIMIT_IF_TOUCHED",
                     "trailing": "TRAILING_STOP_MARKET"}
    for name in types:
        assert report["orders"][name]["status"] == "CANCELED", name
    assert report["orders"]["close_stop"]["status"] == "ACCEPTED"  # closePosition, resting
    placed = _calls(truth, "POST", "/fapi/v1/algoOrder")
    assert [r["status"] for r in placed] == [200] * 6
    assert sorted(r["params"]["type"] for r in placed) == sorted([
        "STOP_MARKET", "STOP_MARKET", "STOP", "TAKE_PROFIT_MARKET", "TAKE_PROFIT",
        "TRAILING_STOP_MARKET"])
    assert [r["status"] for r in _calls(truth, "DELETE", "/fapi/v1/algoOrder")] == [200] * 5


def test_an_invalid_order_never_reaches_the_venue(run: Any) -> None:
    report, truth, _ = run
    assert report["stats"]["invalid.PriceNotOnTick"] == 1
    assert "off_tick" not in report["orders"]
    prices = {r["params"].get("price") for r in truth["request_log"]}
    assert "40000.05" not in prices


def test_each_policy_action_meets_the_real_adapter(run: Any) -> None:
    report, _, log = run
    decisions = [tuple(d[:2]) for d in report["decisions"]]
    assert decisions[0] == ("skip", "-5022")  # the post-only limit that would take
    # -1003, -1007 and the 418 ban: each held in flight by v2, then reconciled and resent
    assert decisions[1:-1] == [("reconcile", "unknown_status")] * 6
    assert report["retries"] == ["FILLED", "FILLED", "FILLED"]
    for name in ("backoff", "reconcile", "halt"):
        assert report["orders"][name]["status"] == "REJECTED", name
    assert decisions[-1] == ("fail_fast", "-2015")  # the strategy stopped (on_stop reported)
    assert "Ambiguous WS submit failure" in log
    assert "exec-kit bookkeeping failed" not in log and "[policy] internal error" not in log


def test_an_ambiguous_answer_to_a_filled_order_executes_it_once(run: Any) -> None:
    """The venue placed and filled the order, answered 503 -1007 and lost its NEW and TRADE
    frames. v1's adapter with ``max_retries`` re-sent such a submit under the same client
    order ID and executed it twice; on the kit's v2 node it executes once, and the node books
    the fill it never saw (v2 asks the venue). ``benchmarks/v2_retry_soak.py`` measures the
    wider case (max_retries 0 and 3, WS API and REST)."""
    report, truth, log = run
    order = report["orders"]["placed_unseen"]
    assert order["status"] == "FILLED"
    [row] = [o for o in truth["orders"] if str(o["orderId"]) == order["venue_order_id"]]
    assert row["status"] == "FILLED"
    same_id = [o for o in truth["orders"] if o["clientOrderId"] == row["clientOrderId"]]
    assert len(same_id) == 1  # the adapter sent it once
    assert len(report["retries"]) == 3  # the kit resent only the three that were not placed
    assert "Ambiguous WS submit failure" in log


def test_the_node_came_from_the_kit_factory_and_logged_no_secret(run: Any) -> None:
    _, truth, log = run
    assert "sandbox-api-secret" not in log
    assert "position mode does not match" not in log  # the exec client's OMS fits the account
    assert any(r["path"] == "/fapi/v1/listenKey" for r in truth["request_log"])


def test_hedge_mode_trades_both_legs_and_closes_each_on_its_own(hedge_run: Any) -> None:
    """v2's adapter takes the leg from side + reduce-only (never sending reduceOnly in hedge
    mode, which the sandbox refuses with -1106 as Binance does); the kit sends every order on
    its leg's position ID and closes a leg without touching the other."""
    report, truth, log = hedge_run
    assert "position mode does not match" not in log
    fills = {name: order for name, order in report["orders"].items() if name != "long_stop"}
    legs = {name: order["position_id"].rsplit("-", 1)[1] for name, order in fills.items()}
    assert legs == {"long": "LONG", "short": "SHORT", "close_long_part": "LONG",
                    "sell_on_long": "LONG", "close_short": "SHORT", "close_rest": "LONG"}
    assert {order["status"] for order in fills.values()} == {"FILLED"}
    assert [e.split(":")[0] for e in report["errors"]] == ["PositionModeViolation"]
    assert report["positions_open"] == [] and report["decisions"] == []
    assert all(abs(float(p["positionAmt"])) == 0 for p in truth["positions"])
    placed = [r for r in truth["request_log"] if (r["method"], r["path"]) == ("WS", "order.place")]
    assert [r["status"] for r in placed] == [200] * 6


def test_hedge_mode_a_close_position_stop_sent_with_its_entry_rests_on_its_leg(
    hedge_run: Any,
) -> None:
    """The LONG leg's close_position stop, sent in the entry's tick, reaches the Algo Order API
    on the LONG leg (v2's adapter picks the leg from side + reduce-only) and is cancelled."""
    report, truth, _ = hedge_run
    assert report["orders"]["long_stop"]["status"] == "CANCELED"
    [placed] = _calls(truth, "POST", "/fapi/v1/algoOrder")
    assert (placed["status"], placed["params"]["type"], placed["params"]["closePosition"],
            placed["params"]["positionSide"]) == (200, "STOP_MARKET", "true", "LONG")
    assert "reduceOnly" not in placed["params"] and "quantity" not in placed["params"]
    assert [a["algoStatus"] for a in truth["algo_orders"]] == ["CANCELED"]


def test_a_liquidation_reaches_on_risk_event_and_the_kit_reads_the_leg_as_flat(run: Any) -> None:
    """v2 books Binance's ``autoclose-`` fill to an EXTERNAL position and leaves the
    strategy's -BOTH open; the kit delivers the risk event and sizes its closes by the venue."""
    report, truth, log = run
    assert "Exchange-generated liquidation fill" in log
    assert report["orders"]["liq_entry"]["status"] == "FILLED"
    assert report["risk_events"] == [["liquidation", "SELL", "0.010", False]]
    after = report["after_liquidation"]
    assert after["node_position"] == "LONG"  # what v2 alone would trade on
    assert after["holding"] == [None, 0]
    assert after["close_all"] == 0
    assert all(float(p["positionAmt"]) == 0 for p in truth["positions"])


def test_a_killed_node_restarts_owns_its_orders_and_closes_the_venues_position(
    restart_run: Any,
) -> None:
    before, after, truth, log = restart_run
    limit, stop = (f"{before['orders'][n]['status']}" for n in ("limit", "stop"))
    assert (limit, stop) == ("ACCEPTED", "ACCEPTED")
    recovered = after["recovered"]
    # start-up reconciliation brought both orders back, claimed by the strategy ...
    assert [o[1:] for o in recovered["open_orders"]] == [
        ["LIMIT", "KIT-001"], ["STOP_MARKET", "KIT-001"]]
    # ... the stop counts against the open-conditional cap again ...
    assert recovered["algo_open"] == 1
    # ... and the position came back on a generated ID, which the kit reads as the leg's
    assert [p[1:3] for p in recovered["positions"]] == [["LONG", "0.010"]]
    assert not recovered["positions"][0][0].endswith("-BOTH")
    assert recovered["holding"] == [["PositionSide.LONG", 10**14]]
    # the kit's cancels and close reach the venue; nothing was sent twice
    assert after["orders"]["close"]["status"] == "FILLED"
    assert after["open_orders"] == [] and after["algo_open"] == 0
    assert all(float(p["positionAmt"]) == 0 for p in truth["positions"])
    assert all(o["status"] != "NEW" for o in truth["orders"])
    assert all(o["algoStatus"] == "CANCELED" for o in truth["algo_orders"])
    placed = [r for r in truth["request_log"] if r["path"] in ("order.place", "/fapi/v1/order")
              and r["method"] in ("WS", "POST")]
    assert len(placed) == 3  # market, limit, the close
    assert "sandbox-api-secret" not in log


def test_a_fill_counted_twice_at_start_up_halts_the_kit_with_a_clear_message(
    race_run: Any,
) -> None:
    """v2 reconciles the venue's position (0.030, the racing fill included) and then applies
    the fill it buffered meanwhile once more: the node holds 0.050, Binance 0.030, and v2 says
    nothing. The kit's start-up check compares the node with Binance's positionRisk, twice a
    second apart, and refuses to trade."""
    report, truth, log = race_run
    assert sorted(p[2] for p in report["recovered"]["positions"]) == ["0.020", "0.030"]
    check = report["position_check"]
    assert check["halts"] and not check["ok"]
    [[kind, instrument, leg, node, venue]] = check["mismatches"]
    assert (kind, instrument, leg) == ("quantity_differs", "BTCUSDT-PERP.BINANCE", "BOTH")
    assert (Decimal(node), Decimal(venue)) == (Decimal("0.050"), Decimal("0.030"))
    # the order the strategy sent after the verdict was refused, and said why
    assert [e.split(":")[0] for e in report["errors"]] == ["ReconciliationMismatch"]
    assert "quantity_differs" in report["errors"][0]
    assert "after_start" not in report["orders"] and _placed(truth) == []
    assert "start-up position check failed" in log and "do not trade until" in log
    assert "sandbox-api-secret" not in log


def test_a_hedge_account_under_a_one_way_strategy_halts_the_kit(hedge_account_run: Any) -> None:
    """v2 reconciles both legs and only warns that the OMS does not match the account; the
    kit's check names the account's legs and what to change."""
    report, truth, log = hedge_account_run
    assert "position mode does not match" in log  # all v2 says
    check = report["position_check"]
    assert check["halts"]
    assert {m[0] for m in check["mismatches"]} >= {"venue_holds_hedge_legs"}
    assert "position_mode='HEDGE'" in check["text"]
    assert [e.split(":")[0] for e in report["errors"]] == ["ReconciliationMismatch"]
    assert _placed(truth) == []


def test_a_clean_start_and_a_clean_restart_pass_the_position_check(
    run: Any, restart_run: Any,
) -> None:
    report, _, _ = run
    assert report["position_check"]["ok"]
    before, after, _, log = restart_run
    assert before["position_check"]["ok"] and after["position_check"]["ok"]
    assert "start-up position check: positions match the venue (BTCUSDT-PERP.BINANCE)" in log


def _early_orders(report: dict[str, Any]) -> dict[str, str]:
    return {name: report["orders"][name]["status"] for name in ("on_start", "first_quote")}


def _hold_stats(report: dict[str, Any]) -> dict[str, int]:
    return {k: v for k, v in report["stats"].items() if k.startswith("position_check_hold.")}


def test_orders_sent_before_the_position_check_wait_for_it_and_fill(early_run: Any) -> None:
    """A market order from on_start and one from the first quote, both before the check's
    verdict: the kit holds them (nothing raised, nothing logged as failed), sends them once
    the check passed, and both fill."""
    report, truth, log = early_run
    assert report["notes"] == {"held_at_start": 1, "first_quote_before_verdict": True}
    assert report["position_check"]["ok"]
    assert _early_orders(report) == {"on_start": "FILLED", "first_quote": "FILLED"}
    assert _hold_stats(report) == {"position_check_hold.held": 2,
                                   "position_check_hold.released": 2}
    assert report["errors"] == [] and report["positions_open"] == ["BTCUSDT-PERP.BINANCE-BOTH"]
    # the venue met them after the kit's positionRisk read (the check; the adapter's own read
    # for reconciliation is the one before), in send order
    requests = truth["request_log"]
    reads = [i for i, r in enumerate(requests) if r["path"] == "/fapi/v2/positionRisk"]
    placed = [i for i, r in enumerate(requests)
              if (r["method"], r["path"]) in (("WS", "order.place"), ("POST", "/fapi/v1/order"))]
    assert len(reads) == 2 and len(placed) == 2 and min(placed) > max(reads)
    venue_ids = [int(report["orders"][n]["venue_order_id"]) for n in ("on_start", "first_quote")]
    assert venue_ids == sorted(venue_ids)
    for failure in ("Python on_start failed", "Python on_quote failed", "SubmissionsHalted",
                    "[ERROR]"):
        assert failure not in log
    assert "held until the start-up position check has its verdict" in log


def test_orders_held_for_a_failed_position_check_are_refused_with_one_line_each(
    early_mismatch_run: Any,
) -> None:
    report, truth, log = early_mismatch_run
    assert report["position_check"]["halts"]
    assert _early_orders(report) == {"on_start": "NOT_SENT", "first_quote": "NOT_SENT"}
    assert _hold_stats(report) == {"position_check_hold.held": 2,
                                   "position_check_hold.refused": 2}
    assert _placed(truth) == [] and report["errors"] == []
    refusals = [line for line in log.splitlines()
                if "exec-kit: ReconciliationMismatch:" in line]
    assert len(refusals) == 2
    for line, name in zip(refusals, ("on_start", "first_quote"), strict=True):
        assert report["orders"][name]["client_order_id"] in line
        assert "not sent: start-up position check failed" in line
        assert "venue_holds_hedge_legs" in line


def test_protective_close_position_orders_sent_with_their_entry_rest_at_the_venue(
    protect_run: Any,
) -> None:
    """The obvious code (entry, close_position stop, close_position take-profit, in one tick,
    before the entry fills) works on v2 live as on Binance and v1: v2's adapter needs the
    orders reduce-only, and v2's risk engine used to deny them (POSITION_NOT_FOUND) while the
    entry had not filled; the kit sends them without a position ID and Binance's
    closePosition guards them."""
    (resting_report, _), resting, _, log = protect_run
    orders = resting_report["orders"]
    assert orders["entry"]["status"] == "FILLED"
    assert orders["protect_stop"]["status"] == "ACCEPTED"
    assert orders["protect_tp"]["status"] == "ACCEPTED"
    assert resting_report["decisions"] == [] and resting_report["errors"] == []
    assert "POSITION_NOT_FOUND" not in log and "REDUCE_ONLY_WOULD_INCREASE" not in log
    # both reached the Algo Order API as closePosition orders (no quantity, no reduceOnly)
    placed = _calls(resting, "POST", "/fapi/v1/algoOrder")
    assert sorted((r["status"], r["params"]["type"], r["params"].get("closePosition"),
                   "quantity" in r["params"], "reduceOnly" in r["params"]) for r in placed) == [
        (200, "STOP_MARKET", "true", False, False),
        (200, "TAKE_PROFIT_MARKET", "true", False, False)]
    assert sorted((a["orderType"], a["algoStatus"], a["closePosition"])
                  for a in resting["algo_orders"]) == [
        ("STOP_MARKET", "NEW", True), ("TAKE_PROFIT_MARKET", "NEW", True)]
    assert resting_report["stats"]["algo_open"] == 2


def test_a_protective_stop_sent_with_its_entry_closes_the_position_when_triggered(
    protect_run: Any,
) -> None:
    (_, after), _, truth, _ = protect_run
    orders = after["orders"]
    assert orders["protect_stop"]["status"] == "FILLED"
    assert orders["protect_tp"]["status"] == "CANCELED"
    # the stop's fill closed the strategy's one-way position, on its -BOTH ID
    assert after["positions_open"] == []
    assert after["positions_closed"] == [
        ["BTCUSDT-PERP.BINANCE-BOTH", orders["protect_stop"]["client_order_id"]]]
    assert after["holding"] == 0 and after["algo_open"] == 0 and after["decisions"] == []
    # the venue: flat, the stop finished (its child order filled the whole 0.010)
    assert all(float(p["positionAmt"]) == 0 for p in truth["positions"])
    statuses = {a["orderType"]: a["algoStatus"] for a in truth["algo_orders"]}
    assert statuses == {"STOP_MARKET": "FINISHED", "TAKE_PROFIT_MARKET": "CANCELED"}
    [child] = [o for o in truth["orders"] if o.get("origType") == "STOP_MARKET"]
    assert (child["status"], Decimal(child["executedQty"])) == ("FILLED", Decimal("0.010"))


def _order_requests(
    truth: dict[str, Any], before: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The venue's order requests over REST (the FLIP node's path), in arrival order; only
    those that came after ``before``'s."""
    seen = 0 if before is None else len(before["request_log"])
    rows = [r for r in truth["request_log"][seen:] if r["method"] == "POST"
            and r["path"] in ("/fapi/v1/order", "/fapi/v1/algoOrder")]
    return sorted(rows, key=lambda r: r["received_ns"])


def _one(rows: list[dict[str, Any]], **params: str) -> dict[str, Any]:
    """The one request carrying ``params`` (the adapter encodes client order IDs)."""
    [row] = [r for r in rows
             if all(r["params"].get(k, "").lower() == v.lower() for k, v in params.items())]
    return row


def test_a_flips_entry_and_stop_wait_for_the_close_and_the_flip_ends_long(flip_run: Any) -> None:
    """Flip in one tick (close the short, buy, close_position stop and take-profit for the
    long) while the venue is slow to take the close. v2's adapter sends each order from its
    own task: the entry would reach Binance first and close the short itself (Binance then
    refuses the reduce-only close, -2022, and the strategy ends flat), and the stop would
    arrive while Binance still holds the short (-2022). The kit holds the entry until the close
    is answered and the stop until the short is gone; the take-profit, cancelled while held,
    is answered by the kit and never sent."""
    (report, _, _), (truth, _, _), log = flip_run
    orders = report["orders"]
    for name in ("short", "flip_close", "flip_entry"):
        assert orders[name]["status"] == "FILLED", name
    assert orders["flip_stop"]["status"] == "ACCEPTED", report["decisions"]
    assert report["decisions"] == [] and report["errors"] == []
    assert orders["flip_tp"]["status"] == "NOT_SENT"
    assert report["notes"]["held_at_send"] == {"sequence_hold.held": 1, "close_hold.held": 2}
    stats = report["stats"]
    assert (stats["sequence_hold.held"], stats["sequence_hold.released"]) == (1, 1)
    assert (stats["close_hold.held"], stats["close_hold.released"],
            stats["close_hold.cancelled"]) == (2, 1, 1)
    assert "sequence_hold.expired" not in stats and "close_hold.expired" not in stats
    # the venue met them in the order the strategy sent them: the entry and the stop only
    # after it answered the close
    sent = _order_requests(truth)
    assert len(sent) == 4  # short, close, entry, stop: the take-profit never left
    close = _one(sent, side="BUY", type="MARKET", reduceOnly="true")
    [entry] = [r for r in sent if r["params"]["side"] == "BUY" and "reduceOnly" not in r["params"]]
    stop = _one(sent, side="SELL", type="STOP_MARKET", closePosition="true")
    assert (close["status"], entry["status"], stop["status"]) == (200, 200, 200)
    assert entry["received_ns"] > close["answered_ns"]
    assert stop["received_ns"] > close["answered_ns"]
    # the flip ended long, with its stop resting on it
    [position] = [p for p in truth["positions"] if float(p["positionAmt"]) != 0]
    assert Decimal(position["positionAmt"]) == Decimal("0.010")
    [algo] = truth["algo_orders"]
    assert (algo["orderType"], algo["algoStatus"], algo["closePosition"], algo["side"]) == (
        "STOP_MARKET", "NEW", True, "SELL")
    assert f"{orders['flip_entry']['client_order_id']} (MARKET BUY) held behind " \
           f"{orders['flip_close']['client_order_id']}" in log
    assert "held until the BTCUSDT-PERP.BINANCE SHORT position" in log
    assert "cancelled while held: never sent" in log


def test_an_entry_cancelled_while_held_behind_its_close_never_leaves(flip_run: Any) -> None:
    """The kit answers the cancel of an order it holds (Nautilus never saw it: no event)."""
    (_, report, _), (before, truth, _), _ = flip_run
    orders = report["orders"]
    assert report["notes"]["back_held"] is True  # not in Nautilus' cache: held by the kit
    assert orders["back_close"]["status"] == "FILLED"
    assert orders["back_entry"]["status"] == "NOT_SENT"
    assert report["stats"]["sequence_hold.cancelled"] == 1
    assert report["decisions"] == [] and report["errors"] == []
    # only the close reached the venue (the stop cancelled first): flat, nothing resting
    assert len(_order_requests(truth)) == len(_order_requests(before)) + 1
    assert all(float(p["positionAmt"]) == 0 for p in truth["positions"])
    assert [a["algoStatus"] for a in truth["algo_orders"]] == ["CANCELED"]


def test_an_entry_behind_a_close_with_no_answer_goes_at_the_bound(flip_run: Any) -> None:
    """The close gets no answer within the kit's bound (500 ms here, 2 s by default): the
    entry is sent then, logged, and the venue decides (it takes the entry first: the entry
    closes the long, Binance refuses the late close with -2022)."""
    (_, _, report), (_, before, truth), log = flip_run
    orders = report["orders"]
    assert orders["late_entry"]["status"] == "FILLED"
    assert orders["late_close"]["status"] == "REJECTED"
    assert [tuple(d[:2]) for d in report["decisions"]] == [("skip", "-2022")]
    assert report["stats"]["sequence_hold.expired"] == 1
    sent = _order_requests(truth, before)
    assert [(r["params"]["side"], r["params"].get("reduceOnly")) for r in sent] == [
        ("BUY", None), ("SELL", "true"), ("SELL", None)]  # the long, the close, the entry
    close, entry = sent[1], sent[2]
    waited_s = (entry["received_ns"] - close["received_ns"]) / 1e9
    assert 0.45 <= waited_s < 1.5, waited_s
    assert (close["status"], close["code"]) == (400, -2022)
    assert "the hold's bound (500 ms) passed, the venue decides" in log
    assert all(float(p["positionAmt"]) == 0 for p in truth["positions"])
