"""Binance's leverage brackets (notional tiers with max leverage and maintenance margin), as data.

``GET /fapi/v1/leverageBracket`` answers them and positionRisk's ``maintMargin`` uses them. The
default table is BTCUSDT's as Binance publishes it; ``cum`` (the maintenance amount) is derived
the way Binance defines it, so the tiers stay consistent when one is edited.
"""

from __future__ import annotations

from decimal import Decimal

import attrs


@attrs.frozen
class Bracket:
    """One notional tier: [floor, cap) with its max leverage and maintenance margin ratio."""

    floor: Decimal = attrs.field(converter=Decimal)
    cap: Decimal = attrs.field(converter=Decimal)
    initial_leverage: int
    maint_margin_ratio: Decimal = attrs.field(converter=Decimal)


#: BTCUSDT's brackets (notional USDT, leverage, maintenance margin ratio).
BTCUSDT_BRACKETS: tuple[Bracket, ...] = tuple(
    Bracket(floor, cap, lev, mmr) for floor, cap, lev, mmr in (
        (0, 50_000, 125, "0.004"),
        (50_000, 600_000, 100, "0.005"),
        (600_000, 3_000_000, 75, "0.0065"),
        (3_000_000, 12_000_000, 50, "0.01"),
        (12_000_000, 70_000_000, 25, "0.02"),
        (70_000_000, 100_000_000, 20, "0.025"),
        (100_000_000, 230_000_000, 10, "0.05"),
        (230_000_000, 480_000_000, 5, "0.1"),
        (480_000_000, 600_000_000, 4, "0.125"),
        (600_000_000, 800_000_000, 3, "0.15"),
        (800_000_000, 1_200_000_000, 2, "0.25"),
        (1_200_000_000, 1_800_000_000, 1, "0.5"),
    )
)


def cums(brackets: tuple[Bracket, ...]) -> list[Decimal]:
    """Each tier's maintenance amount: cum_n = cum_(n-1) + floor_n x (mmr_n - mmr_(n-1))."""
    out: list[Decimal] = []
    for i, b in enumerate(brackets):
        prev_cum = out[-1] if out else Decimal(0)
        prev_mmr = brackets[i - 1].maint_margin_ratio if i else b.maint_margin_ratio
        out.append(prev_cum + b.floor * (b.maint_margin_ratio - prev_mmr))
    return out


def tier(brackets: tuple[Bracket, ...], notional: Decimal) -> tuple[Bracket, Decimal]:
    """The tier ``notional`` (absolute) falls in, and its cum."""
    amounts = cums(brackets)
    for b, cum in zip(brackets, amounts, strict=True):
        if abs(notional) < b.cap:
            return b, cum
    return brackets[-1], amounts[-1]


def maint_margin(brackets: tuple[Bracket, ...], notional: Decimal) -> Decimal:
    """Binance's maintenance margin of a position: |notional| x mmr - cum."""
    b, cum = tier(brackets, notional)
    return abs(notional) * b.maint_margin_ratio - cum


def rows(symbol: str, brackets: tuple[Bracket, ...]) -> dict[str, object]:
    """One symbol's ``leverageBracket`` answer."""
    return {"symbol": symbol, "notionalCoef": 1.0, "brackets": [
        {"bracket": i + 1, "initialLeverage": b.initial_leverage, "notionalCap": int(b.cap),
         "notionalFloor": int(b.floor), "maintMarginRatio": float(b.maint_margin_ratio),
         "cum": int(cum) if cum == int(cum) else float(cum)}
        for i, (b, cum) in enumerate(zip(brackets, cums(brackets), strict=True))
    ]}
