"""The example ``HedgePair`` on a real TradingNode (the kit's ``plan_node`` build, the real
Binance adapter) against the sandbox: after Binance liquidates its LONG leg it opens the leg
again.

NautilusTrader 1.231 books the liquidation (``autoclose-...``) to ``{instrument}-EXTERNAL`` and
leaves the strategy's ``-LONG`` open in the cache while the venue is flat. A strategy reading
``cache.position(...)`` sees a leg it still holds and never reopens it; ``HedgePair`` reads the
leg through ``kit_holding`` (docs/production.md §6). The kit's backtest venue books its
liquidation to the leg itself, so only a live node shows the difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from nautilus_trader.model.objects import Quantity

from nautilus_exec_kit.core.risk import Holding
from nautilus_exec_kit.core.vocab import PositionSide
from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig, run_sandbox_in_thread
from strategies import HedgePair, HedgePairConfig

from .harness import INSTRUMENT_ID, KitNode

pytestmark = pytest.mark.live

IID = INSTRUMENT_ID
LEG = Decimal("0.010")


@pytest.fixture
def pair() -> Iterator[tuple[KitNode, HedgePair]]:
    """A hedge-mode node running ``HedgePair`` (frozen prices: it never takes profit) beside the
    harness's idle scripted strategy."""
    sandbox = run_sandbox_in_thread(SandboxConfig(
        prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
        dual_side_position=True, market_data_interval_ms=50))
    node = KitNode(sandbox.venue, {"001": {}})
    strategy = HedgePair(HedgePairConfig(instrument_id=IID, leg_size=LEG, order_id_tag="002"))
    node.node.trader.add_strategy(strategy)
    try:
        node.start()
        yield node, strategy
    finally:
        try:
            node.stop()
        finally:
            sandbox.stop()


def test_hedge_pair_reopens_a_liquidated_leg(pair: tuple[KitNode, HedgePair]) -> None:
    node, strategy = pair
    node.wait_until(lambda: (node.venue_amt("LONG"), node.venue_amt("SHORT")) == (LEG, -LEG))

    node.venue.faults.liquidation(position_side="LONG")
    node.wait_until(lambda: node.call(lambda: strategy.exec_kit_risk_events()))
    # the leg is back at the venue, once: the node's -LONG holds the stale leg and the new one
    node.wait_until(lambda: node.venue_amt("LONG") == LEG)
    assert node.venue_amt("SHORT") == -LEG
    stale = node.call(lambda: strategy.cache.position(strategy.kit_position_id(IID, "LONG")))
    assert stale is not None and stale.quantity.as_decimal() == 2 * LEG
    held = node.call(lambda: strategy.kit_holding(IID, "LONG"))
    assert held == Holding(PositionSide.LONG, Quantity.from_str(str(LEG)).raw)
    node.wait_until(lambda: node.call(lambda: not strategy.cache.orders_inflight()))
    assert node.venue_amt("LONG") == LEG  # not opened twice
