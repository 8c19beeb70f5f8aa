"""Orders sent before the start-up position check has its verdict wait for it (the core's
``position_check_hold``): on a real v2 backtest engine with a check attached by hand (a live
node's factory attaches it; a backtest has none), whose venue read is the unit's stand-in. Sent
through the error policy when the check passes, refused when it halts or gives no verdict within
the bound, cancellable while held, counted, listed by ``kit_unsent_orders``. The same on a
running LiveNode against the sandbox is tests/nautilus2 (the EARLY script)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from nautilus_trader import model as nt

from nautilus_exec_kit.core import errors as E
from nautilus_exec_kit.core.reconciliation import STARTUP_CHECK_DELAY_MS, VenuePosition
from nautilus_exec_kit.v2.backtest import mark_simulated
from nautilus_exec_kit.v2.reconciliation import StartupPositionCheck
from tests.v2.conftest import IID, START_NS, flat_quotes, make_engine
from tests.v2.test_mixin import ScriptConfig, Scripted

BUY, SELL = nt.OrderSide.BUY, nt.OrderSide.SELL
HELD = "position_check_hold"


class EarlyScripted(Scripted):  # type: ignore[misc]
    """``script[0]`` runs in ``on_start`` (before the check's verdict); records the logs."""

    def on_start(self) -> None:
        super().on_start()
        step = self.script.get(0)
        if step is not None:
            self.results[0] = step(self)


class _StuckCheck(StartupPositionCheck):
    """A check that never reaches a verdict (a venue read that hangs, in effect)."""

    def start(self, clock: Any, read_node: Any, on_verdict: Any) -> None:
        pass


def _run(script: dict[int, Callable[[Any], Any]], venue: list[VenuePosition] | None = None,
         *, check: type[StartupPositionCheck] = StartupPositionCheck,
         strategy_class: type[EarlyScripted] = EarlyScripted) -> EarlyScripted:
    engine: Any = make_engine()
    engine.add_data(flat_quotes(50))  # 5 s of quotes; the check reads at 1 s (and 2 s)
    strategy = strategy_class(ScriptConfig(), script)
    strategy._kit_attach_position_check(check(lambda: list(venue or []), hedge_mode=False))
    engine.add_strategy(strategy)
    mark_simulated(strategy)
    engine.run()
    strategy.engine = engine  # type: ignore[attr-defined]
    return strategy


def _note(name: str, send: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Send, then note what the kit and the cache show of the order right away."""
    def step(s: Any) -> Any:
        order = send(s)
        s.results[name] = {
            "in_cache": s.cache.order(order.client_order_id) is not None,
            "unsent": [o.client_order_id for o in s.kit_unsent_orders(IID)],
            "stats": {k: v for k, v in s.exec_kit_stats().items() if k.startswith(HELD)},
        }
        return order
    return step


def _status(s: Any, step: int) -> str:
    cached = s.cache.order(s.results[step].client_order_id)
    return "NOT_SENT" if cached is None else cached.status.name


def test_orders_sent_before_the_verdict_wait_for_it_and_go_when_it_passes() -> None:
    s = _run({
        0: _note("start", lambda s: s.submit_market(IID, BUY, "0.010")),
        1: _note("first", lambda s: s.submit_limit(IID, BUY, "0.010", "49000.0")),
        3: lambda s: s.exec_kit_position_check(),
        # after the verdict (at 1 s): straight through
        20: lambda s: s.submit_market(IID, SELL, "0.010"),
    })
    assert s.errors == []
    assert s.results["start"] == {"in_cache": False, "unsent": [s.results[0].client_order_id],
                                  "stats": {f"{HELD}.held": 1}}
    assert s.results["first"]["unsent"] == [s.results[0].client_order_id,
                                            s.results[1].client_order_id]
    assert s.results[3] is None  # no verdict yet at the third quote
    verdict = s.exec_kit_position_check()
    assert verdict is not None and verdict.ok
    assert (_status(s, 0), _status(s, 1), _status(s, 20)) == ("FILLED", "ACCEPTED", "FILLED")
    assert s.kit_unsent_orders() == []
    stats = s.exec_kit_stats()
    assert {k: v for k, v in stats.items() if k.startswith(HELD)} == {
        f"{HELD}.held": 2, f"{HELD}.released": 2}
    assert stats["submit.MARKET"] == 2 and stats["submit.LIMIT"] == 1
    # both were sent at the verdict, a second after start, not before
    verdict_ns = START_NS + STARTUP_CHECK_DELAY_MS * 1_000_000
    first, second = (s.cache.order(s.results[n].client_order_id) for n in (0, 1))
    assert first.ts_last >= verdict_ns and second.ts_last >= verdict_ns


def test_orders_held_for_a_failed_check_are_refused_and_later_ones_raise() -> None:
    """The venue holds 0.030 BTC the node does not: the check halts (after its confirming read)
    and refuses what it held; orders sent after the verdict raise ReconciliationMismatch."""
    s = _run({
        0: lambda s: s.submit_market(IID, BUY, "0.010"),
        1: lambda s: s.submit_stop_market(IID, SELL, "0.010", "45000.0", reduce_only=True),
        40: lambda s: s.submit_market(IID, BUY, "0.010"),
    }, venue=[VenuePosition(str(IID), "BOTH", Decimal("0.030"))])
    verdict = s.exec_kit_position_check()
    assert verdict is not None and verdict.halts
    assert "node 0 vs venue 0.030" in verdict.headline() and "\n" not in verdict.headline()
    assert (_status(s, 0), _status(s, 1)) == ("NOT_SENT", "NOT_SENT")
    assert not s.cache.orders()
    assert [type(e) for e in s.errors] == [E.ReconciliationMismatch]
    assert {k: v for k, v in s.exec_kit_stats().items() if k.startswith(HELD)} == {
        f"{HELD}.held": 2, f"{HELD}.refused": 2}
    assert s.kit_unsent_orders() == []


def test_an_order_cancelled_while_held_for_the_check_is_never_sent() -> None:
    orders: dict[str, Any] = {}

    def send_two(s: Any) -> None:
        orders["keep"] = s.submit_market(IID, BUY, "0.010")
        orders["drop"] = s.submit_limit(IID, BUY, "0.010", "49000.0")
        s.cancel_order(orders["drop"].client_order_id)

    s = _run({0: send_two, 1: lambda s: s.cancel_all_orders(IID, SELL)})
    cache = s.cache
    assert cache.order(orders["drop"].client_order_id) is None
    assert cache.order(orders["keep"].client_order_id).status.name == "FILLED"
    assert {k: v for k, v in s.exec_kit_stats().items() if k.startswith(HELD)} == {
        f"{HELD}.held": 2, f"{HELD}.cancelled": 1, f"{HELD}.released": 1}


class _ShortBound(EarlyScripted):  # type: ignore[misc]
    position_check_hold_max_ms = 800


def test_an_order_that_gets_no_verdict_within_the_bound_is_refused() -> None:
    s = _run({0: lambda s: s.submit_market(IID, BUY, "0.010"),
              5: lambda s: s.kit_unsent_orders(),
              12: lambda s: s.kit_unsent_orders()},
             check=_StuckCheck, strategy_class=_ShortBound)
    assert s.exec_kit_position_check() is None
    assert len(s.results[5]) == 1 and s.results[12] == []  # refused at 0.8 s
    assert _status(s, 0) == "NOT_SENT" and not s.cache.orders()
    assert {k: v for k, v in s.exec_kit_stats().items() if k.startswith(HELD)} == {
        f"{HELD}.held": 1, f"{HELD}.refused": 1, f"{HELD}.expired": 1}


def test_a_backtest_without_a_check_holds_nothing() -> None:
    engine: Any = make_engine()
    engine.add_data(flat_quotes(5))
    s = EarlyScripted(ScriptConfig(), {0: lambda s: s.submit_market(IID, BUY, "0.010")})
    engine.add_strategy(s)
    mark_simulated(s)
    engine.run()
    assert s.cache.order(s.results[0].client_order_id).status.name == "FILLED"
    assert not any(k.startswith(HELD) for k in s.exec_kit_stats())
