"""A real TradingNode in its own process, so a test can SIGKILL it and start another one.

Run as ``python -m tests.restart.node_process <spec.json>``. The spec names the sandbox endpoints,
the Redis port, the trader id, hedge mode and external-order claims; the API secret comes from the
environment (``EXECKIT_TEST_API_SECRET``), never from argv.

Control is through files in the spec's ``control_dir`` (a kill -9 cannot corrupt a pipe
protocol that does not exist): the test writes ``cmd-<n>.json``; the strategy polls them on a
timer, executes them on the node's loop and answers in ``result-<n>.json``. The strategy writes a
snapshot of the node's view (orders, positions, risk events, reconciliation verdict, trading
state) to ``state.json`` every 200 ms, atomically.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from nautilus_trader.adapters.binance import (
    BINANCE,
    BinanceAccountType,
    BinanceDataClientConfig,
    BinanceExecClientConfig,
    BinanceLiveDataClientFactory,
    BinanceLiveExecClientFactory,
)
from nautilus_trader.common.config import LoggingConfig
from nautilus_trader.config import InstrumentProviderConfig, LiveExecEngineConfig, TradingNodeConfig
from nautilus_trader.live.node import TradingNode
from nautilus_trader.model.enums import OrderSide, TimeInForce
from nautilus_trader.model.identifiers import ClientOrderId, InstrumentId, PositionId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.trading.config import StrategyConfig
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.live.node_config import OPEN_CHECK_OPEN_ONLY, RedisSettings
from nautilus_exec_kit.live.order_check import OrderCheckSettings
from nautilus_exec_kit.live.redis import production_cache_config
from nautilus_exec_kit.live.runner import KitComponents, install_kit_components
from nautilus_exec_kit.live.weight import WeightBudget
from nautilus_exec_kit.reconciliation import ReconciliationGuard, reconciliation_verdict
from nautilus_exec_kit.risk_events import RiskEvent, RiskEventWatcher

INSTRUMENT_ID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
SECRET_VAR = "EXECKIT_TEST_API_SECRET"


class ProbeConfig(StrategyConfig, frozen=True):
    """The probe strategy's settings."""

    control_dir: str = ""
    hedge: bool = False
    #: The instruments it trades (a command names one with ``iid``; the first by default).
    instrument_ids: tuple[str, ...] = (str(INSTRUMENT_ID),)
    #: How often it writes ``state.json`` (ms).
    state_interval_ms: int = 200


