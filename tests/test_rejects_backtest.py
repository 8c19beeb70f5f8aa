"""Reject injection in real backtests, and every policy action exercised through it.

Each backtest: BacktestEngine, Binance BTCUSDT perp, HEDGING + MARGIN 10k USDT, 1_500 quotes
100 ms apart; a small strategy submits MARKET orders at planned ticks through PolicyRuntime.
"""

from __future__ import annotations

import pytest

from nautilus_exec_kit.backtest.rejects import RejectRule, RejectSpecError, parse_reject_spec
from nautilus_exec_kit.policy import ErrorPolicy, RateBudget, parse_reason
from tests.policy.harness import run_backtest

S = 1_000_000_000


# -- SPEC parser -----------------------------------------------------------------------------


def test_spec_example_parses() -> None:
    rules = parse_reject_spec(
        "-1003@window=60s..120s,retry_after=30;-2019@nth=3;-1007@p=0.05,seed=7,placed=true"
    )
    assert rules[0] == RejectRule(code=-1003, window_ns=(60 * S, 120 * S), retry_after_s=30.0)
    assert rules[1].nth == (3, 3)
    assert (rules[2].probability, rules[2].seed, rules[2].placed) == (0.05, 7, True)


def test_spec_http_statuses_and_options() -> None:
    ban, body, cancel = parse_reject_spec("418@nth=1;503@type=limit,latency=50ms;-2011@on=cancel")
    assert (ban.code, ban.http_status) == (-1003, 418)
    assert (body.code, body.http_status, body.order_type, body.latency_ms) == (
        None,
        503,
        "LIMIT",
        50,
    )
    assert cancel.on == "cancel"


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("", "empty"),
        ("abc", "neither a Binance code"),
        ("-2019@nth", "key=value"),
        ("-2019@colour=red", "unknown option 'colour'"),
        ("-2019@p=2", "within [0, 1]"),
        ("-2019@window=5x..6", "not a duration"),
        ("-2019@type=BOGUS", "not an order type"),
        ("-2011@on=cancel,placed=true", "only applies to submits"),
        ("-2019@nth=5..2", "1 <= a <= b"),
    ],
)
def test_spec_errors_say_what_is_wrong(spec: str, fragment: str) -> None:
    with pytest.raises(RejectSpecError, match=None) as info:
        parse_reject_spec(spec)
    assert fragment in str(info.value)


def test_reason_strings_use_the_live_format() -> None:
    rule = RejectRule(code=-2019)
    assert rule.reason(0, 0) == "{'code': -2019, 'msg': 'Margin is insufficient.'}"
    windowed = RejectRule(code=-1003, window_ns=(0, 60 * S))
    assert parse_reason(windowed.reason(15 * S, 0)).retry_after_ns == 45 * S
    t0 = 1_700_000_000 * S
    ban_rule = RejectRule(code=-1003, http_status=418, retry_after_s=20)
    ban = parse_reason(ban_rule.reason(t0 + 10 * S, t0))
    assert ban.banned_until_ms == 1_700_000_030_000 and ban.http_status == 418


# -- backtests: one per action ---------------------------------------------------------------

PLAN = [10, 100, 300]  # ticks (100 ms each): 0.9 s, 9.9 s, 29.9 s after start


