"""Reduce-only mode and instrument stops as the core decides them (no Nautilus): which orders
the gate refuses, when a probe goes out, what clears a restriction, on plain values."""

from __future__ import annotations

import pytest

from nautilus_exec_kit.core.errors import (
    ConfigurationError,
    InstrumentStopped,
    ReduceOnlyModeActive,
    SubmissionBlocked,
)
from nautilus_exec_kit.core.policy import Action, ErrorPolicy, parse_reason
from nautilus_exec_kit.core.policy.restrictions import (
    ACCOUNT,
    RestrictionBook,
    RestrictionKind,
    Verdict,
    only_reduces,
    restriction_counts,
)
from nautilus_exec_kit.core.settings import KitSettings
from nautilus_exec_kit.core.vocab import OrderSide

BTC, ETH = "BTCUSDT-PERP.BINANCE", "ETHUSDT-PERP.BINANCE"
BUY, SELL = OrderSide.BUY, OrderSide.SELL
S = 1_000_000_000
PROBE, PROBE_MAX = 60 * S, 240 * S


def reason(code: int, msg: str = "x") -> object:
    return parse_reason(str({"code": code, "msg": msg}))


def enter(book: RestrictionBook, code: int, instrument: str = BTC, origin: str = "O-0",
          now: int = 0) -> object:
    why = reason(code)
    return book.enter(ErrorPolicy.default().action_for(why), why, instrument, origin, now)


def admit(book: RestrictionBook, side: OrderSide = BUY, *, instrument: str = BTC,
          reduces: bool = False, origin: str = "O-9", now: int = 1) -> object:
    return book.admit(instrument, side, reduces, origin, now, origin)


@pytest.mark.parametrize(
    ("code", "action"),
    [
        (-4400, Action.REDUCE_ONLY),
        (-4401, Action.REDUCE_ONLY),
        (-4087, Action.REDUCE_ONLY),
        (-4088, Action.REDUCE_ONLY),
        (-4105, Action.REDUCE_ONLY),
        (-4189, Action.REDUCE_ONLY),
        (-4140, Action.STOP_INSTRUMENT),
        (-4141, Action.STOP_INSTRUMENT),
        (-5024, Action.STOP_INSTRUMENT),
        (-2027, Action.SKIP),
        (-2028, Action.SKIP),
        (-1121, Action.FAIL_FAST),
        (-4109, Action.FAIL_FAST),
        (-4046, Action.SKIP),
    ],
)
def test_default_actions_of_the_new_classes(code: int, action: Action) -> None:
    assert ErrorPolicy.default().action_for(reason(code)) is action


@pytest.mark.parametrize("overrides", [{"-2027": "backoff"}, {"position_limit": "reconcile"},
                                       {"-2028": "reconcile"}])
def test_position_and_leverage_limits_are_never_resent(overrides: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError, match=r"never resent|cannot be backoff"):
        ErrorPolicy.default().with_overrides(overrides)


def test_account_reduce_only_refuses_increasing_orders_everywhere() -> None:
    book = RestrictionBook(PROBE, PROBE_MAX)
    assert not book
    state = enter(book, -4400)
    assert book and state.scope == ACCOUNT and state.kind is RestrictionKind.REDUCE_ONLY
    assert state.probe_at_ns == PROBE
    for instrument in (BTC, ETH):
        for side in (BUY, SELL):
            refusal = admit(book, side, instrument=instrument)
            assert isinstance(refusal, ReduceOnlyModeActive)
            assert isinstance(refusal, SubmissionBlocked)
    message = str(refusal)
    assert "O-9: not sent, the account is in reduce-only mode" in message
    assert "-4400" in message and "reduce_only=True" in message
    assert "exit_reduce_only_mode()" in message and f"ts={PROBE}" in message
    assert refusal.scope == ACCOUNT and refusal.code == -4400
    # orders that can only reduce a position go out
    assert admit(book, SELL, reduces=True) is Verdict.PASS
    assert restriction_counts(book.states(1), 4) == {
        "reduce_only_mode": 1, "instruments_stopped": 0, "refused_restricted": 4,
    }


@pytest.mark.parametrize(
    ("side", "reduce_only", "close_position", "position_id", "expected"),
    [
        (SELL, True, False, f"{BTC}-BOTH", True),
        (BUY, False, True, f"{BTC}-BOTH", True),
        (SELL, False, False, f"{BTC}-BOTH", False),  # Binance needs the flag in one-way mode
        (SELL, False, False, f"{BTC}-LONG", True),  # hedge: closes the long leg
        (BUY, False, False, f"{BTC}-SHORT", True),
        (BUY, False, False, f"{BTC}-LONG", False),  # hedge: adds to the long leg
        (SELL, False, False, f"{BTC}-SHORT", False),
        (BUY, False, False, None, False),
    ],
)
def test_which_orders_only_reduce(side: OrderSide, reduce_only: bool, close_position: bool,
                                  position_id: str | None, expected: bool) -> None:
    assert only_reduces(side, reduce_only, close_position, position_id) is expected


def test_symbol_reduce_only_restricts_that_instrument_only_and_one_side_for_4106() -> None:
    book = RestrictionBook(PROBE, PROBE_MAX)
    assert enter(book, -4401).scope == BTC
    assert isinstance(admit(book, BUY), ReduceOnlyModeActive)
    assert admit(book, BUY, instrument=ETH) is Verdict.PASS
    side_book = RestrictionBook(PROBE, PROBE_MAX)
    assert enter(side_book, -4106).sides == ("BUY",)
    assert isinstance(admit(side_book, BUY), ReduceOnlyModeActive)
    assert "for BUY orders" in str(admit(side_book, BUY))
    assert admit(side_book, SELL) is Verdict.PASS
    enter(side_book, -4107)  # the other side too now
    assert isinstance(admit(side_book, SELL), ReduceOnlyModeActive)


