"""What a run did, as one value: :class:`BacktestReport`, built by :func:`summarize`.

Why it is built from the Cache and Portfolio (not from ``BacktestEngine``): the live runner has a
Cache, a Portfolio and strategies too, so both paths print the same summary. The order counts come
from an :class:`OrderTally` so a run that purges closed orders from the cache (the kit runner's
linear-cost mode) still counts every order: the runner feeds the tally as orders close, and
:meth:`OrderTally.from_orders` builds one from a cache that kept everything.
"""

from __future__ import annotations

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
    #: commissions paid per currency code (what the venue's fee model charged on fills)
    commissions: Counter[str] = attrs.field(factory=Counter)
    fills: int = 0
    orders: int = 0

    def record(self, order: Order) -> None:
        """Count ``order`` once, in its current status (call when it closes, or at the end)."""
        status = order.status
        self.orders += 1
        self.by_type_status[(order_type_to_str(order.order_type), order_status_to_str(status))] += 1
        self.fills += sum(1 for e in order.events if type(e).__name__ == "OrderFilled")
        for money in order.commissions():
            self.commissions[money.currency.code] += money.as_double()
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
class PnlSplit:
    """Where a currency's PnL came from: ``trading + fees + funding + liquidation_fees`` is the
    realized PnL plus funding, i.e. what the wallet balance moved by (fees and liquidation fees
    are negative when paid; funding is negative when the account paid it)."""

    trading: float
    fees: float
    funding: float
    liquidation_fees: float

    @property
    def total(self) -> float:
        return self.trading + self.fees + self.funding + self.liquidation_fees


@attrs.frozen
class LiquidationLine:
    """One liquidated position (from the venue's perpetual economics)."""

    instrument_id: str
    position_id: str
    side: str
    quantity: str
    mark: float
    liquidation_price: float | None
    clearance_fee: float
    ts: int


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
    #: per currency code: trading / fees / funding / liquidation fees (empty for a live node)
    pnl_split: Mapping[str, PnlSplit] = attrs.field(factory=dict)
    liquidations: Sequence[LiquidationLine] = ()


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
    perpetuals: Any = None,
) -> BacktestReport:
    """Build the report from a Cache, a Portfolio and the strategies (backtest or live).

    ``tally`` defaults to one built from ``cache.orders()``; pass the runner's tally when closed
    orders were purged. Statistics come from ``portfolio.analyzer`` as last calculated (the
    backtest engine calculates them at the end of a run). ``perpetuals`` is the venue's
    :class:`~nautilus_exec_kit.backtest.perpetuals.PerpetualLedger` (funding and liquidations);
    with it the report splits the PnL into trading, fees, funding and liquidation fees.
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
    split, liquidations = _perpetual_lines(tally, perpetuals)
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
        pnl_split=split,
        liquidations=liquidations,
    )


def _perpetual_lines(
    tally: OrderTally, ledger: Any,
) -> tuple[dict[str, PnlSplit], list[LiquidationLine]]:
    """The USDT PnL split and the liquidation lines, each measured on its own: trading from the
    positions' realized PnL (net of commissions, as Nautilus books it) plus the tally's
    commissions, fees from the tally, funding and clearance fees from the ledger."""
    if ledger is None:
        return {}, []
    commissions = tally.commissions.get("USDT", 0.0)
    split = {"USDT": PnlSplit(
        trading=float(ledger.realized_pnl) + commissions,
        fees=-commissions,
        funding=float(ledger.funding_total()),
        liquidation_fees=-float(ledger.clearance_fees()),
    )}
    lines = [
        LiquidationLine(
            instrument_id=liq.instrument_id,
            position_id=liq.position_id,
            side=liq.side,
            quantity=str(liq.quantity),
            mark=float(liq.mark),
            liquidation_price=None if liq.liquidation_price is None else float(
                liq.liquidation_price),
            clearance_fee=float(liq.clearance_fee),
            ts=liq.ts,
        )
        for liq in ledger.liquidations
    ]
    return split, lines


def _venue(name: str) -> Any:
    from nautilus_trader.model.identifiers import Venue

    return Venue(name)


def _clean(stats: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in stats.items() if isinstance(v, (int, float))}


def format_summary(report: BacktestReport) -> str:
    """The human-readable summary ``exec-kit backtest`` prints, as plain text (sections in a
    fixed order, then any other report field; rendered by
    :mod:`nautilus_exec_kit.backtest.report_view` with rich)."""
    from nautilus_exec_kit.backtest.report_view import format_summary as render

    return render(report)
