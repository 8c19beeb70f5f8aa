"""One price move liquidates both legs of a hedge account in the same millisecond: a real v1
TradingNode (``plan_node``, the real Binance adapter) against the sandbox ends flat on both legs,
as the kit reads them (``kit_holding``), with one risk event per leg.

Binance names a liquidation ``autoclose-<ms>``; the sandbox suffixes a second one in the same
millisecond (``-2``, docs/sandbox.md). Under one client order ID NautilusTrader 1.231 takes the
second fill for a fill of the first order and rejects it as an overfill: the SHORT leg's close
never reaches the node, and the kit would read a SHORT the venue no longer holds.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from nautilus_trader.model.identifiers import ClientOrderId

from nautilus_exec_kit.core.risk import Holding
from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig
from tests.e2e.harness import INSTRUMENT_ID, running_node
from tests.sandbox import rest_client

from .test_venue_closes_live import BUY, SELL, filled, kit

pytestmark = pytest.mark.live

IID = INSTRUMENT_ID
FLAT = Holding(None, 0)


def test_both_hedge_legs_liquidated_at_once_leave_the_node_flat_on_both() -> None:
    config = SandboxConfig(prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
                           dual_side_position=True, market_data_interval_ms=50,
                           balances=(("USDT", Decimal(1500)),))
    with running_node(config, {"001": {}}) as node:
        filled(node, kit(node, lambda s: s.submit_market(IID, BUY, "0.300")))
        filled(node, kit(node, lambda s: s.submit_market(IID, SELL, "0.100")))
        _, rows, _ = rest_client.call(node.venue.base_url_http, "GET", "/fapi/v2/positionRisk",
                                      {"symbol": "BTCUSDT"})
        [lp] = {row["liquidationPrice"] for row in rows}  # cross: one price for both legs
        node.venue.set_price("BTCUSDT", Decimal(lp) - 100)  # one move closes both legs
        assert node.venue_amt("LONG") == node.venue_amt("SHORT") == 0
        ids = sorted(o["clientOrderId"] for o in node.venue.truth()["orders"]
                     if o["clientOrderId"].startswith("autoclose-"))
        assert len(ids) == 2 and ids[1] == f"{ids[0]}-2", ids

        node.wait_until(lambda: len(kit(node, lambda s: s.exec_kit_risk_events())) == 2, 10)
        events = kit(node, lambda s: s.exec_kit_risk_events())
        assert sorted((e.side.name, str(e.quantity)) for e in events) == [
            ("BUY", "0.100"), ("SELL", "0.300")]
        assert kit(node, lambda s: s.kit_holding(IID, "LONG")) == FLAT
        assert kit(node, lambda s: s.kit_holding(IID, "SHORT")) == FLAT
        assert kit(node, lambda s: s.close_all(IID)) == []
        # the node booked both fills, each to its own order
        booked = kit(node, lambda s: [s.cache.order(ClientOrderId(cid)) for cid in ids])
        assert [(o.side.name, str(o.filled_qty), o.status.name) for o in booked] == [
            ("SELL", "0.300", "FILLED"), ("BUY", "0.100", "FILLED")]
