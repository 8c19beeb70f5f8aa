"""Run a real ``TradingNode`` from a :class:`NodePlan`: preflight, opt-in, run, stop, summarize.

How a 1.231.0 node is run and stopped cleanly (read from ``live/node.py`` and
``system/kernel.py``): ``TradingNode(config, loop)`` installs SIGINT/SIGTERM handlers on the loop
that call ``node.stop()``; ``node.run()`` blocks in ``run_until_complete(run_async())`` until
``stop_async`` has stopped the engines (their queue tasks are cancelled and ``run_async``
returns). ``--duration`` is therefore just ``loop.call_later(duration, node.stop)``, and Ctrl-C
goes through the same path. The summary is taken before ``node.dispose()``, which closes the loop.

LIVE never starts without an explicit opt-in: the ``--i-understand-this-is-live`` flag or
``EXEC_KIT_ALLOW_LIVE=1``; the plan is printed before the check, so the user sees what would
have run.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from nautilus_exec_kit.core.errors import LiveTradingNotConfirmed
from nautilus_exec_kit.live.metrics import MetricsSettings, NodeMetrics
from nautilus_exec_kit.live.node_config import BINANCE_CLIENT, NodePlan
from nautilus_exec_kit.live.order_check import OrderCheck, OrderCheckSettings
from nautilus_exec_kit.live.weight import RequestWeightMeter, WeightBudget
from nautilus_exec_kit.risk_order_ids import DistinctRiskOrderIds
from nautilus_exec_kit.secrets import redact

if TYPE_CHECKING:
    from nautilus_trader.live.node import TradingNode

    from nautilus_exec_kit.reconciliation import ReconciliationGuard

#: The environment variable that opts in to LIVE trading (value "1").
LIVE_OPT_IN_VAR = "EXEC_KIT_ALLOW_LIVE"
#: The command-line flag that opts in to LIVE trading.
LIVE_OPT_IN_FLAG = "--i-understand-this-is-live"


def live_opted_in(*, flag: bool, environ: Mapping[str, str] | None = None) -> bool:
    """True when the flag is given or ``EXEC_KIT_ALLOW_LIVE=1`` is set."""
    env = os.environ if environ is None else environ
    return flag or env.get(LIVE_OPT_IN_VAR, "").strip() == "1"


def confirm_live(plan: NodePlan, *, flag: bool, environ: Mapping[str, str] | None = None) -> None:
    """Raise :class:`LiveTradingNotConfirmed` for a real-money plan without the opt-in."""
    if plan.real_money and not live_opted_in(flag=flag, environ=environ):
        raise LiveTradingNotConfirmed(
            f"refusing to start a LIVE node (real money) without an explicit opt-in: pass "
            f"{LIVE_OPT_IN_FLAG} or set {LIVE_OPT_IN_VAR}=1. Try --env demo first."
        )


@attrs.frozen
class RunResult:
    """What a node run did."""

    summary: str
    orders: int
    fills: int
    positions: int
    wall_secs: float
    #: Whether the data and exec clients were connected when the node was told to stop
    #: (None when it was stopped by a signal, before the check could run).
    connected: bool | None = None


def _kit_summary(node: Any) -> str | None:
    """The backtest summary (engineer D's module), or None when it is not available."""
    try:
        from nautilus_exec_kit.backtest import summary as summary_module  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        strategies = node.trader.strategies()
        result = summary_module.summarize(node.cache, node.portfolio, strategies)
        return str(summary_module.format_summary(result))
    except Exception as exc:  # the summary must not lose the run's outcome
        return f"(kit summary unavailable: {type(exc).__name__}: {exc})"


def count_fills(cache: Any) -> int:
    """The number of ``OrderFilled`` events of all orders in ``cache``."""
    return sum(
        1
        for order in cache.orders()
        for event in order.events
        if type(event).__name__ == "OrderFilled"
    )


def basic_summary(node: Any) -> str:
    """A minimal summary from the node's cache: orders, fills, positions, balances."""
    cache = node.cache
    orders = cache.orders()
    fills = count_fills(cache)
    positions = cache.positions()
    lines = [
        f"orders           : {len(orders)} ({len(cache.orders_open())} open)",
        f"fills            : {fills}",
        f"positions        : {len(positions)} ({len(cache.positions_open())} open)",
    ]
    realized = [p.realized_pnl for p in positions if p.realized_pnl is not None]
    if realized:
        lines.append(f"realized pnl     : {', '.join(str(r) for r in realized)}")
    for account in cache.accounts():
        balances = ", ".join(str(b.total) for b in account.balances().values())
        lines.append(f"account {account.id}: {balances}")
    return "\n".join(lines)


@attrs.define
class KitComponents:
    """What the kit installs on a built node (:func:`install_kit_components`)."""

    guard: ReconciliationGuard
    meter: RequestWeightMeter
    order_check: OrderCheck | None = None
    metrics: NodeMetrics | None = None
    risk_order_ids: DistinctRiskOrderIds | None = None

    def summary_lines(self) -> list[str]:
        """The live summary's lines about request weight and the order check."""
        lines = [f"request weight   : {self.meter.snapshot().describe()}"]
        if self.order_check is not None:
            stats = self.order_check.stats
            lines.append(
                f"order check      : {stats['queries']} queries, {stats['confirmed']} confirmed, "
                f"{stats['changed']} corrected, {stats['not_found']} not found, "
                f"{stats['deferred']} deferred (weight), {stats['reconnects']} reconnects"
            )
        if self.metrics is not None and self.metrics.port is not None:
            lines.append(f"metrics          : served on port {self.metrics.port}")
        return lines

    def close(self) -> None:
        """Stop the order check's rounds and the metrics endpoint."""
        if self.order_check is not None:
            self.order_check.stop()
        if self.metrics is not None:
            self.metrics.close()


#: The components of each node built in this process, by trader id.
_COMPONENTS: dict[str, KitComponents] = {}


def kit_components(node: Any) -> KitComponents | None:
    """The components :func:`install_kit_components` put on ``node`` (None: not installed)."""
    return _COMPONENTS.get(str(node.kernel.trader_id))


def install_kit_components(
    node: Any,
    *,
    hedge_mode: bool,
    order_check: OrderCheckSettings | None = None,
    weight_budget: WeightBudget | None = None,
    metrics: MetricsSettings | None = None,
    **guard_options: Any,
) -> KitComponents:
    """Everything the kit adds to a built ``TradingNode`` (after ``node.build()``):

    * the :class:`~nautilus_exec_kit.reconciliation.ReconciliationGuard` (``guard_options`` go to
      its ``install``: ``on_mismatch``, ``dedupe_fills``, ``hold_unknown_rejects``);
    * the :class:`~nautilus_exec_kit.live.weight.RequestWeightMeter` on the Binance HTTP client;
    * the :class:`~nautilus_exec_kit.live.order_check.OrderCheck` (unless
      ``order_check.enabled`` is False; then keep Nautilus' ``open_check_interval_secs`` on);
    * the Prometheus endpoint when ``metrics`` is given (served at once);
    * :class:`~nautilus_exec_kit.risk_order_ids.DistinctRiskOrderIds`: each auto-deleverage
      booked under its own client order ID (Binance names every one ``adl_autoclose``).
    """
    from nautilus_exec_kit.reconciliation import ReconciliationGuard

    settings = order_check or OrderCheckSettings()
    guard = ReconciliationGuard.install(node, hedge_mode=hedge_mode, **guard_options)
    meter = RequestWeightMeter.install(node, weight_budget)
    check = (OrderCheck.install(node, settings, meter, hedge_mode=hedge_mode, guard=guard)
             if settings.enabled else None)
    components = KitComponents(guard=guard, meter=meter, order_check=check,
                               risk_order_ids=DistinctRiskOrderIds.install(node))
    if metrics is not None:
        components.metrics = NodeMetrics().attach(node, meter=meter, order_check=check)
        components.metrics.serve(metrics)
    _COMPONENTS[str(node.kernel.trader_id)] = components
    return components


def build_node(plan: NodePlan, loop: asyncio.AbstractEventLoop) -> TradingNode:
    """Build the ``TradingNode`` of ``plan`` on ``loop``, the way the kit runs it in production.

    Besides the Binance client factories this installs the kit's components
    (:func:`install_kit_components`): the
    :class:`~nautilus_exec_kit.reconciliation.ReconciliationGuard` (position check after every
    reconciliation, halting on a mismatch; restart fill de-duplication; the unknown-outcome
    hold), the request-weight meter, the order check and, when the plan has ``metrics``, the
    Prometheus endpoint: see docs/production.md. Tests build their nodes here too, so they
    exercise exactly what users run. ``kit_components(node)`` returns them; call its ``close()``
    after ``node.dispose()`` when you run the node yourself (``run_node`` does).
    """
    # Imported here: building a node pulls in the adapter's Rust clients.
    from nautilus_trader.adapters.binance.factories import (
        BinanceLiveDataClientFactory,
        BinanceLiveExecClientFactory,
    )
    from nautilus_trader.live.node import TradingNode

    node = TradingNode(config=plan.config, loop=loop)
    node.add_data_client_factory(BINANCE_CLIENT, BinanceLiveDataClientFactory)
    node.add_exec_client_factory(BINANCE_CLIENT, BinanceLiveExecClientFactory)
    node.build()
    install_kit_components(node, hedge_mode=plan.hedge_mode, order_check=plan.order_check,
                           weight_budget=plan.weight_budget, metrics=plan.metrics)
    return node


def run_node(
    plan: NodePlan,
    *,
    duration_secs: float | None = None,
    allow_live: bool = False,
    environ: Mapping[str, str] | None = None,
    out: Callable[[str], None] = print,
) -> RunResult:
    """Print the plan, check the LIVE opt-in, run a ``TradingNode`` until stopped, summarize.

    The node stops on Ctrl-C (SIGINT) / SIGTERM or after ``duration_secs``. Must be called from
    the main thread (Nautilus installs its signal handlers on the loop).
    """
    out("About to start a TradingNode:")
    out(plan.describe())
    confirm_live(plan, flag=allow_live, environ=environ)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    node = build_node(plan, loop)
    connected: list[bool] = []

    def stop_after_duration() -> None:
        # A node whose clients never connected still "runs" until stopped; record it so the
        # caller can tell a failed start from a quiet session.
        kernel = node.kernel
        connected.append(
            bool(kernel.data_engine.check_connected() and kernel.exec_engine.check_connected())
        )
        node.stop()

    if duration_secs is not None:
        loop.call_later(duration_secs, stop_after_duration)

    started = time.monotonic()
    try:
        node.run()
    finally:
        wall = time.monotonic() - started
        cache = node.cache
        fills = count_fills(cache)
        text = _kit_summary(node) or basic_summary(node)
        components = kit_components(node)
        if components is not None:
            text = "\n".join([text, *components.summary_lines()])
            components.close()
        result = RunResult(
            summary=redact(text, [plan.credentials.api_key, plan.credentials.api_secret]),
            orders=len(cache.orders()),
            fills=fills,
            positions=len(cache.positions()),
            wall_secs=wall,
            connected=connected[0] if connected else None,
        )
        node.dispose()
    out(f"Summary (ran {result.wall_secs:.1f} s):")
    out(result.summary)
    if result.connected is False:
        out("WARNING: the node's clients were not connected when it stopped (see the log above)")
    return result


__all__ = [
    "LIVE_OPT_IN_FLAG",
    "LIVE_OPT_IN_VAR",
    "KitComponents",
    "RunResult",
    "basic_summary",
    "build_node",
    "confirm_live",
    "count_fills",
    "install_kit_components",
    "kit_components",
    "live_opted_in",
    "run_node",
]
