"""How a :class:`~nautilus_exec_kit.backtest.summary.BacktestReport` looks: rich tables.

Why rich: the summary is read in a terminal (colour, aligned columns) and in logs and pipes
(plain text); rich renders both from one description and drops the styling when its console is
not a terminal. :func:`format_summary` renders to text (the live runner's log line, tests);
:func:`print_summary` prints to a console.

Why generic: the report grows (PnL split, liquidations, ...). Each field is rendered by what it
*is*: the known sections first, then any other field by shape (a mapping becomes a key/value
table, a sequence of records a table with one column per record field, a scalar a line of the
run section), so a new field shows up without a change here.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from nautilus_exec_kit.backtest.summary import BacktestReport
from nautilus_exec_kit.data.timestamps import iso

#: report fields shown in the run line (the rest have sections).
_RUN_FIELDS: Final = frozenset({"ticks", "orders", "fills", "elapsed_s"})


def summary_renderables(report: BacktestReport) -> list[RenderableType]:
    """The summary as rich renderables, sections in a fixed order, then any other field."""
    shown = set(_RUN_FIELDS)
    parts: list[RenderableType] = [_run(report)]
    for fields, render in _SECTIONS:
        shown |= fields
        parts.extend(render(report))
    for field in attrs.fields(type(report)):
        if field.name not in shown:
            parts.extend(_generic(field.name, getattr(report, field.name)))
    return parts


def format_summary(report: BacktestReport, width: int = 100) -> str:
    """The summary as plain text (no colour, no trailing spaces)."""
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    print_summary(report, console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def print_summary(report: BacktestReport, console: Console | None = None) -> None:
    """Print the summary to ``console`` (default: stdout; styled only on a terminal)."""
    parts = summary_renderables(report)
    spaced = [item for part in parts for item in (part, Text(""))][:-1]
    (console or Console()).print(Group(*spaced))


# -- sections -------------------------------------------------------------------------------------


def _run(report: BacktestReport) -> Text:
    parts = []
    if report.ticks is not None:
        parts.append(f"{report.ticks:,} data points")
    parts.append(f"{report.orders:,} orders, {report.fills:,} fills")
    if report.elapsed_s is not None:
        timing = f"in {report.elapsed_s:.2f} s"
        if report.orders:
            timing += f" ({1e3 * report.elapsed_s / report.orders:.3f} ms/order)"
        parts[-1] += f" {timing}"
    return Text.assemble(("Run ", "bold"), ", ".join(parts))


def _table(title: str, *columns: str, numeric_from: int = 1) -> Table:
    table = Table(
        title=title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False
    )
    for index, column in enumerate(columns):
        table.add_column(column, justify="right" if index >= numeric_from else "left")
    return table


def _orders(report: BacktestReport) -> list[RenderableType]:
    table = _table("Orders", "type", "final status", "count", numeric_from=2)
    for (otype, status), n in sorted(report.orders_by_type_status.items()):
        table.add_row(otype, status, f"{n:,}")
    return [table if report.orders_by_type_status else _none("Orders")]


def _rejects(report: BacktestReport) -> list[RenderableType]:
    if not report.reasons:
        return [_none("Rejects and denials")]
    table = _table("Rejects and denials", "status", "count", "reason", numeric_from=1)
    table.columns[2].justify = "left"
    for (status, reason), n in sorted(report.reasons.items(), key=lambda kv: -kv[1]):
        table.add_row(status, f"{n:,}", reason)
    return [table]


def _pnl(report: BacktestReport) -> list[RenderableType]:
    """One row per figure, one column per currency: realized, unrealized, balance, then the
    split of each currency's PnL (whatever fields the split has)."""
    rows: dict[str, dict[str, Any]] = {}
    for label, per_currency in (
        ("realized", report.realized_pnl),
        ("unrealized", report.unrealized_pnl),
        ("balance", report.balances),
    ):
        for code, value in per_currency.items():
            rows.setdefault(label, {})[code] = value
    for code, split in getattr(report, "pnl_split", {}).items():
        for name, value in _record_items(split):
            rows.setdefault(name.replace("_", " "), {})[code] = value
    currencies = sorted({code for row in rows.values() for code in row})
    table = _table("PnL", "", *currencies)
    for label, values in rows.items():
        table.add_row(label, *(_money(values.get(code)) for code in currencies))
    return [table if rows else _none("PnL")]


def _statistics(report: BacktestReport) -> list[RenderableType]:
    table = _table("Statistics", "statistic", "value")
    for code, stats in sorted(report.stats_pnls.items()):
        for name, value in stats.items():
            table.add_row(f"{name} ({code})", _stat(value))
    for name, value in report.stats_returns.items():
        table.add_row(name, _stat(value))
    return [table if table.row_count else _none("Statistics")]


