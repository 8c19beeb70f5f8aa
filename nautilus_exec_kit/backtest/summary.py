"""What a run did, as one value: :class:`BacktestReport`, built by :func:`summarize`.

Why it is built from the Cache and Portfolio (not from ``BacktestEngine``): the live runner has a
Cache, a Portfolio and strategies too, so both paths print the same summary. The order counts come
from an :class:`OrderTally` so a run that purges closed orders from the cache (the kit runner's
linear-cost mode) still counts every order: the runner feeds the tally as orders close, and
:meth:`OrderTally.from_orders` builds one from a cache that kept everything.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from nautilus_trader.model.enums import (
    OrderStatus,
    order_status_to_str,
    order_type_to_str,
    position_side_to_str,
)
from nautilus_trader.model.orders import Order

#: Order statuses that carry a reason worth counting, and the event attribute holding it.
_REASON_STATUSES: frozenset[OrderStatus] = frozenset({OrderStatus.REJECTED, OrderStatus.DENIED})


def _reason_label(text: str) -> str:
    """Group reasons by parsed code when the policy parser is available, else by raw text."""
    try:
        from nautilus_exec_kit.core.policy.reasons import parse_reason
    except ImportError:  # pragma: no cover - the policy package is part of the kit
        return text[:80]
    parsed = parse_reason(text)
    if parsed.code is not None:
        return f"{parsed.code} {parsed.message}"[:80]
    return f"{parsed.category.value}: {parsed.message}"[:80]


def _last_reason(order: Order) -> str | None:
    for event in reversed(order.events):
        reason = getattr(event, "reason", None)
        if reason:
            return str(reason)
    return None


@attrs.define
class OrderTally:
    """Running counts of closed (and, at the end, open) orders; O(1) memory per kind of order."""

    by_type_status: Counter[tuple[str, str]] = attrs.field(factory=Counter)
    reasons: Counter[tuple[str, str]] = attrs.field(factory=Counter)
    fills: int = 0
    orders: int = 0

    def record(self, order: Order) -> None:
        """Count ``order`` once, in its current status (call when it closes, or at the end)."""
        status = order.status
        self.orders += 1
        self.by_type_status[(order_type_to_str(order.order_type), order_status_to_str(status))] += 1
        self.fills += sum(1 for e in order.events if type(e).__name__ == "OrderFilled")
        if status in _REASON_STATUSES:
            reason = _last_reason(order) or "(no reason)"
            self.reasons[(order_status_to_str(status), _reason_label(reason))] += 1

    @classmethod
    def from_orders(cls, orders: Iterable[Order]) -> OrderTally:
        """A tally of every order given (e.g. ``cache.orders()`` of a run that kept them)."""
        tally = cls()
        for order in orders:
            tally.record(order)
        return tally


@attrs.frozen
class PositionLine:
    """One open (or last) position at the end of the run."""

    position_id: str
    side: str
    quantity: str
    avg_px_open: float
    realized_pnl: str
    unrealized_pnl: str | None


@attrs.frozen
class BacktestReport:
    """Everything the summary prints, as plain values (safe to compare in tests)."""

    orders: int
    fills: int
    orders_by_type_status: Mapping[tuple[str, str], int]
    reasons: Mapping[tuple[str, str], int]
    realized_pnl: Mapping[str, float]
    unrealized_pnl: Mapping[str, float]
    balances: Mapping[str, float]
    stats_pnls: Mapping[str, Mapping[str, float]]
    stats_returns: Mapping[str, float]
    positions: Sequence[PositionLine]
    kit_stats: Mapping[str, Mapping[str, Any]]
    elapsed_s: float | None = None
    ticks: int | None = None
    workarounds: Mapping[str, str | None] = attrs.field(factory=dict)


def _strategy_kit_stats(strategy: Any) -> dict[str, Any]:
    """The kit counters a strategy exposes (``exec_kit_stats()`` and its policy's ``stats()``)."""
    out: dict[str, Any] = {}
    getter: Callable[[], Any] | None = getattr(strategy, "exec_kit_stats", None)
    if callable(getter):
        stats = getter()
        out.update(stats if isinstance(stats, Mapping) else attrs.asdict(stats))
    policy_stats: Callable[[], Any] | None = getattr(strategy, "exec_kit_policy_stats", None)
    if callable(policy_stats):
        out["policy"] = dict(policy_stats())
    return out


def summarize(
    cache: Any,
    portfolio: Any,
    strategies: Iterable[Any],
    *,
    tally: OrderTally | None = None,
    venue: Any = None,
    elapsed_s: float | None = None,
    ticks: int | None = None,
    workarounds: Mapping[str, str | None] | None = None,
) -> BacktestReport:
    """Build the report from a Cache, a Portfolio and the strategies (backtest or live).

    ``tally`` defaults to one built from ``cache.orders()``; pass the runner's tally when closed
    orders were purged. Statistics come from ``portfolio.analyzer`` as last calculated (the
    backtest engine calculates them at the end of a run).
    """
    tally = tally if tally is not None else OrderTally.from_orders(cache.orders())
    analyzer = portfolio.analyzer
    realized: dict[str, float] = {}
    unrealized: dict[str, float] = {}
    balances: dict[str, float] = {}
    for account in cache.accounts():
        if venue is not None and account.id.get_issuer() != str(venue):
            continue
        for currency, money in account.balances_total().items():
            balances[currency.code] = money.as_double()
        issuer_venue = account.id.get_issuer()
        for money in (portfolio.unrealized_pnls(_venue(issuer_venue)) or {}).values():
            unrealized[money.currency.code] = money.as_double()
        for money in (portfolio.realized_pnls(_venue(issuer_venue)) or {}).values():
            realized[money.currency.code] = money.as_double()
        for currency in account.balances_total():
            # The analyzer sums every closed round trip; the portfolio's figure only covers the
            # current lifecycle of a reused position ID (e.g. one-way ``-BOTH``).
            if analyzer.realized_pnls(currency) is not None:
                realized[currency.code] = float(analyzer.total_pnl(currency))
    stats_pnls = {
        c.code: _clean(analyzer.get_performance_stats_pnls(c)) for c in analyzer.currencies
    }
    positions = [
        PositionLine(
            position_id=p.id.value,
            side=position_side_to_str(p.side),
            quantity=str(p.quantity),
            avg_px_open=float(p.avg_px_open),
            realized_pnl=str(p.realized_pnl),
            unrealized_pnl=None,
        )
        for p in cache.positions_open()
    ]
    return BacktestReport(
        orders=tally.orders,
        fills=tally.fills,
        orders_by_type_status=dict(tally.by_type_status),
        reasons=dict(tally.reasons),
        realized_pnl=realized,
        unrealized_pnl=unrealized,
        balances=balances,
        stats_pnls=stats_pnls,
        stats_returns=_clean(analyzer.get_performance_stats_returns()),
        positions=positions,
        kit_stats={s.id.value: st for s in strategies if (st := _strategy_kit_stats(s))},
        elapsed_s=elapsed_s,
        ticks=ticks,
        workarounds=dict(workarounds or {}),
    )


def _venue(name: str) -> Any:
    from nautilus_trader.model.identifiers import Venue

    return Venue(name)


def _clean(stats: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in stats.items() if isinstance(v, (int, float))}


def _fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:,.6g}"


