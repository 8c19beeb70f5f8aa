"""Prometheus metrics of a live node: orders, rejects and the error policy's answers, the circuit
breaker, Binance request weight, the kit's order check, submit and fill latency.

Off by default. Turn it on with a port (``plan_node(..., metrics=MetricsSettings(port=9464))``,
``[metrics] port = 9464`` in a node config file, or ``exec-kit live --metrics-port 9464``); the
endpoint listens on 127.0.0.1 unless you give another ``host``. Scrape ``/metrics``.

Each node gets its own ``CollectorRegistry``, so two nodes in one process (tests) do not collide.
What is counted comes from the node's message bus (order events of every strategy), the error
policy's ``on_policy_decision`` / ``on_circuit_breaker`` hooks of the kit's strategies (the
author's own hooks still run), the :class:`~nautilus_exec_kit.live.weight.RequestWeightMeter`
and the :class:`~nautilus_exec_kit.live.order_check.OrderCheck`:

=========================================  =======================================================
``exec_kit_orders_submitted_total``        orders sent to the venue, by instrument and order type
``exec_kit_orders_filled_total``           fills, by instrument and order type
``exec_kit_order_rejects_total``           rejects and denials, by event and code (``-2019``,
                                           ``http503``, ...)
``exec_kit_policy_decisions_total``        the error policy's decisions, by code and action
``exec_kit_circuit_breaker_open``          1 while a strategy's circuit breaker is open
``exec_kit_circuit_breaker_trips_total``   times a strategy's breaker opened
``exec_kit_request_weight_used``           Binance request weight used in the current minute
``exec_kit_request_weight_peak``           the heaviest minute so far
``exec_kit_request_weight_limit``          the per-minute limit
``exec_kit_request_weight_total``          weight sent, by route (``GET /fapi/v1/order``)
``exec_kit_requests_rate_limited_total``   answers 429 / 418
``exec_kit_order_checks_total``            order-check answers, by outcome
``exec_kit_submit_latency_seconds``        OrderSubmitted -> OrderAccepted (node clock), by type
``exec_kit_fill_latency_seconds``          venue fill time -> the node has the fill, by type
=========================================  =======================================================

The fill latency compares the venue's clock with the node's: keep the host NTP-synced. A fill the
node learns late (a lost frame found by the order check) shows up in its top buckets.
"""

from __future__ import annotations

import threading
from typing import Any, Final
from wsgiref.simple_server import WSGIServer

import attrs
from nautilus_trader.model.enums import order_type_to_str
from nautilus_trader.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderRejected,
    OrderSubmitted,
)
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from nautilus_exec_kit.core.policy.reasons import parse_reason

#: Where the engine publishes every strategy's order events.
ORDER_EVENTS_TOPIC: Final[str] = "events.order.*"
#: The label of each reject event type.
REJECT_EVENTS: Final[dict[type, str]] = {
    OrderRejected: "rejected",
    OrderDenied: "denied",
    OrderCancelRejected: "cancel_rejected",
    OrderModifyRejected: "modify_rejected",
}
#: Latency buckets (seconds): 1 ms .. 60 s.
LATENCY_BUCKETS: Final[tuple[float, ...]] = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
)
_LOOPBACK: Final[frozenset[str]] = frozenset({"127.0.0.1", "localhost", "::1"})


@attrs.frozen
class MetricsSettings:
    """Where the metrics endpoint listens. ``port=0`` picks a free port (see
    :attr:`NodeMetrics.port`). Another ``host`` than loopback exposes the node's figures (not its
    secrets) to the network: put it behind your scraper's network rules."""

    port: int = attrs.field(validator=attrs.validators.in_(range(0, 65536)))
    host: str = "127.0.0.1"

    @property
    def loopback(self) -> bool:
        """True when only this machine can scrape."""
        return self.host in _LOOPBACK

    def describe(self) -> str:
        """``http://127.0.0.1:9464/metrics``."""
        return f"http://{self.host}:{self.port}/metrics"