class RestartProbe(Strategy):
    """Executes the test's commands and publishes the node's view of the world."""

    def __init__(self, config: ProbeConfig) -> None:
        super().__init__(config)
        self.control = Path(config.control_dir)
        self.hedge = config.hedge
        self.instrument_ids = [InstrumentId.from_str(i) for i in config.instrument_ids]
        self.state_interval_ms = config.state_interval_ms
        self.guard: ReconciliationGuard | None = None
        self.components: KitComponents | None = None
        self.risk_engine: Any = None
        self.risk_events: list[RiskEvent] = []
        self.submitted: list[str] = []
        self.watcher: RiskEventWatcher | None = None

    def on_start(self) -> None:
        self.subscribe_quote_ticks(self.instrument_ids[0])
        self.watcher = RiskEventWatcher(self).attach()
        self.clock.set_timer("exec-kit-test-poll", timedelta(milliseconds=100),
                             callback=lambda _: self._poll())
        self.clock.set_timer("exec-kit-test-state",
                             timedelta(milliseconds=self.state_interval_ms),
                             callback=lambda _: self._write_state())
        self._write_state()

    def on_risk_event(self, event: RiskEvent) -> None:
        self.risk_events.append(event)
        self.log.warning(f"RISK EVENT {event.kind.value} {event.side.name} {event.quantity} "
                         f"@ {event.price} replayed={event.replayed}")

    # -- commands -------------------------------------------------------------------------------

    def _poll(self) -> None:
        for path in sorted(self.control.glob("cmd-*.json")):
            name = path.stem.split("-", 1)[1]
            try:
                command = json.loads(path.read_text())
            except (OSError, json.JSONDecodeError):
                continue  # half-written: next poll
            path.unlink()
            try:
                result: Any = {"ok": True, "value": self._execute(command)}
            except Exception as exc:
                result = {"ok": False, "error": repr(exc)}
            _write_json(self.control / f"result-{name}.json", result)
        self._write_state()

    def _position_id(self, instrument_id: InstrumentId, side: str) -> PositionId:
        return PositionId(f"{instrument_id}-{side}")

    def _execute(self, cmd: dict[str, Any]) -> Any:
        op = cmd["op"]
        if op == "submit":
            return self._submit(cmd)
        if op == "batch":
            return [self._execute(item) for item in cmd["items"]]
        if op == "burst":
            return [self._submit(cmd) for _ in range(int(cmd["n"]))]
        if op == "cancel_all":
            for order in self.cache.orders_open(strategy_id=self.id):
                self.cancel_order(order)
            return len(self.cache.orders_open(strategy_id=self.id))
        if op == "cancel":
            order = self.cache.order(ClientOrderId(cmd["coid"]))
            self.cancel_order(order)
            return cmd["coid"]
        raise ValueError(f"unknown op {op!r}")

    def _submit(self, cmd: dict[str, Any]) -> str:
        side = OrderSide[cmd["side"]]
        qty = Quantity.from_str(cmd["qty"])
        kind = cmd["kind"]
        iid = InstrumentId.from_str(cmd["iid"]) if cmd.get("iid") else self.instrument_ids[0]
        factory = self.order_factory
        if kind == "MARKET":
            order = factory.market(iid, side, qty)
        elif kind == "LIMIT":
            order = factory.limit(iid, side, qty, Price.from_str(cmd["price"]),
                                  time_in_force=TimeInForce.GTC)
        elif kind == "STOP_MARKET":
            order = factory.stop_market(iid, side, qty, Price.from_str(cmd["trigger"]))
        else:
            raise ValueError(f"unknown order kind {kind!r}")
        pos_side = cmd.get("pos") or "BOTH"
        self.submit_order(order, position_id=self._position_id(iid, pos_side))
        self.submitted.append(order.client_order_id.value)
        return str(order.client_order_id.value)

    # -- state ----------------------------------------------------------------------------------

    def _write_state(self) -> None:
        orders = [
            {"coid": o.client_order_id.value, "strategy_id": o.strategy_id.value,
             "status": o.status_string(), "type": o.type_string(), "side": o.side_string(),
             "qty": str(o.quantity), "filled": str(o.filled_qty), "is_open": o.is_open,
             "venue_order_id": o.venue_order_id.value if o.venue_order_id else None,
             "trade_ids": [t.value for t in o.trade_ids],
             "instrument_id": o.instrument_id.value}
            for o in self.cache.orders()
        ]
        positions = [
            {"id": p.id.value, "strategy_id": p.strategy_id.value,
             "qty": str(Decimal(p.signed_decimal_qty())),
             "instrument_id": p.instrument_id.value}
            for p in self.cache.positions_open()
        ]
        verdict = reconciliation_verdict(self.cache)
        state = {
            "orders": orders,
            "positions": positions,
            "submitted": self.submitted,
            "risk_events": [
                {"kind": e.kind.value, "side": e.side.name, "qty": str(e.quantity),
                 "price": str(e.price), "coid": e.client_order_id.value,
                 "position_id": e.position_id.value if e.position_id else None,
                 "replayed": e.replayed}
                for e in self.risk_events
            ],
            "verdict": json.loads(verdict.to_json()) if verdict else None,
            "guard_checks": len(self.guard.checks) if self.guard else 0,
            "trading_state": self.risk_engine.trading_state.name if self.risk_engine else None,
            "weight": self._weight(),
            "order_check": dict(self.components.order_check.stats)
            if self.components and self.components.order_check else None,
        }
        _write_json(self.control / "state.json", state)


    def _weight(self) -> dict[str, int] | None:
        if self.components is None:
            return None
        snap = self.components.meter.snapshot()
        return {"used": snap.used, "peak": snap.peak, "requests": snap.requests,
                "rate_limited": snap.rate_limited}


