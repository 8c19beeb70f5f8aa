"""A real TradingNode built by the kit's own ``plan_node`` (the path ``exec-kit live`` takes),
running :class:`ScriptedKitStrategy` instances against a sandbox venue on 127.0.0.1.

It reuses :class:`tests.sandbox.node_harness.NodeHarness` for the thread/loop mechanics
(``start``, ``stop``, ``call``, ``wait_until``) and only replaces how the node is built: from a
:class:`~nautilus_exec_kit.live.NodePlan` with one or more kit strategies instead of a plain
driver strategy.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from nautilus_trader.model.identifiers import ClientOrderId

from nautilus_exec_kit.live.credentials import Credentials
from nautilus_exec_kit.live.node_config import Endpoints, plan_node, strategy_config
from nautilus_exec_kit.live.runner import build_node
from nautilus_exec_kit.sandbox import SandboxConfig, SandboxVenue, run_sandbox_in_thread
from tests.sandbox import rest_client
from tests.sandbox.node_harness import INSTRUMENT_ID, NodeHarness

from .kit_strategy import CONFIG_PATH, STRATEGY_PATH, ScriptedKitStrategy

IID = str(INSTRUMENT_ID)


class KitNode(NodeHarness):
    """One TradingNode with ``len(strategies)`` kit strategies, built from ``plan_node``.

    ``strategies`` maps an order-ID tag to extra config of that strategy (ExecKitConfig fields).
    ``self.strategy`` is the first one; ``self.kit[tag]`` any of them.
    """

    def __init__(self, venue: SandboxVenue, strategies: Mapping[str, Mapping[str, Any]],
                 *, log_level: str = "WARNING") -> None:
        self.venue = venue
        self.loop = asyncio.new_event_loop()
        hedge = venue.config.dual_side_position
        configs = [
            strategy_config(STRATEGY_PATH, {"instrument_id": IID, "order_id_tag": tag, **extra},
                            config_path=CONFIG_PATH)
            for tag, extra in strategies.items()
        ]
        plan = plan_node(
            "sandbox",
            strategies=configs,
            instrument_ids=[IID],
            credentials=Credentials.from_values(
                venue.config.api_key, str(venue.config.api_secret), source="sandbox venue"),
            endpoints=Endpoints.from_venue(venue),
            hedge_mode=hedge,
            reconciliation_delay_secs=0.5,
            log_level=log_level,
        )
        self.plan = plan
        self.node = build_node(plan, self.loop)  # the production build, guard included
        built = self.node.trader.strategies()
        self.kit: dict[str, ScriptedKitStrategy] = {
            tag: s for tag, s in zip(strategies, built, strict=True)
            if isinstance(s, ScriptedKitStrategy)
        }
        assert len(self.kit) == len(strategies), "the node did not build the kit strategies"
        self.strategy = self.kit[next(iter(strategies))]
        self._thread = threading.Thread(target=self._run, name="trading-node", daemon=True)

    def start(self, timeout: float = 30.0) -> None:
        super().start(timeout)
        for strategy in self.kit.values():
            if not strategy.started.wait(timeout):
                raise TimeoutError(f"{strategy.id} did not start")
        # The kit validates against the touch: wait for the first quote.
        self.wait_until(lambda: all(s.quotes for s in self.kit.values()), timeout)

    def event(self, event_type: type, client_order_id: Any, strategy: Any = None,
              timeout: float = 10.0) -> Any:
        """The first ``event_type`` event of ``client_order_id`` seen by ``strategy``."""
        target = strategy or self.strategy
        coid = _coid(client_order_id)

        def find() -> Any:
            for event in list(target.events):
                if isinstance(event, event_type) and getattr(event, "client_order_id",
                                                             None) == coid:
                    return event
            return None

        return self.wait_until(find, timeout)

    def decision(self, predicate: Callable[[Any], bool], strategy: Any = None,
                 timeout: float = 10.0) -> Any:
        """The first error-policy decision of ``strategy`` matching ``predicate``."""
        target = strategy or self.strategy
        return self.wait_until(
            lambda: next((d for d in list(target.decisions) if predicate(d)), None), timeout)

    # -- the venue's truth -------------------------------------------------------------------

    def venue_amt(self, side: str = "BOTH") -> Decimal:
        for p in self.venue.truth()["positions"]:
            if p["positionSide"] == side:
                return Decimal(p["positionAmt"])
        return Decimal(0)

    def venue_order(self, coid: Any) -> dict[str, Any]:
        """The venue's regular order with this client id (an algo's child carries its id)."""
        rows = [o for o in self.venue.truth()["orders"] if o["clientOrderId"] == _coid(coid).value]
        assert len(rows) == 1, rows
        return dict(rows[0])

    def venue_algo(self, coid: Any) -> dict[str, Any]:
        rows = [o for o in self.venue.truth()["algo_orders"]
                if o["clientAlgoId"] == _coid(coid).value]
        assert len(rows) == 1, rows
        return dict(rows[0])

    def requests(self, path: str, coid: Any = None, method: str = "POST") -> list[dict[str, Any]]:
        """The venue's request log for ``path`` (and this client id), oldest first."""
        key = {"/fapi/v1/algoOrder": "clientAlgoId"}.get(path, "newClientOrderId")
        return [r for r in self.venue.truth()["request_log"]
                if r["path"] == path and r["method"] == method
                and (coid is None or r["params"].get(key) == _coid(coid).value)]

    def flatten(self) -> None:
        """Cancel every order at the venue and close every position with the kit's
        ``close_all`` (between tests), then check the venue is flat."""
        self.venue.faults.clear()
        url = self.venue.base_url_http
        for path in ("/fapi/v1/allOpenOrders", "/fapi/v1/algoOpenOrders"):
            rest_client.call(url, "DELETE", path, {"symbol": "BTCUSDT"})
        self.wait_until(lambda: not self.call(lambda: self.strategy.cache.orders_open()), 10)
        for strategy in self.kit.values():
            if strategy.is_running:
                self.call(functools.partial(strategy.close_all, INSTRUMENT_ID))
        self.wait_until(lambda: all(Decimal(p["positionAmt"]) == 0
                                    for p in self.venue.truth()["positions"]), 10)
        self.wait_until(lambda: self.call(self.net_position) == 0, 10)

    def net_position(self) -> Decimal:
        """Net signed quantity of the node's open positions (call on the node's loop)."""
        cache = self.strategy.cache
        return sum((Decimal(str(p.signed_qty)) for p in cache.positions_open()), Decimal(0))


def _coid(value: Any) -> ClientOrderId:
    if isinstance(value, ClientOrderId):
        return value
    if isinstance(value, str):
        return ClientOrderId(value)
    return value.client_order_id  # an Order


@contextmanager
def running_node(config: SandboxConfig, strategies: Mapping[str, Mapping[str, Any]],
                 ) -> Iterator[KitNode]:
    """A sandbox on its own thread plus a started :class:`KitNode`; both stopped on exit."""
    sandbox = run_sandbox_in_thread(config)
    node = KitNode(sandbox.venue, strategies)
    try:
        node.start()
        yield node
    finally:
        try:
            node.stop()
        finally:
            sandbox.stop()


__all__ = ["IID", "INSTRUMENT_ID", "KitNode", "running_node"]