def _positions(report: BacktestReport) -> list[RenderableType]:
    if not report.positions:
        return [Text.assemble(("Positions (open at end) ", "bold"), "flat")]
    return [_records("Positions (open at end)", report.positions)]


def _kit(report: BacktestReport) -> list[RenderableType]:
    if not report.kit_stats:
        return []
    counters = _table("Kit counters", "strategy", "counter", "value", numeric_from=2)
    policies: list[RenderableType] = []
    for sid, stats in report.kit_stats.items():
        for name, value in stats.items():
            if name != "policy":
                counters.add_row(sid, name, _cell(value))
        policy = stats.get("policy")
        if policy:
            policies.append(_policy(sid, policy))
    return [counters, *policies]


def _policy(sid: str, policy: Mapping[str, Any]) -> Table:
    """The error policy's decisions per code, action, category and chain, then its counters."""
    table = _table(f"Error policy ({sid})", "", "counts")
    table.columns[1].justify = "left"
    for group in ("by_code", "by_action", "by_category", "chains"):
        counts = policy.get(group) or {}
        if counts:
            joined = ", ".join(f"{key}={value}" for key, value in counts.items())
            table.add_row(group.replace("_", " "), joined)
    scalars = {k: v for k, v in policy.items() if not isinstance(v, Mapping) and v}
    if scalars:
        table.add_row("counters", ", ".join(f"{k}={v}" for k, v in scalars.items()))
    return table


def _workarounds(report: BacktestReport) -> list[RenderableType]:
    disabled = {k: v for k, v in report.workarounds.items() if v}
    if not disabled:
        return []
    table = _table("Workarounds disabled (run is correct, may be slower)", "workaround", "why")
    table.columns[1].justify = "left"
    for name, why in disabled.items():
        table.add_row(name, str(why))
    return [table]


def _liquidations(report: BacktestReport) -> list[RenderableType]:
    liquidations = getattr(report, "liquidations", ())
    if not liquidations:
        return [_none("Liquidations")] if getattr(report, "pnl_split", None) else []
    return [_records("Liquidations", liquidations)]


#: (report fields a section shows, the section), in display order.
_SECTIONS: Final[tuple[tuple[frozenset[str], Callable[[BacktestReport], list[Any]]], ...]] = (
    (frozenset({"orders_by_type_status"}), _orders),
    (frozenset({"reasons"}), _rejects),
    (frozenset({"realized_pnl", "unrealized_pnl", "balances", "pnl_split"}), _pnl),
    (frozenset({"liquidations"}), _liquidations),
    (frozenset({"stats_pnls", "stats_returns"}), _statistics),
    (frozenset({"positions"}), _positions),
    (frozenset({"kit_stats"}), _kit),
    (frozenset({"workarounds"}), _workarounds),
)


# -- any other field, by shape ---------------------------------------------------------------------


def _generic(name: str, value: Any) -> list[RenderableType]:
    title = name.replace("_", " ").capitalize()
    if value is None or (isinstance(value, (Mapping, list, tuple)) and not value):
        return []
    if isinstance(value, Mapping):
        table = _table(title, "", "value")
        for key, item in value.items():
            table.add_row(str(key), _cell(item))
        return [table]
    if isinstance(value, (list, tuple)):
        if all(attrs.has(type(item)) for item in value):
            return [_records(title, value)]
        return [Text.assemble((f"{title} ", "bold"), ", ".join(_cell(v) for v in value))]
    return [Text.assemble((f"{title} ", "bold"), _cell(value))]


def _records(title: str, records: Sequence[Any]) -> Table:
    """A table with one row per attrs record and one column per field."""
    names = [name for name, _ in _record_items(records[0])]
    table = _table(title, *(n.replace("_", " ") for n in names))
    for record in records:
        table.add_row(
            *(iso(v) if _is_time(n, v) else _cell(v) for n, v in _record_items(record))
        )
    return table


def _is_time(name: str, value: Any) -> bool:
    """A field holding epoch nanoseconds (``ts``, ``ts_event``, ...): shown as UTC time."""
    return (name == "ts" or name.startswith("ts_")) and isinstance(value, int)


def _record_items(record: Any) -> Iterable[tuple[str, Any]]:
    """An attrs record's fields, plus its ``total`` when it has one (e.g. a PnL split)."""
    items = [(f.name, getattr(record, f.name)) for f in attrs.fields(type(record))]
    if hasattr(record, "total") and "total" not in dict(items):
        items.append(("total", record.total))
    return items


# -- cells -----------------------------------------------------------------------------------------


def _none(title: str) -> Text:
    return Text.assemble((f"{title} ", "bold"), "none")


def _money(value: Any) -> str:
    return "" if value is None else f"{float(value) + 0.0:,.8f}"  # + 0.0: no "-0.00000000"


def _stat(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:,.6g}"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return _stat(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


__all__ = ["format_summary", "print_summary", "summary_renderables"]