def _order_check(spec: dict[str, Any]) -> OrderCheckSettings:
    """``spec["order_check"]``: False (Nautilus' open-order check instead), or the settings."""
    value = spec.get("order_check", {})
    if value is False:
        return OrderCheckSettings(enabled=False)
    return OrderCheckSettings(**dict(value or {}))


def _write_json(path: Path, data: Any) -> None:
    # Timer callbacks may run on different threads: each write gets its own temporary file.
    tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def build_node(spec: dict[str, Any]) -> tuple[TradingNode, RestartProbe]:
    """The node the spec describes (Redis cache, sandbox endpoints, the probe strategy)."""
    secret = os.environ[SECRET_VAR]
    hedge = bool(spec.get("hedge", False))
    instrument_ids = tuple(spec.get("instrument_ids") or (str(INSTRUMENT_ID),))
    instruments = InstrumentProviderConfig(
        load_ids=frozenset(InstrumentId.from_str(i) for i in instrument_ids))
    common: dict[str, Any] = {
        "api_key": spec["api_key"],
        "api_secret": secret,
        "account_type": BinanceAccountType.USDT_FUTURES,
        "base_url_http": spec["http"],
        "instrument_provider": instruments,
    }
    redis = RedisSettings(port=int(spec["redis_port"]), buffer_interval_ms=None)
    order_check = _order_check(spec)
    # Nautilus' own open-order check runs when the spec asks for it, or when the kit's is off.
    open_check_secs = spec.get("open_check_interval_secs",
                               None if order_check.enabled else 10.0)
    config = TradingNodeConfig(
        trader_id=spec.get("trader_id", "RESTART-001"),
        logging=LoggingConfig(log_level=spec.get("log_level", "INFO"), log_colors=False),
        cache=production_cache_config(redis),
        exec_engine=LiveExecEngineConfig(
            reconciliation=True,
            reconciliation_startup_delay_secs=float(spec.get("startup_delay", 1.0)),
            inflight_check_interval_ms=500,
            inflight_check_threshold_ms=1000,
            inflight_check_retries=3,
            open_check_interval_secs=open_check_secs,
            open_check_open_only=bool(spec.get("open_check_open_only", OPEN_CHECK_OPEN_ONLY)),
            position_check_interval_secs=spec.get("position_check_interval_secs"),
        ),
        data_clients={BINANCE: BinanceDataClientConfig(base_url_ws=spec["ws"], **common)},
        exec_clients={
            BINANCE: BinanceExecClientConfig(
                base_url_ws=spec["ws_api"],
                base_url_ws_stream=spec["ws_stream"],
                use_reduce_only=not hedge,
                use_position_ids=True,
                max_retries=int(spec.get("max_retries", 0)),
                retry_delay_initial_ms=50,
                retry_delay_max_ms=100,
                **common,
            ),
        },
        timeout_connection=20.0,
        timeout_reconciliation=10.0,
        timeout_disconnection=3.0,
        timeout_post_stop=1.0,
    )
    node = TradingNode(config=config)
    node.add_data_client_factory(BINANCE, BinanceLiveDataClientFactory)
    node.add_exec_client_factory(BINANCE, BinanceLiveExecClientFactory)
    claims = spec.get("claims")
    strategy = RestartProbe(ProbeConfig(
        order_id_tag="001", oms_type="HEDGING", control_dir=spec["control_dir"], hedge=hedge,
        external_order_claims=[INSTRUMENT_ID] if claims else None,
        instrument_ids=instrument_ids,
        state_interval_ms=int(spec.get("state_interval_ms", 200)),
    ))
    node.trader.add_strategy(strategy)
    node.build()
    components = install_kit_components(
        node, hedge_mode=hedge, order_check=order_check,
        weight_budget=WeightBudget(**spec.get("weight_budget", {})),
        on_mismatch=spec.get("on_mismatch", "halt"),
        dedupe_fills=bool(spec.get("dedupe_fills", True)),
        hold_unknown_rejects=bool(spec.get("hold_unknown_rejects", True)))
    strategy.components = components
    strategy.guard = components.guard
    strategy.risk_engine = node.kernel.risk_engine
    return node, strategy


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[1]).read_text())
    node, _ = build_node(spec)
    try:
        node.run()
    finally:
        node.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
