"""Decisions both bindings take from the core: the kit's settings, which command a reject
SPEC hits, close_position / price_match emulation, and the policy's timing rules."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import attrs
import pytest

from nautilus_exec_kit.core import errors as E
from nautilus_exec_kit.core.emulation import (
    ClosePositionBook,
    close_position_start_raw,
    price_match_raw,
)
from nautilus_exec_kit.core.policy import ErrorPolicy, parse_reason
from nautilus_exec_kit.core.policy.rules import (
    backoff_delay_ns,
    halt_until_ns,
    reconcile_retry_delay_ns,
)
from nautilus_exec_kit.core.positions import PositionMode
from nautilus_exec_kit.core.rejects import RejectPlan
from nautilus_exec_kit.core.settings import KitSettings
from nautilus_exec_kit.core.vocab import OrderSide

S = 1_000_000_000


def config(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "position_mode": "ONE_WAY", "oms_type": "HEDGING", "account_type": "USDT_FUTURES",
        "on_invalid_order": "raise", "leverage": None, "margin_check": True,
        "emulate_venue_params": None, "error_policy": None, "fail_fast": "stop",
        "orders_per_10s": 300, "orders_per_minute": 1200,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def test_settings_read_any_config_object_and_name_what_is_wrong() -> None:
    settings = KitSettings.from_config(config(position_mode="hedge", leverage=5))
    assert settings.mode is PositionMode.HEDGE and settings.leverage == 5.0
    oms = SimpleNamespace(name="NETTING")  # an enum member of either generation
    with pytest.raises(E.PositionModeMismatch, match="oms_type='HEDGING'"):
        KitSettings.from_config(config(oms_type=oms))
    with pytest.raises(E.PositionModeMismatch, match="futures accounts"):
        KitSettings.from_config(config(position_mode="HEDGE", account_type="SPOT"))
    with pytest.raises(E.ConfigurationError, match="fail_fast"):
        KitSettings.from_config(config(fail_fast="explode"))
    with pytest.raises(E.ConfigurationError, match="account_type"):
        KitSettings.from_config(config(account_type="MARGIN_CROSS"))


def test_a_reject_plan_counts_per_rule_and_honours_every_condition() -> None:
    plan = RejectPlan("-2019@nth=2,type=LIMIT;-1003@window=10s..20s;-1021@tag=x,times=1")
    hits = [plan.match("submit", "LIMIT", None, 0) for _ in range(3)]
    assert [h.code if h else None for h in hits] == [None, -2019, None]
    assert plan.match("submit", "MARKET", None, 15 * S).code == -1003  # type: ignore[union-attr]
    assert plan.match("submit", "MARKET", None, 25 * S) is None
    assert plan.match("submit", "MARKET", ["x"], 0).code == -1021  # type: ignore[union-attr]
    assert plan.match("submit", "MARKET", ["x"], 0) is None  # times=1
    assert plan.match("cancel", "LIMIT", None, 0) is None


def test_price_match_prices_from_the_top_of_book() -> None:
    assert price_match_raw(OrderSide.BUY, "QUEUE", 1, 1000, 1001, 1) == 1000
    assert price_match_raw(OrderSide.BUY, "OPPONENT", 5, 1000, 1001, 1) == 1005
    assert price_match_raw(OrderSide.SELL, "QUEUE", 10, 1000, 1001, 1) == 1010
    assert price_match_raw(OrderSide.SELL, "OPPONENT", 1, 1000, 1001, 1) == 1000


def test_close_position_orders_follow_their_position() -> None:
    book = ClosePositionBook()
    book.add("stop", "P-BOTH", "SELL")
    book.add("tp", "P-BOTH", "SELL")
    resize = book.plan("P-BOTH", "SELL", 7, closed=False)
    assert [(a.kind, a.client_order_id, a.quantity) for a in resize] == [
        ("resize", "stop", 7), ("resize", "tp", 7),
    ]
    flipped = book.plan("P-BOTH", "BUY", 3, closed=False)  # the position went short
    assert {a.kind for a in flipped} == {"cancel"}
    assert {a.kind for a in book.plan("P-BOTH", None, 0, closed=True)} == {"cancel"}
    book.discard("stop")
    assert "stop" not in book and len(book) == 1
    assert book.plan("P-OTHER", "SELL", 1, closed=False) == []


def test_backoff_counts_the_adapters_own_retries_and_floors_at_retry_after() -> None:
    policy = ErrorPolicy.default()
    busy = parse_reason("{'code': -1003, 'msg': 'Too many requests. Retry-After: 30'}")
    delay, spent = backoff_delay_ns(policy, busy, 1, random.Random(0))
    assert spent == 1 and delay is not None and delay >= 30 * S
    retried = ErrorPolicy(adapter_max_retries=50)
    unknown = parse_reason("{'code': -1007, 'msg': 'Timeout waiting for response'}")
    assert backoff_delay_ns(retried, unknown, 1, random.Random(0))[1] == 51
    assert reconcile_retry_delay_ns(policy, 99, random.Random(0)) is None  # schedule used up


def test_a_halt_ends_when_the_venue_says() -> None:
    policy = ErrorPolicy.default()
    ban_end_ms = 1_704_067_260_000
    banned = parse_reason(
        f"{{'code': -1003, 'msg': 'Way too many requests; IP(127.0.0.1) banned until "
        f"{ban_end_ms}. Please use the websocket.'}}",
    )
    assert halt_until_ns(policy, banned, 0) == ban_end_ms * 1_000_000
    plain = parse_reason("{'code': -1003, 'msg': 'Too many requests.'}")
    assert halt_until_ns(policy, plain, 0) == policy.ban_default_ms * 1_000_000
    late = (ban_end_ms + 5) * 1_000_000
    assert halt_until_ns(policy, banned, late) == late + 1_000_000  # never before now + 1 ms


def test_the_policy_report_keeps_logs_and_hands_on_each_decision() -> None:
    from nautilus_exec_kit.core.policy import Action, EventKind, PolicyDecision
    from nautilus_exec_kit.core.policy.report import PolicyReport

    lines: list[tuple[str, str]] = []
    logger = SimpleNamespace(warning=lambda m: lines.append(("warning", m)),
                             error=lambda m: lines.append(("error", m)))
    seen: list[PolicyDecision] = []

    def on_policy_decision(decision: PolicyDecision) -> None:
        seen.append(decision)
        raise RuntimeError("the author's hook failed")

    report = PolicyReport(SimpleNamespace(on_policy_decision=on_policy_decision), lambda: logger)
    reason = parse_reason("{'code': -2019, 'msg': 'Margin is insufficient.'}")
    skip = PolicyDecision("O-2", "O-1", EventKind.REJECTED, reason, Action.SKIP, 2, 5)
    report.decide(skip)
    report.decide(attrs.evolve(skip, action=Action.HALT))
    assert list(report.decisions) == seen and len(seen) == 2
    assert [level for level, _ in lines] == ["warning", "error", "error", "error"]
    assert lines[0][1] == (
        "[policy] SKIP rejected O-2 (chain O-1, attempt 2) reason=-2019 "
        "category=insufficient_funds: "
    )
    assert "on_policy_decision hook raised RuntimeError" in lines[1][1]


def test_a_close_position_order_starts_at_the_position_then_the_request_then_the_minimum() -> None:
    from nautilus_exec_kit.core.rules import InstrumentRules

    rules = InstrumentRules.build(
        instrument_id="X", fixed_precision=9, price_precision=1, size_precision=3,
        tick_raw=100_000_000, step_raw=1_000_000, min_qty_raw=2_000_000,
        quote_currency="USDT", price_limit_raw=10**18, quantity_limit_raw=10**18,
    )
    assert close_position_start_raw(7_000_000, 3_000_000, rules) == 7_000_000
    assert close_position_start_raw(0, 3_000_000, rules) == 3_000_000
    assert close_position_start_raw(0, None, rules) == 2_000_000


def test_orders_on_filters_unsent_orders_by_instrument_and_leg() -> None:
    from types import SimpleNamespace

    from nautilus_exec_kit.core.positions import orders_on

    a = SimpleNamespace(instrument_id="BTC")
    b = SimpleNamespace(instrument_id="BTC")
    c = SimpleNamespace(instrument_id="ETH")
    pairs = [(a, "BTC-LONG"), (b, "BTC-SHORT"), (c, "ETH-LONG")]
    assert orders_on(pairs) == [a, b, c]
    assert orders_on(pairs, "BTC") == [a, b]
    assert orders_on(pairs, "BTC", "BTC-SHORT") == [b]
    assert orders_on(pairs, "ETH", "BTC-LONG") == []