class NodeMetrics:
    """The metrics of one node, in their own registry; :meth:`attach` feeds them."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.orders_submitted = Counter(
            "exec_kit_orders_submitted", "Orders sent to the venue.",
            ["instrument_id", "order_type"], registry=r)
        self.orders_filled = Counter(
            "exec_kit_orders_filled", "Fills the node booked.",
            ["instrument_id", "order_type"], registry=r)
        self.rejects = Counter(
            "exec_kit_order_rejects", "Rejects and denials, by event and Binance code.",
            ["event", "code"], registry=r)
        self.decisions = Counter(
            "exec_kit_policy_decisions", "The error policy's decisions, by code and action.",
            ["code", "action"], registry=r)
        self.breaker_open = Gauge(
            "exec_kit_circuit_breaker_open", "1 while the strategy's circuit breaker is open.",
            ["strategy_id"], registry=r)
        self.breaker_trips = Counter(
            "exec_kit_circuit_breaker_trips", "Times the strategy's circuit breaker opened.",
            ["strategy_id"], registry=r)
        self.weight_used = Gauge(
            "exec_kit_request_weight_used", "Binance request weight used this clock minute.",
            registry=r)
        self.weight_peak = Gauge(
            "exec_kit_request_weight_peak", "The heaviest minute's request weight so far.",
            registry=r)
        self.weight_limit = Gauge(
            "exec_kit_request_weight_limit", "Binance's request weight limit per minute.",
            registry=r)
        self.weight_sent = Counter(
            "exec_kit_request_weight", "Request weight the node sent, by route.",
            ["route"], registry=r)
        self.rate_limited = Counter(
            "exec_kit_requests_rate_limited", "Answers 429 / 418 (request weight limit, ban).",
            registry=r)
        self.order_checks = Counter(
            "exec_kit_order_checks", "The kit's order-check answers, by outcome.",
            ["outcome"], registry=r)
        self.submit_latency = Histogram(
            "exec_kit_submit_latency_seconds", "OrderSubmitted -> OrderAccepted (node clock).",
            ["order_type"], buckets=LATENCY_BUCKETS, registry=r)
        self.fill_latency = Histogram(
            "exec_kit_fill_latency_seconds", "Venue fill time -> the node has the fill.",
            ["order_type"], buckets=LATENCY_BUCKETS, registry=r)
        self._submitted_ns: dict[Any, int] = {}
        self._cache: Any = None
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- feeding --------------------------------------------------------------------------------

    def attach(self, node: Any, *, meter: Any = None, order_check: Any = None) -> NodeMetrics:
        """Feed the metrics from a built ``TradingNode`` (after ``node.build()``)."""
        kernel = node.kernel
        self._cache = kernel.cache
        kernel.msgbus.subscribe(topic=ORDER_EVENTS_TOPIC, handler=self.on_order_event)
        for strategy in node.trader.strategies():
            self.watch_policy(strategy)
        if meter is not None:
            self.weight_limit.set(meter.budget.limit)
            self.weight_used.set_function(meter.used)
            self.weight_peak.set_function(lambda: meter.peak)
            meter.listeners.append(self.on_request)
        if order_check is not None:
            order_check.listeners.append(
                lambda outcome: self.order_checks.labels(outcome.value).inc())
        return self

    def _order_type(self, event: Any) -> str:
        order_type = getattr(event, "order_type", None)
        if order_type is None and self._cache is not None:
            order = self._cache.order(event.client_order_id)
            order_type = order.order_type if order is not None else None
        return order_type_to_str(order_type) if order_type is not None else "UNKNOWN"

    def on_order_event(self, event: Any) -> None:
        """One order event from the bus."""
        if isinstance(event, OrderSubmitted):
            self.orders_submitted.labels(str(event.instrument_id), self._order_type(event)).inc()
            self._submitted_ns[event.client_order_id] = event.ts_init
            return
        if isinstance(event, OrderAccepted):
            sent = self._submitted_ns.pop(event.client_order_id, None)
            if sent is not None:
                self.submit_latency.labels(self._order_type(event)).observe(
                    max(0, event.ts_init - sent) / 1e9)
            return
        if isinstance(event, OrderFilled):
            order_type = self._order_type(event)
            self._submitted_ns.pop(event.client_order_id, None)
            self.orders_filled.labels(str(event.instrument_id), order_type).inc()
            self.fill_latency.labels(order_type).observe(
                max(0, event.ts_init - event.ts_event) / 1e9)
            return
        label = REJECT_EVENTS.get(type(event))
        if label is not None:
            self._submitted_ns.pop(event.client_order_id, None)
            self.rejects.labels(label, parse_reason(str(event.reason)).key).inc()
        elif isinstance(event, (OrderCanceled, OrderExpired)):  # closed before an acceptance
            self._submitted_ns.pop(event.client_order_id, None)

    def watch_policy(self, strategy: Any) -> bool:
        """Count a kit strategy's policy decisions and breaker changes; its own hooks still run.

        False for a strategy without the kit's error policy."""
        if not hasattr(strategy, "exec_kit_policy"):
            return False
        strategy_id = str(strategy.id)
        authors_decision = getattr(strategy, "on_policy_decision", None)
        authors_breaker = getattr(strategy, "on_circuit_breaker", None)

        def on_policy_decision(decision: Any) -> None:
            self.decisions.labels(decision.reason.key, decision.action.value).inc()
            if authors_decision is not None:
                authors_decision(decision)

        def on_circuit_breaker(state: Any) -> None:
            is_open = str(state.status) == "open"
            self.breaker_open.labels(strategy_id).set(1 if is_open else 0)
            if is_open:
                self.breaker_trips.labels(strategy_id).inc()
            if authors_breaker is not None:
                authors_breaker(state)

        # The policy looks its hooks up on the instance at each call (core/policy/report.py).
        strategy.on_policy_decision = on_policy_decision
        strategy.on_circuit_breaker = on_circuit_breaker
        self.breaker_open.labels(strategy_id).set(0)
        return True

    def on_request(self, route: str, weight: int, status: int | None) -> None:
        """One REST request the meter saw."""
        self.weight_sent.labels(route).inc(weight)
        if status in (418, 429):
            self.rate_limited.inc()

    # -- serving --------------------------------------------------------------------------------

    def serve(self, settings: MetricsSettings) -> int:
        """Start the HTTP endpoint (a daemon thread); return the port it listens on."""
        server, thread = start_http_server(settings.port, addr=settings.host,
                                           registry=self.registry)
        self._server, self._thread = server, thread
        return self.port or settings.port

    @property
    def port(self) -> int | None:
        """The port the endpoint listens on (None: not serving)."""
        return int(self._server.server_address[1]) if self._server is not None else None

    def close(self) -> None:
        """Stop the endpoint."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


__all__ = [
    "LATENCY_BUCKETS",
    "ORDER_EVENTS_TOPIC",
    "REJECT_EVENTS",
    "MetricsSettings",
    "NodeMetrics",
]
