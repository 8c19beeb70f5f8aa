"""Table, overrides, backoff schedule, rate budget and breaker as unit tests."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nautilus_exec_kit.core.errors import ConfigurationError, UnknownConfigKey
from nautilus_exec_kit.core.policy import (
    BINANCE_CODES,
    Action,
    BackoffSchedule,
    CircuitBreaker,
    ErrorCategory,
    ErrorPolicy,
    RateBudget,
    parse_reason,
)
from nautilus_exec_kit.core.policy.table import DEFAULT_CATEGORY_ACTIONS

S = 1_000_000_000


@pytest.mark.parametrize(
    ("code", "action"),
    [
        (-2018, Action.SKIP),
        (-2019, Action.SKIP),
        (-2024, Action.SKIP),
        (-5022, Action.SKIP),
        (-2021, Action.SKIP),
        (-4164, Action.SKIP),
        (-1003, Action.BACKOFF),
        (-1015, Action.BACKOFF),
        (-1001, Action.BACKOFF),
        (-1008, Action.BACKOFF),
        (-1021, Action.BACKOFF),
        (-5028, Action.BACKOFF),
        (-1000, Action.RECONCILE),
        (-1006, Action.RECONCILE),
        (-1007, Action.RECONCILE),
        (-1121, Action.FAIL_FAST),
        (-4120, Action.FAIL_FAST),
        (-4061, Action.FAIL_FAST),
        (-2014, Action.FAIL_FAST),
        (-2015, Action.FAIL_FAST),
        (-1022, Action.FAIL_FAST),
        (-2017, Action.FAIL_FAST),
    ],
)
def test_default_actions_of_the_issue(code: int, action: Action) -> None:
    reason = parse_reason(str({"code": code, "msg": "x"}))
    assert ErrorPolicy.default().action_for(reason) is action


def test_every_category_has_a_default_and_every_code_a_category() -> None:
    assert set(DEFAULT_CATEGORY_ACTIONS) == set(ErrorCategory)
    assert all(info.category in ErrorCategory for info in BINANCE_CODES.values())


def test_ban_and_503_defaults() -> None:
    policy = ErrorPolicy.default()
    assert (
        policy.action_for(
            parse_reason(str({"code": -1003, "msg": "IP banned until 1700000000000"}))
        )
        is Action.HALT
    )
    assert (
        policy.action_for(parse_reason("<html>503 Service Unavailable</html>")) is Action.RECONCILE
    )
    assert (
        policy.action_for(
            parse_reason("{'code': -2010, 'msg': 'Order would immediately match and take.'}")
        )
        is Action.SKIP
    )


def test_code_override_beats_category_override() -> None:
    policy = ErrorPolicy.default().with_overrides({"rate_limit": "halt", "-1015": "skip"})
    assert policy.action_for(parse_reason("{'code': -1003, 'msg': 'x'}")) is Action.HALT
    assert policy.action_for(parse_reason("{'code': -1015, 'msg': 'x'}")) is Action.SKIP
    assert (
        ErrorPolicy.default().action_for(parse_reason("{'code': -1003, 'msg': 'x'}"))
        is Action.BACKOFF
    )


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"-2019": "backoff"}, ConfigurationError),
        ({"insufficient_funds": "reconcile"}, ConfigurationError),
        ({"rate_limit": "retry"}, ConfigurationError),
        ({"ratelimit": "skip"}, UnknownConfigKey),
    ],
)
def test_bad_overrides_are_refused_with_a_hint(
    overrides: dict[str, str], error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        ErrorPolicy.default().with_overrides(overrides)
    assert next(iter(overrides)) in str(info.value)


def test_backoff_schedule_is_exponential_capped_and_bounded() -> None:
    schedule = BackoffSchedule(initial_ms=500, max_ms=3_000, factor=2.0, max_attempts=6, jitter=0.0)
    rng = random.Random(1)
    assert [schedule.delay_ns(n, rng) for n in range(1, 7)] == [
        500_000_000,
        1_000_000_000,
        2_000_000_000,
        3_000_000_000,
        3_000_000_000,
        None,
    ]
    # the venue's wait is honoured even above the cap
    assert schedule.delay_ns(1, rng, floor_ns=30 * S) == 30 * S


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10), st.floats(0, 1), st.integers(0, 2**32))
def test_jitter_stays_within_bounds_and_is_seeded(retry: int, jitter: float, seed: int) -> None:
    schedule = BackoffSchedule(initial_ms=100, max_ms=5_000, max_attempts=11, jitter=jitter)
    a = schedule.delay_ns(retry, random.Random(seed))
    b = schedule.delay_ns(retry, random.Random(seed))
    assert a == b and a is not None
    full = min(5_000, 100 * 2 ** (retry - 1)) * 1_000_000
    assert full * (1 - jitter) - 1 <= a <= full


def test_backoff_validation() -> None:
    with pytest.raises(ValueError, match="jitter"):
        BackoffSchedule(jitter=1.5)
    with pytest.raises(ValueError, match="max_attempts"):
        BackoffSchedule(max_attempts=0)


def test_budget_sliding_window() -> None:
    budget = RateBudget.binance_futures(orders_per_10s=3, orders_per_minute=5)
    for t in (0, 1 * S, 2 * S):
        assert budget.available_at(t) == t
        budget.record(t)
    assert budget.available_at(3 * S) == 10 * S  # the first send leaves the 10 s window
    budget.record(10 * S)
    budget.record(11 * S)
    assert budget.used(11 * S, 60 * S) == 5
    assert budget.available_at(12 * S) == 60 * S  # now the minute limit binds


def test_budget_defaults_match_binance() -> None:
    budget = RateBudget.binance_futures()
    assert budget.limits == ((300, 10 * S), (1200, 60 * S))
    for i in range(300):
        budget.record(i)
    assert budget.available_at(300) == 10 * S


def test_breaker_opens_after_n_failures_in_window_then_closes() -> None:
    breaker = CircuitBreaker(threshold=3, window_ns=10 * S, halt_ns=30 * S)
    assert not breaker.record_failure(0)
    assert not breaker.record_failure(20 * S)  # the first one has left the window
    assert not breaker.record_failure(21 * S)
    assert breaker.record_failure(22 * S)
    assert breaker.is_open(40 * S) and breaker.open_until_ns == 52 * S
    assert not breaker.is_open(52 * S)
    assert breaker.trips == 1 and breaker.state(53 * S).failures == 0


def test_each_order_dropped_at_stop_gets_one_warning_naming_it() -> None:
    from nautilus_exec_kit.core.policy.report import PolicyReport

    class Lines:
        def __init__(self) -> None:
            self.warnings: list[str] = []

        def warning(self, message: str) -> None:
            self.warnings.append(message)

    lines = Lines()
    PolicyReport(object(), lambda: lines).never_sent(["O-1", "O-2"])
    assert len(lines.warnings) == 2
    assert all("when the strategy stopped: never sent" in w for w in lines.warnings)
    assert [w.split()[1] for w in lines.warnings] == ["O-1", "O-2"]