def test_a_probe_goes_out_after_the_interval_one_at_a_time_and_clears_when_taken() -> None:
    book = RestrictionBook(PROBE, PROBE_MAX)
    enter(book, -4400, now=0)
    assert isinstance(admit(book, now=PROBE - 1), ReduceOnlyModeActive)
    assert admit(book, origin="P-1", now=PROBE) is Verdict.PROBE
    waiting = admit(book, origin="O-2", now=PROBE + 1)
    assert isinstance(waiting, ReduceOnlyModeActive) and "probe P-1 waits" in str(waiting)
    assert admit(book, origin="P-1", now=PROBE + 2) is Verdict.PASS  # a retry of the probe
    cleared = book.settle_probe("P-1", True, PROBE + 3)
    assert [s.active for s in cleared] == [False] and "P-1" in (cleared[0].cleared_by or "")
    assert not book and admit(book) is Verdict.PASS


def test_a_refused_probe_doubles_the_wait_up_to_the_cap() -> None:
    book = RestrictionBook(PROBE, PROBE_MAX)
    enter(book, -4400, now=0)
    now, waits = PROBE, []
    for i in range(4):
        assert admit(book, origin=f"P-{i}", now=now) is Verdict.PROBE
        state = enter(book, -4400, origin=f"P-{i}", now=now + 1)  # the probe is refused
        assert book.settle_probe(f"P-{i}", False, now + 1) == []
        waits.append(state.probe_at_ns - (now + 1))
        assert state.probes_failed == i + 1
        now = state.probe_at_ns
    assert waits == [2 * PROBE, 4 * PROBE, PROBE_MAX, PROBE_MAX]


def test_a_probe_refused_for_another_reason_frees_the_slot_at_once() -> None:
    book = RestrictionBook(PROBE, PROBE_MAX)
    enter(book, -4400, now=0)
    assert admit(book, origin="P-1", now=PROBE) is Verdict.PROBE
    assert book.settle_probe("P-1", False, PROBE + 1) == []  # e.g. -2019: nothing learnt
    assert admit(book, origin="P-2", now=PROBE + 2) is Verdict.PROBE


def test_a_stale_reject_of_an_order_sent_before_the_mode_changes_nothing() -> None:
    book = RestrictionBook(PROBE, PROBE_MAX)
    enter(book, -4400, origin="O-1", now=0)
    assert enter(book, -4400, origin="O-2", now=5) is None
    assert book.states(5)[0].probe_at_ns == PROBE


def test_probing_off_and_explicit_exit() -> None:
    book = RestrictionBook(0, 0)
    assert enter(book, -4400).probe_at_ns is None
    refusal = admit(book, now=10**15)
    assert "no automatic probe" in str(refusal)
    enter(book, -4401, instrument=ETH)
    cleared = book.clear(RestrictionKind.REDUCE_ONLY, ETH, 5, "exit_reduce_only_mode()")
    assert [(s.scope, s.cleared_by) for s in cleared] == [(ETH, "exit_reduce_only_mode()")]
    assert book
    assert len(book.clear(RestrictionKind.REDUCE_ONLY, None, 6, "exit")) == 1
    assert not book


def test_instrument_stop_refuses_opening_on_it_lets_closes_out_and_has_no_probe() -> None:
    book = RestrictionBook(PROBE, PROBE_MAX)
    state = enter(book, -4141)
    assert (state.kind, state.scope, state.probe_at_ns) == (RestrictionKind.STOPPED, BTC, None)
    refusal = admit(book, BUY, now=10 * PROBE_MAX)
    assert isinstance(refusal, InstrumentStopped)
    assert f"resume_instrument('{BTC}')" in str(refusal) and "-4141" in str(refusal)
    assert admit(book, SELL, reduces=True) is Verdict.PASS
    assert admit(book, BUY, instrument=ETH) is Verdict.PASS
    assert restriction_counts(book.states(0), 1)["instruments_stopped"] == 1
    book.clear(RestrictionKind.STOPPED, BTC, 1, "resume_instrument()")
    assert admit(book, BUY) is Verdict.PASS


def test_a_stop_beats_a_reduce_only_mode_on_the_same_instrument() -> None:
    book = RestrictionBook(PROBE, PROBE_MAX)
    enter(book, -4400)
    enter(book, -4140)
    assert isinstance(admit(book, now=PROBE), InstrumentStopped)
    assert admit(book, instrument=ETH, origin="P", now=PROBE) is Verdict.PROBE


def test_probe_interval_comes_from_the_config() -> None:
    class Config:
        oms_type = "HEDGING"
        position_mode = "ONE_WAY"
        account_type = "USDT_FUTURES"
        on_invalid_order = "raise"
        leverage = None
        margin_check = True
        emulate_venue_params = None
        error_policy = {"-4088": "fail_fast"}
        fail_fast = "stop"
        orders_per_10s = 300
        orders_per_minute = 1200
        reduce_only_probe_ms = 7_200_000

    policy = KitSettings.from_config(Config).policy()
    assert (policy.reduce_only_probe_ms, policy.reduce_only_probe_max_ms) == (7_200_000,) * 2
    assert policy.action_for(reason(-4088)) is Action.FAIL_FAST
    Config.reduce_only_probe_ms = -1  # type: ignore[assignment]
    with pytest.raises(ConfigurationError, match="reduce_only_probe_ms"):
        KitSettings.from_config(Config)
    with pytest.raises(ConfigurationError, match="reduce_only_probe_ms"):
        ErrorPolicy(reduce_only_probe_ms=10, reduce_only_probe_max_ms=5)
