"""The request weight on a real node: a kit strategy's ``exec_kit_stats()`` shows what the venue
says the node used this minute, the venue's own count agrees, and the kit's components are on
the node ``build_node`` made (the path ``exec-kit live`` takes)."""

from __future__ import annotations

import time

import pytest
from nautilus_trader.model.enums import OrderSide

from nautilus_exec_kit.live.runner import kit_components
from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig
from tests.e2e.harness import INSTRUMENT_ID, running_node

pytestmark = pytest.mark.live

CONFIG = SandboxConfig(prices=PriceProcess(volatility_bps=0, mark_basis_bps=0))


def test_exec_kit_stats_show_the_weight_the_venue_counted() -> None:
    with running_node(CONFIG, {"001": {}}) as node:
        strategy = node.strategy
        order = node.call(lambda: strategy.submit_market(INSTRUMENT_ID, OrderSide.BUY, "0.003"))
        node.wait_until(lambda: node.call(lambda: order.is_closed), 10)
        minute = time.time() // 60
        stats = node.call(strategy.exec_kit_stats)
        venue_used = node.venue.truth()["used_weight_1m"]
        same_minute = minute == time.time() // 60
        components = kit_components(node.node)
        assert components is not None and components.order_check is not None
        assert components.metrics is None  # off unless the plan asks for it
        assert stats["weight.limit"] == 2400
        assert stats["weight.rate_limited"] == 0
        # The venue's X-MBX-USED-WEIGHT-1M of the node's latest answer: at most what the venue
        # has counted by now, within one clock minute.
        assert stats["weight.used_1m"] > 0
        if same_minute:
            assert stats["weight.used_1m"] <= venue_used
        assert stats["weight.peak_1m"] >= stats["weight.used_1m"]
        routes = dict(components.meter.snapshot().by_route)
        assert routes.get("POST /fapi/v1/order", 0) == 0  # 0 on the IP limit, as on Binance
        assert routes["GET /fapi/v1/exchangeInfo"] >= 1
