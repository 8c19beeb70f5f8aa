"""The summary: rich tables, plain text off a terminal, and any report field shown."""

from __future__ import annotations

import attrs
from rich.console import Console

from nautilus_exec_kit.backtest.report_view import format_summary, print_summary
from nautilus_exec_kit.backtest.summary import BacktestReport, PositionLine

REPORT = BacktestReport(
    orders=3,
    fills=2,
    orders_by_type_status={("MARKET", "FILLED"): 2, ("LIMIT", "REJECTED"): 1},
    reasons={("REJECTED", "-2019 Margin is insufficient."): 1},
    realized_pnl={"USDT": 12.5},
    unrealized_pnl={"USDT": -0.0},
    balances={"USDT": 10_012.5},
    stats_pnls={"USDT": {"PnL (total)": 12.5, "Win Rate": float("nan")}},
    stats_returns={"Sharpe Ratio (252 days)": 1.25},
    positions=[PositionLine("BTCUSDT-PERP.BINANCE-BOTH", "LONG", "0.010", 42_000.0, "0", None)],
    kit_stats={"S-000": {"submit.MARKET": 2, "policy": {"by_code": {"-2019": 1}, "sent": 3}}},
    elapsed_s=0.5,
    ticks=1_000,
    workarounds={"linear_analyzer": "nautilus_trader changed", "gc_freeze": None},
)


def test_plain_text_has_every_section_and_no_escape_codes() -> None:
    text = format_summary(REPORT)
    assert "\x1b[" not in text
    assert text.splitlines()[0] == (
        "Run 1,000 data points, 3 orders, 2 fills in 0.50 s (166.667 ms/order)"
    )
    for expected in (
        "Orders", "MARKET   FILLED", "LIMIT    REJECTED", "Rejects and denials",
        "-2019 Margin is insufficient.", "realized", "12.50000000", "10,012.50000000",
        "Statistics", "PnL (total) (USDT)", "Sharpe Ratio (252 days)", "Positions (open at end)",
        "BTCUSDT-PERP.BINANCE-BOTH", "Kit counters", "submit.MARKET", "Error policy (S-000)",
        "by code", "-2019=1", "sent=3", "linear_analyzer", "nautilus_trader changed",
    ):
        assert expected in text, expected
    assert "-0.00000000" not in text and "gc_freeze" not in text
    assert all(line == line.rstrip() for line in text.splitlines())


def test_a_terminal_gets_colour() -> None:
    console = Console(force_terminal=True, color_system="standard", width=100, record=True)
    print_summary(REPORT, console)
    assert "\x1b[1m" in console.export_text(styles=True)


@attrs.frozen
class _Fee:
    venue: str
    amount: float


@attrs.frozen
class ExtendedReport(BacktestReport):
    """A report that grew fields this renderer has never heard of."""

    fee_lines: tuple[_Fee, ...] = ()
    venue_notes: dict[str, str] = attrs.field(factory=dict)
    data_source: str = ""


def test_new_report_fields_show_up_by_shape() -> None:
    extended = ExtendedReport(
        **attrs.asdict(REPORT, recurse=False),
        fee_lines=(_Fee("BINANCE", 1.5), _Fee("BINANCE", 2.25)),
        venue_notes={"funding": "charged"},
        data_source="catalog/",
    )
    text = format_summary(extended)
    assert "Fee lines" in text and "venue" in text and "2.25" in text
    assert "Venue notes" in text and "charged" in text
    assert "Data source catalog/" in text