def _policy_lines(kit_stats: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The error policy's decisions per code and per action, then its other counters."""
    lines: list[str] = []
    for sid, stats in kit_stats.items():
        policy = stats.get("policy")
        if not policy:
            continue
        lines.append(f"== Error policy ({sid})")
        for group in ("by_code", "by_action", "by_category", "chains"):
            counts = policy.get(group) or {}
            if counts:
                joined = ", ".join(f"{key}={value}" for key, value in counts.items())
                lines.append(f"  {group.replace('_', ' '):<12} {joined}")
        scalars = {k: v for k, v in policy.items() if not isinstance(v, Mapping) and v}
        if scalars:
            lines.append("  counters     " + ", ".join(f"{k}={v}" for k, v in scalars.items()))
    return lines


def format_summary(report: BacktestReport) -> str:
    """The human-readable summary ``exec-kit backtest`` prints (sections in a fixed order)."""
    lines: list[str] = []
    run = f"{report.orders} orders, {report.fills} fills"
    if report.elapsed_s is not None:
        run += f" in {report.elapsed_s:.2f} s"
        if report.orders:
            run += f" ({1e3 * report.elapsed_s / report.orders:.3f} ms/order)"
    if report.ticks is not None:
        run = f"{report.ticks:,} data points, " + run
    lines += ["== Run", f"  {run}"]
    lines.append("== Orders (type / final status)")
    for (otype, status), n in sorted(report.orders_by_type_status.items()):
        lines.append(f"  {otype:<22} {status:<12} {n:>8}")
    if not report.orders_by_type_status:
        lines.append("  none")
    lines.append("== Rejects and denials")
    for (status, reason), n in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {status:<9} {n:>6}  {reason}")
    if not report.reasons:
        lines.append("  none")
    lines.append("== PnL")
    for code, value in sorted(report.realized_pnl.items()):
        lines.append(f"  realized   {value:,.8f} {code}")
    for code, value in sorted(report.unrealized_pnl.items()):
        lines.append(f"  unrealized {value:,.8f} {code}")
    for code, value in sorted(report.balances.items()):
        lines.append(f"  balance    {value:,.8f} {code}")
    lines.append("== Statistics")
    for code, stats in sorted(report.stats_pnls.items()):
        for name, value in stats.items():
            lines.append(f"  {name + ' (' + code + ')':<34} {_fmt(value)}")
    for name, value in report.stats_returns.items():
        lines.append(f"  {name:<34} {_fmt(value)}")
    lines.append("== Positions (open at end)")
    for p in report.positions:
        lines.append(f"  {p.position_id} {p.side} {p.quantity} @ {p.avg_px_open:,.2f}")
    if not report.positions:
        lines.append("  flat")
    if report.kit_stats:
        lines.append("== Kit counters")
        for sid, stats in report.kit_stats.items():
            for name, value in stats.items():
                if name != "policy":
                    lines.append(f"  {sid} {name}: {value}")
        lines += _policy_lines(report.kit_stats)
    disabled = {k: v for k, v in report.workarounds.items() if v}
    if disabled:
        lines.append("== Workarounds disabled (run is correct, may be slower)")
        for name, why in disabled.items():
            lines.append(f"  {name}: {why}")
    return "\n".join(lines)
