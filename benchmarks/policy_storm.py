"""Rate-limit storm: the venue answers -1003 (with Retry-After) for a window.

A strategy submits one MARKET order every 2 s for 300 s through PolicyRuntime; the reject
injector answers every submit inside 60 s..120 s with -1003 and a Retry-After of the time left
in the window. Goal: after the first -1003, the strategy sends nothing inside the window, and
every order is eventually resolved (filled), in order, on the strategy clock.

Run: .venv/bin/python benchmarks/policy_storm.py
Last line: inside_window=<n> resolved=<k>/<total>
"""

from __future__ import annotations

import time
from typing import Any

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
from nautilus_exec_kit.policy import ErrorPolicy, PolicyRuntime, RateBudget

S = 1_000_000_000
T0 = 1_700_000_000 * S
WINDOW = (60 * S, 120 * S)
SPEC = "-1003@window=60s..120s"  # Retry-After defaults to the time left in the window
INSTRUMENT = TestInstrumentProvider.btcusdt_perp_binance()
N_SECONDS, EVERY_S = 330, 2
N_ORDERS = 300 // EVERY_S


class StormStrategy(Strategy):  # type: ignore[misc]
    """One MARKET BUY every EVERY_S seconds for 300 s, all through the policy runtime."""

    def __init__(self) -> None:
        super().__init__(StrategyConfig(strategy_id="STORM-001", oms_type="HEDGING"))
        self.runtime: PolicyRuntime | None = None
        self.ticks = 0

    def on_start(self) -> None:
        self.runtime = PolicyRuntime(
            self,
            ErrorPolicy.default(),
            send=lambda o, p, q: self.submit_order(o, position_id=p, params=q),
            budget=RateBudget.binance_futures(),
        )
        self.subscribe_quote_ticks(INSTRUMENT.id)

    def handle_event(self, event: Any) -> None:
        if self.runtime is not None:
            self.runtime.on_event(event)
        super().handle_event(event)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self.ticks += 1
        if self.runtime is None or self.ticks > 300 or self.ticks % EVERY_S:
            return
        order = self.order_factory.market(INSTRUMENT.id, OrderSide.BUY, Quantity.from_str("0.001"))
        self.runtime.submit(order, PositionId(f"{INSTRUMENT.id}-BOTH"), None)


def main() -> None:
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("STORM-001"),
            logging=LoggingConfig(log_level="ERROR"),
            run_analysis=False,
        )
    )
    add_binance_venue(engine, INSTRUMENT)
    engine.add_data(
        [
            QuoteTick(
                INSTRUMENT.id,
                Price(50_000.0, 1),
                Price(50_000.1, 1),
                Quantity(5, 3),
                Quantity(5, 3),
                T0 + i * S,
                T0 + i * S,
            )
            for i in range(N_SECONDS)
        ]
    )
    strategy = StormStrategy()
    engine.add_strategy(strategy)
    injector = RejectInjector(SPEC)
    injector.install(engine)
    started = time.perf_counter()
    engine.run()
    wall = time.perf_counter() - started
    assert strategy.runtime is not None
    stats = strategy.runtime.stats()
    submits = [c for c in injector.commands if c.kind == "submit"]
    first_reject = next(i for i, c in enumerate(submits) if c.injected)
    t0 = T0  # the run starts at the first quote
    inside = [c for c in submits[first_reject + 1 :] if WINDOW[0] <= c.ts_ns - t0 < WINDOW[1]]
    chains = stats["chains"]
    resolved = sum(chains.get(k, 0) for k in ("filled", "accepted", "placed"))
    print(f"orders={N_ORDERS} submits_at_venue={len(submits)} rejected={injector.injected_count()}")
    print(
        f"first -1003 at t={(submits[first_reject].ts_ns - t0) / S:.0f}s; "
        f"window={WINDOW[0] // S}s..{WINDOW[1] // S}s"
    )
    print(f"policy: {stats}")
    print(f"wall={wall:.2f}s")
    engine.dispose()
    print(f"inside_window={len(inside)} resolved={resolved}/{N_ORDERS}")


if __name__ == "__main__":
    main()
