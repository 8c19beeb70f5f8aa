"""A real TradingNode with the real Binance data + exec clients, pointed at a sandbox venue.

The node runs its own loop in a background thread; the test thread drives a plain Strategy through
:meth:`NodeHarness.call` (which runs a function on the node's loop) and waits for events with
:meth:`NodeHarness.wait_for`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

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
from nautilus_trader.model.identifiers import InstrumentId
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.sandbox import SandboxConfig, SandboxVenue, run_sandbox_in_thread

INSTRUMENT_ID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
T = TypeVar("T")


class DriverStrategy(Strategy):
    """Records every event it sees; the test decides what to submit."""

    def __init__(self, instrument_ids: tuple[InstrumentId, ...] = (INSTRUMENT_ID,)) -> None:
        super().__init__()
        self.instrument_ids = instrument_ids
        self.events: list[Any] = []
        self.quotes = 0
        self.trades = 0
        #: Quotes and trades received, by instrument.
        self.quotes_by: dict[InstrumentId, int] = dict.fromkeys(instrument_ids, 0)
        self.started = threading.Event()

    def on_start(self) -> None:
        for instrument_id in self.instrument_ids:
            self.subscribe_quote_ticks(instrument_id)
            self.subscribe_trade_ticks(instrument_id)
        self.started.set()

    def on_quote_tick(self, tick: Any) -> None:
        self.quotes += 1
        self.quotes_by[tick.instrument_id] = self.quotes_by.get(tick.instrument_id, 0) + 1

    def on_trade_tick(self, tick: Any) -> None:
        self.trades += 1

    def on_event(self, event: Any) -> None:
        self.events.append(event)


class NodeHarness:
    """Build, start, drive and stop one TradingNode against ``venue``."""

    def __init__(self, venue: SandboxVenue, api_key: str, api_secret: str,
                 log_dir: Path | None = None, trader_id: str = "SANDBOX-001",
                 strategy: DriverStrategy | None = None, log_level: str = "INFO") -> None:
        self.venue = venue
        self.loop = asyncio.new_event_loop()
        self.strategy = strategy or DriverStrategy()
        instruments = InstrumentProviderConfig(
            load_ids=frozenset(self.strategy.instrument_ids))
        common: dict[str, Any] = {
            "api_key": api_key,
            "api_secret": api_secret,
            "account_type": BinanceAccountType.USDT_FUTURES,
            "base_url_http": venue.base_url_http,
            "instrument_provider": instruments,
        }
        logging = LoggingConfig(
            log_level=log_level,
            log_level_file="DEBUG" if log_dir else None,
            log_directory=str(log_dir) if log_dir else None,
            log_file_name="node" if log_dir else None,
            log_colors=False,
        )
        config = TradingNodeConfig(
            trader_id=trader_id,
            logging=logging,
            exec_engine=LiveExecEngineConfig(
                reconciliation=True,
                reconciliation_startup_delay_secs=1.0,
                inflight_check_interval_ms=500,
                inflight_check_threshold_ms=1000,
                inflight_check_retries=3,
            ),
            data_clients={BINANCE: BinanceDataClientConfig(base_url_ws=venue.base_url_ws,
                                                          **common)},
            exec_clients={
                BINANCE: BinanceExecClientConfig(
                    base_url_ws=venue.base_url_ws_api,
                    base_url_ws_stream=venue.base_url_ws_stream,
                    use_reduce_only=not venue.config.dual_side_position,
                    max_retries=2,
                    retry_delay_initial_ms=50,
                    retry_delay_max_ms=100,
                    **common,
                ),
            },
            timeout_connection=20.0,
            timeout_reconciliation=10.0,
            timeout_disconnection=5.0,
            timeout_post_stop=1.0,
        )
        self.node = TradingNode(config=config, loop=self.loop)
        self.node.add_data_client_factory(BINANCE, BinanceLiveDataClientFactory)
        self.node.add_exec_client_factory(BINANCE, BinanceLiveExecClientFactory)
        self.node.trader.add_strategy(self.strategy)
        self.node.build()
        self._thread = threading.Thread(target=self._run, name="trading-node", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._main = self.loop.create_task(self.node.run_async())
        self.loop.run_forever()

    def start(self, timeout: float = 30.0) -> None:
        self._thread.start()
        if not self.strategy.started.wait(timeout):
            raise TimeoutError("strategy did not start")
        # Reconciliation runs after the startup delay; the exec client must be connected.
        self.wait_until(lambda: self.node.kernel.exec_engine.check_connected(), timeout)

    def stop(self) -> None:
        if self._thread.is_alive():
            fut = asyncio.run_coroutine_threadsafe(self.node.stop_async(), self.loop)
            try:
                fut.result(timeout=30)
            finally:
                asyncio.run_coroutine_threadsafe(self._end_main(), self.loop).result(timeout=10)
                self.loop.call_soon_threadsafe(self.loop.stop)
                self._thread.join(timeout=10)
        self.node.dispose()

    async def _end_main(self) -> None:
        self._main.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._main

    def call(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``fn`` on the node's loop (where the strategy lives) and return its result."""

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    @staticmethod
    def wait_until(predicate: Callable[[], Any], timeout: float = 10.0,
                   interval: float = 0.02) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError(f"condition not met within {timeout}s")

    def wait_for(self, event_type: type, client_order_id: Any = None, timeout: float = 10.0,
                 start: int = 0) -> Any:
        """The first event of ``event_type`` (for ``client_order_id``) after index ``start``."""

        def find() -> Any:
            for event in list(self.strategy.events[start:]):
                if isinstance(event, event_type) and (
                    client_order_id is None or event.client_order_id == client_order_id
                ):
                    return event
            return None

        return self.wait_until(find, timeout)


@contextlib.contextmanager
def running_node(config: SandboxConfig, api_key: str | None = None,
                 api_secret: str | None = None, **harness: Any) -> Iterator[NodeHarness]:
    """A sandbox on ``config`` and a started node against it (the config's own credentials
    unless given); both stopped on exit."""
    sandbox = run_sandbox_in_thread(config)
    node = NodeHarness(sandbox.venue, api_key or config.api_key,
                       api_secret or str(config.api_secret), **harness)
    try:
        node.start()
        yield node
    finally:
        node.stop()
        sandbox.stop()