def _filled(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [coid for coid, (status, _) in result.orders.items() if status == "FILLED"]


def test_injected_reject_reaches_the_strategy_in_live_format() -> None:
    result = run_backtest("-2019@nth=2", PLAN)
    assert [c.injected for c in result.commands] == [False, True, False]
    rejected = [c for c, (status, _) in result.orders.items() if status == "REJECTED"]
    assert rejected == [result.commands[1].client_order_id]


def test_skip_never_resends_after_insufficient_margin() -> None:
    result = run_backtest("-2019@nth=2", PLAN)
    assert [d[1:3] for d in result.decisions] == [("skip", "-2019")]
    assert result.stats["sent"] == 3 and "retries_sent" not in result.stats
    assert len(_filled(result)) == 2 and result.position_qty == "0.002"


def test_backoff_resends_fresh_orders_linked_to_the_original() -> None:
    result = run_backtest("-1003@nth=1..2", PLAN)
    first = result.commands[0].client_order_id
    retries = {c: tags for c, (_, tags) in result.orders.items() if f"retry-of={first}" in tags}
    assert len(retries) == 2  # two fresh IDs: one rejected again, one filled
    assert [d[1] for d in result.decisions] == ["backoff", "backoff"]
    # the second delay is longer (exponential) and every retry happened at its scheduled time
    t1, t2 = result.decisions[0][3], result.decisions[1][3]
    assert t2 - t1 >= 800_000_000  # first delay: 1 s minus at most 20 % jitter
    assert result.stats["chains"] == {"filled": 3}
    assert result.position_qty == "0.003"


def test_backoff_gives_up_after_max_attempts() -> None:
    policy = ErrorPolicy.default().with_overrides({})
    result = run_backtest("-1021@p=1", [10], policy=policy)  # every attempt rejected
    assert result.stats["gave_up"] == 1
    assert result.stats["sent"] == 3  # TIMESTAMP schedule: max_attempts=3


def test_reconcile_does_not_resend_a_placed_order() -> None:
    result = run_backtest("-1007@nth=1,placed=true", PLAN)
    assert [d[1:3] for d in result.decisions] == [("reconcile", "-1007")]
    assert result.stats["reconciled_placed"] == 1
    assert "retries_sent" not in result.stats
    assert result.position_qty == "0.003"  # the placed order filled once: no duplicate


def test_reconcile_resends_when_the_order_does_not_exist() -> None:
    result = run_backtest("-1007@nth=1", PLAN)
    assert result.queries == [result.commands[0].client_order_id]
    assert result.stats["reconciled_absent"] == 1 and result.stats["retries_sent"] == 1
    assert result.position_qty == "0.003"
    # the resend waited for the reconcile check (2 s) before being scheduled
    assert result.decisions[1][3] - result.decisions[0][3] == 2 * S


def test_html_503_is_reconciled() -> None:
    result = run_backtest("503@nth=1", PLAN)
    assert result.decisions[0][1:3] == ("reconcile", "http503")


def test_fail_fast_stops_the_strategy_with_a_clear_message() -> None:
    result = run_backtest("-4120@nth=1", PLAN)
    assert result.decisions[0][1] == "fail_fast"
    assert result.stopped_at_tick == 10
    assert result.stats["sent"] == 1  # nothing sent after the stop


def test_fail_fast_raise_mode_raises_at_the_call_site() -> None:
    result = run_backtest("-1121@nth=1", PLAN, fail_fast="raise")
    assert len(result.venue_errors) == 3  # the synchronous reject, then every later submit
    assert "-1121" in result.venue_errors[0] and "what to change" in result.venue_errors[0]
    assert result.stopped_at_tick == 1_500  # only the engine stopped it, at the end


def test_halt_refuses_until_the_ban_ends_then_resumes() -> None:
    result = run_backtest("418@nth=1,retry_after=20", PLAN)
    assert result.decisions[0][1] == "halt"
    assert result.blocked == [(100, "SubmissionsHalted")]  # 9.9 s: inside the 20 s ban
    assert result.position_qty == "0.002"  # the banned order was resent after the ban
    resent = next(c for c in result.commands if not c.injected)
    assert resent.ts_ns - result.commands[0].ts_ns == 20 * S


def test_circuit_breaker_halts_and_calls_the_hook() -> None:
    policy = ErrorPolicy(breaker_threshold=3, breaker_window_ms=60_000, breaker_halt_ms=30_000)
    result = run_backtest("-2010@p=1", [10, 20, 30, 40, 50, 400], policy=policy)
    assert [s.status.value for s in result.breaker_states] == ["open", "closed"]
    assert [b[0] for b in result.blocked] == [40, 50]
    assert result.stats["breaker_trips"] == 1


def test_rate_budget_queues_on_the_clock() -> None:
    budget = RateBudget(((2, 10 * S),), when_exhausted="queue")
    result = run_backtest(None, [10, 11, 12], budget=budget)
    assert result.stats["queued"] == 1 and result.position_qty == "0.003"


def test_rate_budget_refuses_when_configured() -> None:
    budget = RateBudget(((2, 10 * S),), when_exhausted="refuse")
    result = run_backtest(None, [10, 11, 12], budget=budget)
    assert result.blocked == [(12, "RateBudgetExceeded")]


def test_cancel_rejects_are_parsed_and_counted() -> None:
    result = run_backtest("-2011@on=cancel", [10], limit=True, cancel_after_ticks=5)
    assert result.decisions[0][1:3] == ("skip", "-2011")
    assert [c.kind for c in result.commands] == ["submit", "cancel"]


def test_post_only_reject_is_skipped() -> None:
    result = run_backtest("-5022@nth=1", [10])
    assert result.decisions[0][1:3] == ("skip", "-5022")


def test_two_identical_runs_take_identical_decisions() -> None:
    spec = "-1003@nth=2..3;-2019@nth=5;-1007@nth=6;-1021@p=0.3,seed=7"
    plan = [10, 40, 80, 120, 160, 200, 240, 280]
    first, second = run_backtest(spec, plan), run_backtest(spec, plan)
    assert first.decisions == second.decisions and first.decisions
    assert [c.ts_ns for c in first.commands] == [c.ts_ns for c in second.commands]
    assert first.stats == second.stats


# -- the code classes added with the full Binance table ----------------------------------------


@pytest.mark.parametrize(
    ("spec", "action", "blocked"),
    [
        # account restriction: reduce-only mode, later BUYs refused locally (probe after 5 min)
        ("-4400@nth=1", "reduce_only", [(100, "ReduceOnlyModeActive"),
                                        (300, "ReduceOnlyModeActive")]),
        ("-4087@nth=1", "reduce_only", [(100, "ReduceOnlyModeActive"),
                                        (300, "ReduceOnlyModeActive")]),
        ("-4088@nth=1", "reduce_only", [(100, "ReduceOnlyModeActive"),
                                        (300, "ReduceOnlyModeActive")]),
        # symbol restriction on the one instrument traded here
        ("-4401@nth=1", "reduce_only", [(100, "ReduceOnlyModeActive"),
                                        (300, "ReduceOnlyModeActive")]),
        # -4106: only BUY orders are restricted; these are BUYs
        ("-4106@nth=1", "reduce_only", [(100, "ReduceOnlyModeActive"),
                                        (300, "ReduceOnlyModeActive")]),
        # symbol status: the instrument is stopped, no probe
        ("-4140@nth=1", "stop_instrument", [(100, "InstrumentStopped"),
                                            (300, "InstrumentStopped")]),
        ("-4141@nth=1", "stop_instrument", [(100, "InstrumentStopped"),
                                            (300, "InstrumentStopped")]),
        # position / leverage limits and other skips: dropped, the next orders go out
        ("-2027@nth=1", "skip", []),
        ("-2028@nth=1", "skip", []),
        ("-4046@nth=1", "skip", []),
        ("-1010@nth=1", "skip", []),
    ],
)
def test_each_new_code_class_gets_its_action(
    spec: str, action: str, blocked: list[tuple[int, str]],
) -> None:
    result = run_backtest(spec, PLAN)
    code = spec.partition("@")[0]
    assert [d[1:3] for d in result.decisions] == [(action, code)]
    assert result.blocked == blocked
    assert "retries_sent" not in result.stats  # never resent
    assert result.stopped_at_tick == 1_500  # the strategy keeps running
    assert result.stats["sent"] == 3 - len(blocked)


def test_an_inactive_account_fails_fast_with_what_to_do() -> None:
    result = run_backtest("-4109@nth=1", PLAN)
    assert result.decisions[0][1:3] == ("fail_fast", "-4109")
    assert result.stopped_at_tick == 10
