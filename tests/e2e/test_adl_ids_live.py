"""Binance names every auto-deleverage fill ``adl_autoclose``: the same client order ID each time.
A real v1 TradingNode (the real Binance adapter) against the sandbox: two ADLs in one node's
life (both legs of a hedge account, one after the other) each reach the kit, which then reads
both legs flat (``kit_holding``), with one risk event per leg.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from nautilus_exec_kit.core.risk import Holding
from nautilus_exec_kit.live.runner import kit_components
from nautilus_exec_kit.risk_order_ids import DistinctRiskOrderIds
from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig
from tests.e2e.harness import INSTRUMENT_ID, running_node

from .test_venue_closes_live import BUY, SELL, filled, kit

pytestmark = pytest.mark.live

IID = INSTRUMENT_ID
FLAT = Holding(None, 0)


def test_two_adls_under_one_client_order_id_leave_the_node_flat_on_both_legs() -> None:
    config = SandboxConfig(prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
                           dual_side_position=True, market_data_interval_ms=50,
                           balances=(("USDT", Decimal(100_000)),))
    with running_node(config, {"001": {}}) as node:
        filled(node, kit(node, lambda s: s.submit_market(IID, BUY, "0.300")))
        filled(node, kit(node, lambda s: s.submit_market(IID, SELL, "0.100")))
        node.venue.faults.adl(position_side="LONG")
        node.wait_until(lambda: len(kit(node, lambda s: s.exec_kit_risk_events())) == 1, 10)
        node.venue.faults.adl(position_side="SHORT")
        assert node.venue_amt("LONG") == node.venue_amt("SHORT") == 0
        node.wait_until(lambda: len(kit(node, lambda s: s.exec_kit_risk_events())) == 2, 10)
        events = kit(node, lambda s: s.exec_kit_risk_events())
        assert sorted((e.side.name, str(e.quantity)) for e in events) == [
            ("BUY", "0.100"), ("SELL", "0.300")]
        # each booked under Binance's ID plus its venue order ID, each FILLED once
        venue_ids = sorted(str(o["orderId"]) for o in node.venue.truth()["orders"]
                           if o["clientOrderId"] == "adl_autoclose")
        assert sorted(e.client_order_id.value for e in events) == [
            f"adl_autoclose-{v}" for v in venue_ids]
        booked = kit(node, lambda s: sorted(
            (o.side.name, str(o.filled_qty), o.status.name) for o in s.cache.orders()
            if o.client_order_id.value.startswith("adl_autoclose")))
        assert booked == [("BUY", "0.100", "FILLED"), ("SELL", "0.300", "FILLED")]
        components = kit_components(node.node)
        assert components is not None and components.risk_order_ids is not None
        assert components.risk_order_ids.renamed >= 4  # two status and two fill reports
        assert DistinctRiskOrderIds.install(node.node) is components.risk_order_ids  # once
        assert kit(node, lambda s: s.kit_holding(IID, "LONG")) == FLAT
        assert kit(node, lambda s: s.kit_holding(IID, "SHORT")) == FLAT
        assert kit(node, lambda s: s.close_all(IID)) == []

