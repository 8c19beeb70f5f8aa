"""A real BacktestEngine (Binance USDT-M perp, HEDGING, MARGIN 10k USDT) with a small strategy
that routes every submit through :class:`PolicyRuntime` - what the mixin will do.

Shared by tests/test_rejects_backtest.py and tests/policy/test_runtime_backtest.py.
"""

from __future__ import annotations

from typing import Any

import attrs
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import PositionId, TraderId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.backtest.rejects import RejectInjector
from nautilus_exec_kit.backtest.venue import add_binance_venue
from nautilus_exec_kit.core.errors import SubmissionBlocked, VenueError
from nautilus_exec_kit.policy import ErrorPolicy, PolicyRuntime, RateBudget

INSTRUMENT = TestInstrumentProvider.btcusdt_perp_binance()
T0 = 1_700_000_000_000_000_000
TICK_NS = 100_000_000  # 100 ms


def quotes(n: int) -> list[QuoteTick]:
    """``n`` quotes, 100 ms apart, a slow saw-tooth around 50_000."""
    out = []
    for i in range(n):
        bid = 50_000.0 + (i % 50) * 0.5
        out.append(
            QuoteTick(
                INSTRUMENT.id,
                Price(bid, 1),
                Price(bid + 0.1, 1),
                Quantity(5, 3),
                Quantity(5, 3),
                T0 + i * TICK_NS,
                T0 + i * TICK_NS,
            )
        )
    return out


class PolicyProbe(Strategy):  # type: ignore[misc]
    """Submits a MARKET (or far LIMIT) order at planned tick indices through the runtime."""

    def __init__(
        self,
        plan: list[int],
        *,
        policy: ErrorPolicy,
        fail_fast: str = "stop",
        budget: RateBudget | None = None,
        limit: bool = False,
        cancel_after_ticks: int | None = None,
    ) -> None:
        super().__init__(StrategyConfig(strategy_id="PROBE-001", oms_type="HEDGING"))
        self.plan = set(plan)
        self.policy = policy
        self.fail_fast_mode = fail_fast
        self.budget = budget
        self.limit = limit
        self.cancel_after_ticks = cancel_after_ticks
        self.tick = 0
        self.blocked: list[tuple[int, str]] = []
        self.venue_errors: list[str] = []
        self.hook_decisions: list[Any] = []
        self.breaker_states: list[Any] = []
        self.runtime: PolicyRuntime | None = None
        self.to_cancel: list[tuple[int, Any]] = []
        self.stopped_at_tick: int | None = None

    def on_start(self) -> None:
        self.runtime = PolicyRuntime(
            self, self.policy, send=self._send, fail_fast=self.fail_fast_mode, budget=self.budget
        )
        self.subscribe_quote_ticks(INSTRUMENT.id)

    def _send(self, order: Any, position_id: PositionId | None, params: Any) -> None:
        self.submit_order(order, position_id=position_id, params=params)

    def handle_event(self, event: Any) -> None:  # the mixin subscribes instead: same order
        if self.runtime is not None:
            self.runtime.on_event(event)
        super().handle_event(event)

    def on_stop(self) -> None:
        if self.stopped_at_tick is None:
            self.stopped_at_tick = self.tick

    def on_policy_decision(self, decision: Any) -> None:
        self.hook_decisions.append(decision)

    def on_circuit_breaker(self, state: Any) -> None:
        self.breaker_states.append(state)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self.tick += 1
        for due, order in list(self.to_cancel):
            if due == self.tick and order.is_open:
                self.cancel_order(order)
        if self.tick not in self.plan or self.runtime is None:
            return
        if self.limit:
            order = self.order_factory.limit(
                INSTRUMENT.id, OrderSide.BUY, Quantity.from_str("0.001"), Price(40_000.0, 1)
            )
        else:
            order = self.order_factory.market(
                INSTRUMENT.id, OrderSide.BUY, Quantity.from_str("0.001")
            )
        try:
            self.runtime.submit(order, PositionId(f"{INSTRUMENT.id}-BOTH"), None)
        except VenueError as error:
            self.venue_errors.append(str(error))
        except SubmissionBlocked as error:
            self.blocked.append((self.tick, type(error).__name__))
        if self.cancel_after_ticks is not None:
            self.to_cancel.append((self.tick + self.cancel_after_ticks, order))


@attrs.frozen
class RunResult:
    """What a test inspects after one backtest."""

    decisions: list[tuple[str, str, str, int, int | None]]
    stats: dict[str, Any]
    orders: dict[str, tuple[str, list[str]]]  # coid -> (status, tags)
    commands: list[Any]
    blocked: list[tuple[int, str]]
    venue_errors: list[str]
    hook_decisions: int
    breaker_states: list[Any]
    stopped_at_tick: int | None
    queries: list[str]
    position_qty: str


def run_backtest(
    spec: str | None,
    plan: list[int],
    *,
    n_ticks: int = 1_500,
    policy: ErrorPolicy | None = None,
    fail_fast: str = "stop",
    budget: RateBudget | None = None,
    limit: bool = False,
    cancel_after_ticks: int | None = None,
) -> RunResult:
    """One deterministic backtest; returns the policy's decisions and the orders' end state."""
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("POLICY-001"),
            logging=LoggingConfig(log_level="ERROR"),
            run_analysis=False,
        )
    )
    try:
        add_binance_venue(engine, INSTRUMENT)
        engine.add_data(quotes(n_ticks))
        strategy = PolicyProbe(
            plan,
            policy=policy or ErrorPolicy.default(),
            fail_fast=fail_fast,
            budget=budget,
            limit=limit,
            cancel_after_ticks=cancel_after_ticks,
        )
        engine.add_strategy(strategy)
        injector = RejectInjector(spec) if spec else None
        if injector is not None:
            injector.install(engine)
        engine.run()
        assert strategy.runtime is not None
        runtime = strategy.runtime
        position = engine.cache.position(PositionId(f"{INSTRUMENT.id}-BOTH"))
        return RunResult(
            decisions=[
                (d.client_order_id, d.action.value, d.reason.key, d.ts_ns - T0, d.retry_at_ns)
                for d in runtime.decisions
            ],
            stats=runtime.stats(),
            orders={
                o.client_order_id.value: (o.status_string(), list(o.tags or []))
                for o in engine.cache.orders()
            },
            commands=list(injector.commands) if injector else [],
            blocked=list(strategy.blocked),
            venue_errors=list(strategy.venue_errors),
            hook_decisions=len(strategy.hook_decisions),
            breaker_states=list(strategy.breaker_states),
            stopped_at_tick=strategy.stopped_at_tick,
            queries=list(injector.queries) if injector else [],
            position_qty=str(position.quantity) if position is not None else "0",
        )
    finally:
        engine.dispose()
