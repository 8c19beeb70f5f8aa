"""A NautilusTrader 2 ``LiveNode`` (data + execution, Binance adapter) against a sandbox URL.

Run by ``test_sandbox_nautilus2.py`` under the ``.venv-v2`` interpreter; it imports nothing from
the kit (the kit's v1 binding cannot load beside NautilusTrader 2). The built-in ``ExecTester``
opens a position at start and keeps post-only limits at the touch, so the run sends orders over
the WS API, gets fills on the user stream, and reconciles at start; the ``DataTester`` logs every
quote and trade it receives. The node runs until SIGINT.

Usage: ``python v2_node.py <http base> <ws base>/ws <ws api url>``
"""

from __future__ import annotations

import sys
from decimal import Decimal

from nautilus_trader.adapters.binance import (
    BinanceDataClientConfig,
    BinanceDataClientFactory,
    BinanceEnvironment,
    BinanceExecutionClientConfig,
    BinanceExecutionClientFactory,
    BinanceProductType,
)
from nautilus_trader.common import Environment
from nautilus_trader.live import LiveNode, LiveRiskEngineConfig
from nautilus_trader.model import (
    AccountId,
    ClientId,
    InstrumentId,
    Quantity,
    StrategyId,
    TimeInForce,
    TraderId,
)
from nautilus_trader.testkit import DataTesterConfig, ExecTesterConfig

API_KEY, API_SECRET = "sandbox-api-key", "sandbox-api-secret"


def main(http: str, ws: str, ws_api: str) -> None:
    iid = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
    binance = ClientId.from_str("BINANCE")
    node = (
        LiveNode.builder("V2-SANDBOX", TraderId.from_str("TESTER-001"), Environment.LIVE)
        .with_reconciliation(True)
        .with_risk_engine_config(LiveRiskEngineConfig(bypass=True))
        .add_data_client(None, BinanceDataClientFactory(), BinanceDataClientConfig(
            product_type=BinanceProductType.USD_M, environment=BinanceEnvironment.LIVE,
            base_url_http=http, base_url_ws=ws))
        .add_exec_client(None, BinanceExecutionClientFactory(), BinanceExecutionClientConfig(
            account_id=AccountId.from_str("BINANCE-001"), product_type=BinanceProductType.USD_M,
            environment=BinanceEnvironment.LIVE, base_url_http=http, base_url_ws=ws,
            base_url_ws_trading=ws_api, api_key=API_KEY, api_secret=API_SECRET))
        .build()
    )
    node.add_builtin_actor("DataTester", DataTesterConfig(
        client_id=binance, instrument_ids=[iid], subscribe_quotes=True, subscribe_trades=True,
        log_data=True))
    node.add_builtin_strategy("ExecTester", ExecTesterConfig(
        strategy_id=StrategyId.from_str("EXEC_TESTER-001"), instrument_id=iid, client_id=binance,
        order_qty=Quantity.from_str("0.010"), subscribe_quotes=True,
        open_position_on_start_qty=Decimal("0.010"), open_position_time_in_force=TimeInForce.IOC,
        enable_limit_buys=True, tob_offset_ticks=50, use_post_only=True, dry_run=False,
        log_data=False))
    node.run()


if __name__ == "__main__":
    main(*sys.argv[1:4])
