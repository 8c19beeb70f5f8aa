"""After Binance closes a position by itself, the kit's v1 helpers read the leg as the venue
holds it: a real TradingNode (``plan_node``) with the real Binance adapter against the sandbox.

NautilusTrader 1.231 books a liquidation fill (``autoclose-...``) to a new
``{instrument}-EXTERNAL`` position and leaves the strategy's own ``-BOTH`` / ``-LONG`` open while
the venue is flat. The kit records the fill in its ledger, so ``kit_holding`` reads flat,
``close_all`` sends nothing, and a position opened afterwards is closed in full, not more.
The kit's backtest venue books its own liquidation to ``-BOTH`` instead; both read flat through
``kit_holding`` (the last test).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import OrderDenied, OrderFilled
from nautilus_trader.model.identifiers import TraderId
from nautilus_trader.model.objects import Quantity

from nautilus_exec_kit.backtest.perpetuals import PerpetualEconomics
from nautilus_exec_kit.backtest.venue import add_binance_venue
from nautilus_exec_kit.core.risk import Holding
from nautilus_exec_kit.core.vocab import PositionSide
from nautilus_exec_kit.risk_events import RiskEvent
from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig
from tests.conftest import INSTRUMENT, ScriptedConfig, ScriptedStrategy, quotes_from_bids

from .harness import INSTRUMENT_ID, KitNode, running_node

pytestmark = pytest.mark.live

IID = INSTRUMENT_ID
BUY, SELL = OrderSide.BUY, OrderSide.SELL
FLAT = Holding(None, 0)


def raw(qty: str) -> int:
    return int(Quantity.from_str(qty).raw)


@pytest.fixture(scope="module")
def node(request: pytest.FixtureRequest) -> Iterator[KitNode]:
    config = SandboxConfig(
        prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
        dual_side_position=request.param == "HEDGE",
        market_data_interval_ms=50,
    )
    with running_node(config, {"001": {}}) as harness:
        yield harness


@pytest.fixture(autouse=True)
def flat(node: KitNode) -> Iterator[None]:
    yield
    node.flatten()


def kit(node: KitNode, fn: Any) -> Any:
    return node.call(lambda: fn(node.strategy))


def filled(node: KitNode, order: Any) -> None:
    node.event(OrderFilled, order)


def liquidate(node: KitNode, leg: str) -> None:
    """Binance's liquidation engine closes ``leg``; wait until the kit has heard of it."""
    before = len(kit(node, lambda s: s.exec_kit_risk_events()))
    node.venue.faults.liquidation(position_side=leg)
    node.wait_until(lambda: len(kit(node, lambda s: s.exec_kit_risk_events())) > before, 10)
    assert node.venue_amt(leg) == 0


def node_positions(node: KitNode) -> dict[str, float]:
    return kit(node, lambda s: {p.id.value: p.signed_qty for p in s.cache.positions_open()})


def close_all_and_wait(node: KitNode) -> list[Any]:
    orders = kit(node, lambda s: s.close_all(IID))
    for order in orders:
        filled(node, order)
    return orders


def open_then_close_all(node: KitNode, side: OrderSide, held: PositionSide,
                        reduce_only: bool) -> None:
    """One-way: open 0.010 on ``side``; the kit reads it as the venue's ``held`` leg and
    close_all closes exactly it (with or without Nautilus' reduce-only flag)."""
    filled(node, kit(node, lambda s: s.submit_market(IID, side, "0.010")))
    assert kit(node, lambda s: s.kit_holding(IID)) == Holding(held, raw("0.010"))
    [close] = close_all_and_wait(node)
    closing = SELL if side == BUY else BUY
    assert (close.side, str(close.quantity), close.is_reduce_only) == (closing, "0.010",
                                                                        reduce_only)
    assert node.venue_amt() == 0
    assert kit(node, lambda s: s.kit_holding(IID)) == FLAT


@pytest.mark.parametrize("node", ["ONE_WAY"], indirect=True)
def test_one_way_liquidated_leg_reads_flat_and_later_positions_close_in_full(
    node: KitNode,
) -> None:
    filled(node, kit(node, lambda s: s.submit_market(IID, BUY, "0.010")))
    liquidate(node, "BOTH")
    # what Nautilus 1.231 does: the liquidation went to -EXTERNAL, the strategy's -BOTH is open
    positions = node_positions(node)
    assert positions[f"{IID}-BOTH"] > 0 and positions[f"{IID}-EXTERNAL"] < 0
    assert kit(node, lambda s: s.kit_holding(IID)) == FLAT
    assert kit(node, lambda s: s.close_all(IID)) == []
    assert kit(node, lambda s: s.close_long(IID)) is None

    # a new long: the node's -BOTH holds it plus the liquidated one; the close is the venue's
    open_then_close_all(node, BUY, PositionSide.LONG, reduce_only=True)
    # a new short: the node's -BOTH is flat (its stale long was sold), so a reduce-only close
    # would be denied by Nautilus; the kit sends it without the flag, sized by the venue's leg
    open_then_close_all(node, SELL, PositionSide.SHORT, reduce_only=False)
    assert not [e for e in kit(node, lambda s: list(s.events)) if isinstance(e, OrderDenied)]


