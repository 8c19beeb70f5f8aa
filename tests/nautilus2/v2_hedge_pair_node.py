"""The example ``strategies.v2.HedgePair`` on a NautilusTrader 2 ``LiveNode`` (the kit's
``build_live_node``, the real Binance adapter) against a hedge-mode sandbox account.

Run by ``test_example_strategies_nautilus2.py`` under the ``.venv-v2`` interpreter. The
strategy is the example unchanged; this subclass only reports (``KIT-REPORT <json>``) what the
kit and the node hold: once both legs are open (the test then liquidates the LONG leg), and
once both are open again after the liquidation. The node runs until SIGINT.

Usage: ``python v2_hedge_pair_node.py <http base> <ws base>/ws <ws api url>``
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

from nautilus_trader.model import InstrumentId, QuoteTick, StrategyId

from nautilus_exec_kit.secrets import Secret
from nautilus_exec_kit.v2.live import Credentials, SandboxEndpoints, build_live_node
from strategies.v2 import HedgePair, HedgePairConfig

API_KEY, API_SECRET = "sandbox-api-key", "sandbox-api-secret"
IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")


class ReportingHedgePair(HedgePair):
    """``HedgePair`` plus a report each time both legs are held with one more risk event."""

    def __init__(self, config: HedgePairConfig) -> None:
        super().__init__(config)
        self.reports = 0

    def on_quote(self, quote: QuoteTick) -> None:
        super().on_quote(quote)
        legs = {leg: self.kit_holding(IID, leg) for leg in ("LONG", "SHORT")}
        risk_events = self.exec_kit_risk_events()
        if all(h.side is not None for h in legs.values()) and len(risk_events) == self.reports:
            self.reports += 1
            print("KIT-REPORT " + json.dumps({
                "holding": {leg: [h.side.name if h.side else None, h.quantity_raw]
                            for leg, h in legs.items()},
                "node_positions": {str(p.id): str(_signed(p))
                                   for p in self.cache.positions_open()},
                "risk_events": [[e.kind.value, e.side.name, str(e.quantity),
                                 str(e.position_id)] for e in risk_events],
                "orders": sorted([str(o.side.name), str(o.quantity), o.status.name]
                                 for o in self.cache.orders(strategy_id=self.strategy_id)),
            }), flush=True)


def _signed(position: Any) -> Decimal:
    quantity = position.quantity.as_decimal()
    return -quantity if position.side.name == "SHORT" else quantity


def main(http: str, ws: str, ws_api: str) -> None:
    strategy = ReportingHedgePair(HedgePairConfig(strategy_id=StrategyId.from_str("PAIR-001")))
    node = build_live_node(
        [strategy], environment="sandbox", endpoints=SandboxEndpoints(http, ws, ws_api),
        credentials=Credentials(Secret(API_KEY), Secret(API_SECRET)), trader_id="TESTER-001",
    )
    node.run()


if __name__ == "__main__":
    main(*sys.argv[1:4])
