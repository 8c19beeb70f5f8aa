"""The v2 binding keeps a flip's entry behind its reduce-only close (core/close_hold.py's
sequence rule) in real v2 backtests: a simulated venue holds nothing (backtests unchanged); a run
not marked simulated answers an order only after the handler that sent it returns, as a live
venue does, so the binding's hold, release, cancel and counters can be watched in-process (the
real race, against the sandbox on a LiveNode, is tests/nautilus2's FLIP script)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nautilus_trader import model as nt

from nautilus_exec_kit.v2.backtest import mark_simulated
from tests.v2.conftest import IID, flat_quotes, make_engine
from tests.v2.test_mixin import ScriptConfig, Scripted

BUY, SELL = nt.OrderSide.BUY, nt.OrderSide.SELL


def _flip(s: Any) -> dict[str, Any]:
    """Close the short and buy, in one tick; note what Nautilus' cache had of each then."""
    close = s.close_all(IID)[0]
    entry = s.submit_market(IID, BUY, "0.010")
    cache = s._kit_cache
    return {"close": close, "entry": entry,
            "entry_in_cache": cache.order(entry.client_order_id) is not None,
            "stats": dict(s.exec_kit_stats())}


def _flip_and_cancel(s: Any) -> dict[str, Any]:
    flip = _flip(s)
    s.cancel_order(flip["entry"].client_order_id)
    return flip


def _run(script: dict[int, Callable[[Any], Any]], simulated: bool) -> Scripted:
    engine: Any = make_engine()
    engine.add_data(flat_quotes(30))
    strategy = Scripted(ScriptConfig(emulate_venue_params=simulated), script)
    engine.add_strategy(strategy)
    if simulated:
        mark_simulated(strategy)
    engine.run()
    strategy.engine = engine  # type: ignore[attr-defined]
    return strategy


def _statuses(s: Scripted, flip: dict[str, Any]) -> tuple[str, str]:
    cache = s.cache
    return tuple(  # type: ignore[return-value]
        "NOT_SENT" if (o := cache.order(flip[n].client_order_id)) is None else o.status.name
        for n in ("close", "entry")
    )


def _position(s: Scripted) -> str:
    holding = s.kit_holding(IID)
    return "FLAT" if holding.side is None else holding.side.name


def test_a_simulated_venue_holds_nothing() -> None:
    s = _run({2: lambda s: s.submit_market(IID, SELL, "0.010"), 5: _flip}, simulated=True)
    try:
        flip = s.results[5]
        assert flip["entry_in_cache"] and not any("hold" in k for k in flip["stats"])
        assert _statuses(s, flip) == ("FILLED", "FILLED") and _position(s) == "LONG"
        assert not any("hold" in k for k in s.exec_kit_stats())
    finally:
        s.engine.dispose()  # type: ignore[attr-defined]


def test_live_the_entry_waits_for_the_close_to_be_answered_then_goes() -> None:
    s = _run({2: lambda s: s.submit_market(IID, SELL, "0.010"), 5: _flip}, simulated=False)
    try:
        assert not s.errors
        flip = s.results[5]
        assert not flip["entry_in_cache"]  # held by the kit, not sent
        assert flip["stats"]["sequence_hold.held"] == 1
        assert _statuses(s, flip) == ("FILLED", "FILLED") and _position(s) == "LONG"
        stats = s.exec_kit_stats()
        assert (stats["sequence_hold.held"], stats["sequence_hold.released"]) == (1, 1)
        assert "sequence_hold.expired" not in stats
        # the close was answered (filled) before the entry was sent
        close = s.cache.order(flip["close"].client_order_id)
        entry = s.cache.order(flip["entry"].client_order_id)
        assert entry.init_event.ts_init >= close.ts_last
    finally:
        s.engine.dispose()  # type: ignore[attr-defined]


def test_live_an_entry_cancelled_while_held_is_answered_by_the_kit_and_never_sent() -> None:
    s = _run({2: lambda s: s.submit_market(IID, SELL, "0.010"), 5: _flip_and_cancel},
             simulated=False)
    try:
        assert not s.errors
        flip = s.results[5]
        assert _statuses(s, flip) == ("FILLED", "NOT_SENT") and _position(s) == "FLAT"
        stats = s.exec_kit_stats()
        assert (stats["sequence_hold.held"], stats["sequence_hold.cancelled"]) == (1, 1)
        assert "sequence_hold.released" not in stats
    finally:
        s.engine.dispose()  # type: ignore[attr-defined]


def test_live_a_close_sized_during_a_hold_counts_the_held_entry() -> None:
    """close_all right after a held entry: the held order is committed like any order on
    its way (as the policy's queued ones are), so the short is not closed twice."""
    def flip_then_close_again(s: Any) -> dict[str, Any]:
        flip = _flip(s)
        flip["again"] = s.close_all(IID)
        return flip

    s = _run({2: lambda s: s.submit_market(IID, SELL, "0.010"), 5: flip_then_close_again},
             simulated=False)
    try:
        assert s.results[5]["again"] == []
    finally:
        s.engine.dispose()  # type: ignore[attr-defined]


def test_live_an_order_still_held_when_the_strategy_stops_is_dropped_and_counted() -> None:
    """The run ends right after a flip (the close's answer never gets to release the entry):
    the entry is not sent after the stop; the kit logs it and counts it as cancelled."""
    s = _run({2: lambda s: s.submit_market(IID, SELL, "0.010"), 30: _flip}, simulated=False)
    try:
        flip = s.results[30]
        assert _statuses(s, flip)[1] == "NOT_SENT"
        stats = s.exec_kit_stats()
        assert (stats["sequence_hold.held"], stats["sequence_hold.cancelled"]) == (1, 1)
        assert not s._kit_held
    finally:
        s.engine.dispose()  # type: ignore[attr-defined]