@pytest.mark.parametrize("node", ["HEDGE"], indirect=True)
def test_hedge_liquidated_leg_reads_flat_and_the_other_leg_is_kept(node: KitNode) -> None:
    filled(node, kit(node, lambda s: s.submit_market(IID, BUY, "0.010")))
    filled(node, kit(node, lambda s: s.submit_market(IID, SELL, "0.004")))
    liquidate(node, "LONG")
    positions = node_positions(node)
    assert positions[f"{IID}-LONG"] > 0 and positions[f"{IID}-EXTERNAL"] < 0
    assert kit(node, lambda s: s.kit_holding(IID, "LONG")) == FLAT
    assert kit(node, lambda s: s.kit_holding(IID, "SHORT")) == Holding(
        PositionSide.SHORT, raw("0.004"))
    assert kit(node, lambda s: s.close_long(IID)) is None
    [close] = close_all_and_wait(node)  # the SHORT leg only
    assert (close.side, close.quantity) == (BUY, Quantity.from_str("0.004"))
    assert node.venue_amt("SHORT") == 0

    # a new long on the liquidated leg is closed in full, not with the stale one
    filled(node, kit(node, lambda s: s.submit_market(IID, BUY, "0.006")))
    [close] = close_all_and_wait(node)
    assert (close.side, close.quantity) == (SELL, Quantity.from_str("0.006"))
    assert node.venue_amt("LONG") == 0
    assert kit(node, lambda s: s.kit_holding(IID, "LONG")) == FLAT


class _HoldUntilLiquidated(ScriptedStrategy):
    """Buys 1 BTC; when liquidated, notes the leg as the kit reads it and tries close_all."""

    def __init__(self) -> None:
        super().__init__(ScriptedConfig(), {2: lambda s: s.submit_market(IID, BUY, "1.000")})
        self.at_risk_event: list[tuple[Holding, int]] = []

    def on_risk_event(self, event: RiskEvent) -> None:
        self.at_risk_event.append((self.kit_holding(IID), len(self.close_all(IID))))


def _backtest_liquidation() -> tuple[list[tuple[Holding, int]], Holding, bool]:
    """The kit's backtest venue: 1 BTC at 20x on 2 600 USDT, the market falls until the
    perpetuals module liquidates it (booked to the strategy's own -BOTH)."""
    engine = BacktestEngine(BacktestEngineConfig(
        trader_id=TraderId("TESTER-001"), logging=LoggingConfig(log_level="ERROR"),
        run_analysis=False))
    try:
        add_binance_venue(engine, INSTRUMENT, balance_usdt=2_600, leverage=20,
                          modules=[PerpetualEconomics()])
        engine.add_data(quotes_from_bids([50_000.0] * 3 + [50_000.0 - 50 * i
                                                           for i in range(1, 100)]))
        strategy = _HoldUntilLiquidated()
        engine.add_strategy(strategy)
        engine.run()
        own = engine.cache.position(strategy.kit_position_id(IID))
        return (strategy.at_risk_event, strategy.kit_holding(IID),
                own is not None and own.is_open)
    finally:
        engine.dispose()


@pytest.mark.parametrize("node", ["ONE_WAY"], indirect=True)
def test_backtest_and_live_liquidations_read_flat_through_kit_holding(node: KitNode) -> None:
    at_risk_event, backtest_after, backtest_own_open = _backtest_liquidation()
    filled(node, kit(node, lambda s: s.submit_market(IID, BUY, "0.010")))
    liquidate(node, "BOTH")
    live_after = kit(node, lambda s: s.kit_holding(IID))
    live_close_all = kit(node, lambda s: len(s.close_all(IID)))
    live_own = kit(node, lambda s: s.cache.position(s.kit_position_id(IID)))
    # the venues book it differently: the backtest closes -BOTH, live Nautilus keeps it open
    assert not backtest_own_open
    assert live_own is not None and live_own.is_open
    # the kit reads the same: flat, nothing to close (in the backtest already at the event)
    assert at_risk_event == [(FLAT, 0)]
    assert backtest_after == live_after == FLAT
    assert live_close_all == 0
