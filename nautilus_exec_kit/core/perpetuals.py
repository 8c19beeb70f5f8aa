"""Binance USDT-M perpetual economics as plain Decimal math: brackets, funding, liquidation.

Why in the core: a backtest, the sandbox and the live venue must agree on what holding a
perpetual costs. The pinned NautilusTrader 1.231 SimulatedExchange charges no funding and never
liquidates; NautilusTrader 2 liquidates late and lets the balance go negative. So the kit states
Binance's rules once, here, and both the backtest module (:mod:`nautilus_exec_kit.backtest.
perpetuals`) and the sandbox venue call them. Nothing here imports Nautilus.

The rules, as Binance publishes them (USDⓈ-M futures FAQ pages "Leverage and Margin of USDⓈ-M
Futures", "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts", "Introduction to
Binance Futures Funding Rates"):

* **Brackets.** A position's notional ``|qty| x mark`` falls in one tier ``[floor, cap)``; the
  tier gives the maximum initial leverage and the maintenance margin rate ``mmr``. The tier's
  maintenance amount is ``cum_n = cum_(n-1) + floor_n x (mmr_n - mmr_(n-1))``, and the
  maintenance margin is ``notional x mmr - cum``.
* **Funding.** At each funding time every open position pays or receives
  ``position size (signed) x mark price x funding rate``: longs pay shorts when the rate is
  positive. Only positions open at the funding time are charged.
* **Liquidation.** A cross account is liquidated when its margin balance (wallet balance plus
  unrealized PnL of every position) falls to the sum of the positions' maintenance margins; an
  isolated position when its isolated wallet balance plus its unrealized PnL falls to its own
  maintenance margin. The liquidation price of contract 1 (one-way: the ``BOTH`` leg; hedge:
  ``LONG`` and ``SHORT``, which share one price in cross margin) is::

      LP = (WB - TMM1 + UPNL1 + cumB + cumL + cumS
            - Side1BOTH x Position1BOTH x EP1BOTH - Position1LONG x EP1LONG
            + Position1SHORT x EP1SHORT)
           / (Position1BOTH x MMR_B + Position1LONG x MMR_L + Position1SHORT x MMR_S
              - Side1BOTH x Position1BOTH - Position1LONG + Position1SHORT)

  with ``TMM1`` / ``UPNL1`` the maintenance margin and unrealized PnL of every *other* contract
  (both 0 in isolated mode, where ``WB`` is the position's isolated wallet balance). When the
  notional at ``LP`` falls in another tier than the one the rates came from, Binance recomputes
  with that tier's rate and amount; :func:`liquidation_price` iterates to the fixed point.
* **The liquidation itself** (the kit's model, the same in a backtest and the sandbox): the
  venue first cancels the account's open orders (cross: every contract; isolated: that one),
  then closes each liquidated contract in full with a venue order whose client order ID is
  ``autoclose-<ms>`` (Binance's), filled at the mark price that breached, as a taker trade.
* **Clearance fee.** A liquidated position pays the symbol's ``liquidationFee`` (exchangeInfo;
  1.25 % for BTCUSDT at the time of writing) on the liquidated notional, taken from the margin
  that is left, never below zero: an account that would go negative is made whole by the
  insurance fund, so a Binance wallet never shows a negative balance after a liquidation.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import attrs

_ZERO: Final = Decimal(0)
_NS_PER_HOUR: Final = 3_600 * 1_000_000_000


class MarginMode(enum.StrEnum):
    """How a position's margin is held (Binance's ``marginType``)."""

    CROSS = "cross"
    ISOLATED = "isolated"


@attrs.frozen
class Bracket:
    """One notional tier: ``[floor, cap)`` with its max initial leverage and maintenance rate."""

    floor: Decimal = attrs.field(converter=Decimal)
    cap: Decimal = attrs.field(converter=Decimal)
    initial_leverage: int
    maint_margin_ratio: Decimal = attrs.field(converter=Decimal)


#: BTCUSDT's brackets as Binance publishes them (notional USDT, leverage, maintenance rate).
BTCUSDT_BRACKETS: Final[tuple[Bracket, ...]] = tuple(
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

#: BTCUSDT's liquidation clearance fee (exchangeInfo ``liquidationFee``).
BTCUSDT_LIQUIDATION_FEE: Final = Decimal("0.0125")

#: Binance's default funding interval; some symbols settle every 4 h or 1 h (``fundingInfo``).
DEFAULT_FUNDING_INTERVAL_HOURS: Final = 8

#: USDT's precision on Binance and in both Nautilus generations: money amounts are rounded to it.
MONEY_STEP: Final = Decimal("0.00000001")


def brackets_from_binance(rows: Sequence[Mapping[str, Any]]) -> tuple[Bracket, ...]:
    """One symbol's tiers from Binance's ``GET /fapi/v1/leverageBracket`` answer (its
    ``brackets`` list: ``notionalFloor``, ``notionalCap``, ``initialLeverage``,
    ``maintMarginRatio``); the maintenance amounts are derived, as Binance defines them."""
    return tuple(
        Bracket(r["notionalFloor"], r["notionalCap"], int(r["initialLeverage"]),
                Decimal(str(r["maintMarginRatio"])))
        for r in sorted(rows, key=lambda r: Decimal(str(r["notionalFloor"]))))


def brackets_by_symbol(answer: Iterable[Mapping[str, Any]]) -> dict[str, tuple[Bracket, ...]]:
    """Every symbol's tiers from a saved ``leverageBracket`` answer (a list of
    ``{"symbol": ..., "brackets": [...]}``)."""
    return {row["symbol"]: brackets_from_binance(row["brackets"]) for row in answer}


#: id(table) -> (table, its cums): tables are few and long-lived (one per symbol), and hashing a
#: tuple of attrs brackets costs more than the lookup it would save.
_CUMS_BY_ID: dict[int, tuple[tuple[Bracket, ...], tuple[Decimal, ...]]] = {}


def _cums(brackets: tuple[Bracket, ...]) -> tuple[Decimal, ...]:
    hit = _CUMS_BY_ID.get(id(brackets))
    if hit is not None and hit[0] is brackets:
        return hit[1]
    out: list[Decimal] = []
    for i, b in enumerate(brackets):
        prev_cum = out[-1] if out else _ZERO
        prev_mmr = brackets[i - 1].maint_margin_ratio if i else b.maint_margin_ratio
        out.append(prev_cum + b.floor * (b.maint_margin_ratio - prev_mmr))
    _CUMS_BY_ID[id(brackets)] = (brackets, tuple(out))
    return tuple(out)


def cums(brackets: Sequence[Bracket]) -> list[Decimal]:
    """Each tier's maintenance amount: ``cum_n = cum_(n-1) + floor_n x (mmr_n - mmr_(n-1))``
    (computed once per table)."""
    return list(_cums(tuple(brackets)))


def tier(brackets: Sequence[Bracket], notional: Decimal) -> tuple[Bracket, Decimal]:
    """The tier ``|notional|`` falls in, and that tier's maintenance amount (cum)."""
    table = brackets if isinstance(brackets, tuple) else tuple(brackets)
    amounts = _cums(table)
    size = abs(notional)
    for b, cum in zip(table, amounts, strict=True):
        if size < b.cap:
            return b, cum
    return table[-1], amounts[-1]


def maintenance_margin(brackets: Sequence[Bracket], notional: Decimal) -> Decimal:
    """Binance's maintenance margin of a position: ``|notional| x mmr - cum`` of its tier."""
    if not notional:
        return _ZERO
    b, cum = tier(brackets, notional)
    return abs(notional) * b.maint_margin_ratio - cum


def funding_payment(signed_qty: Decimal, mark_price: Decimal, rate: Decimal) -> Decimal:
    """What a position's wallet receives at a funding time (negative: it pays).

    ``signed_qty`` is positive for a long. Longs pay when the rate is positive:

    >>> funding_payment(Decimal("0.5"), Decimal("40000"), Decimal("0.0001"))
    Decimal('-2.00000')
    """
    return -(signed_qty * mark_price * rate)


def funding_times(
    start_ns: int,
    end_ns: int,
    interval_hours: int = DEFAULT_FUNDING_INTERVAL_HOURS,
) -> list[int]:
    """Binance's funding times in ``(start_ns, end_ns]``: every ``interval_hours`` from 00:00
    UTC (8 h: 00:00, 08:00, 16:00)."""
    if interval_hours <= 0 or 24 % interval_hours:
        raise ValueError(f"funding interval must divide 24 hours, got {interval_hours}")
    step = interval_hours * _NS_PER_HOUR
    first = (start_ns // step + 1) * step
    return list(range(first, end_ns + 1, step))


@attrs.frozen
class Leg:
    """One position of a contract, as the liquidation formula reads it: the one-way ``BOTH``
    leg, or a hedge-mode ``LONG`` / ``SHORT`` leg (the formula treats them alike: each is its
    signed quantity at its entry price). ``signed_qty`` is positive for long."""

    signed_qty: Decimal = attrs.field(converter=Decimal)
    entry_price: Decimal = attrs.field(converter=Decimal)

    def notional(self, price: Decimal) -> Decimal:
        return abs(self.signed_qty) * price

    def unrealized_pnl(self, mark_price: Decimal) -> Decimal:
        return self.signed_qty * (mark_price - self.entry_price)


def liquidation_price(
    legs: Iterable[Leg],
    brackets: Sequence[Bracket],
    wallet_balance: Decimal,
    *,
    other_maintenance: Decimal = _ZERO,
    other_unrealized_pnl: Decimal = _ZERO,
) -> Decimal | None:
    """The mark price at which contract 1 is liquidated, or ``None`` when it never is.

    ``legs`` are the contract's positions (one ``BOTH`` leg in one-way mode, ``LONG`` and/or
    ``SHORT`` in hedge mode); ``wallet_balance`` is the cross wallet balance (or, isolated, the
    position's isolated wallet balance with ``other_*`` left at 0). ``None`` means flat, fully
    hedged, or a price at or below zero (Binance's UI shows "--").

    >>> lp = liquidation_price([Leg("1", "50000")], BTCUSDT_BRACKETS, Decimal("2500"))
    >>> round(lp, 2)
    Decimal('47690.76')
    """
    legs = [leg for leg in legs if leg.signed_qty]
    if not legs:
        return None
    # First guess: the rates of the tiers the legs are in at their entry prices.
    price = sum((leg.entry_price for leg in legs), _ZERO) / len(legs)
    seen: set[tuple[int, ...]] = set()
    for _ in range(len(brackets) + 2):
        tiers = [tier(brackets, leg.notional(price)) for leg in legs]
        key = tuple(brackets.index(b) for b, _ in tiers)
        if key in seen:
            break
        seen.add(key)
        numerator = wallet_balance - other_maintenance + other_unrealized_pnl
        denominator = _ZERO
        for leg, (b, cum) in zip(legs, tiers, strict=True):
            qty = abs(leg.signed_qty)
            side = 1 if leg.signed_qty > 0 else -1
            # Side1BOTH x Position1BOTH, Position1LONG and -Position1SHORT are all the signed
            # quantity, so one expression serves the BOTH leg and either hedge leg.
            numerator += cum - side * qty * leg.entry_price
            denominator += qty * b.maint_margin_ratio - side * qty
        if not denominator:
            return None
        new_price = numerator / denominator
        if new_price <= 0:
            return None
        price = new_price
        if [tier(brackets, leg.notional(price))[0] for leg in legs] == [b for b, _ in tiers]:
            break
    return price


@attrs.frozen
class ContractExposure:
    """What an account holds in one contract, at one mark price, for the liquidation check.

    ``isolated_wallet`` is the position's isolated wallet balance in isolated margin mode (its
    initial margin plus what was added and what funding moved), ``None`` in cross mode.
    """

    key: Hashable
    legs: tuple[Leg, ...]
    mark: Decimal
    brackets: tuple[Bracket, ...] = BTCUSDT_BRACKETS
    isolated_wallet: Decimal | None = None

    def unrealized_pnl(self) -> Decimal:
        return sum((leg.unrealized_pnl(self.mark) for leg in self.legs), _ZERO)

    def maintenance(self) -> Decimal:
        return sum(
            (maintenance_margin(self.brackets, leg.notional(self.mark)) for leg in self.legs),
            _ZERO,
        )


def due_liquidations(
    cross_wallet: Decimal,
    contracts: Iterable[ContractExposure],
) -> list[Hashable]:
    """The contracts Binance liquidates now: each isolated one whose own margin has fallen to its
    maintenance margin, and every cross one when the cross margin balance (``cross_wallet``
    plus the cross contracts' unrealized PnL) has fallen to their summed maintenance margin.

    The kit liquidates a breached cross account in full; Binance may stop part-way once the
    account is compliant again, so a backtest errs on the side of the larger loss.
    """
    due: list[Hashable] = []
    cross: list[ContractExposure] = []
    for contract in contracts:
        if contract.isolated_wallet is None:
            cross.append(contract)
        elif is_liquidated(contract.isolated_wallet + contract.unrealized_pnl(),
                           contract.maintenance()):
            due.append(contract.key)
    if cross:
        margin = cross_wallet + sum((c.unrealized_pnl() for c in cross), _ZERO)
        if is_liquidated(margin, sum((c.maintenance() for c in cross), _ZERO)):
            due.extend(c.key for c in cross)
    return due


def is_liquidated(margin: Decimal, maintenance: Decimal) -> bool:
    """Binance liquidates when the margin balance is at or below the maintenance margin of what
    it covers (and there is something to cover)."""
    return maintenance > 0 and margin <= maintenance


def clearance_fee(
    liquidated_notional: Decimal,
    fee_rate: Decimal,
    margin_left: Decimal,
) -> Decimal:
    """The liquidation clearance fee: ``notional x liquidationFee``, taken only from the margin
    left after the close (the insurance fund takes the rest; a wallet never goes negative)."""
    return max(_ZERO, min(liquidated_notional * fee_rate, margin_left))


def insurance_fund_cover(margin_left: Decimal) -> Decimal:
    """What Binance's insurance fund pays in after a liquidation: the loss beyond the margin
    (a close that left the cross wallet, or an isolated position's own margin, below zero), so
    the account never shows a negative balance and an isolated position never costs more than
    its margin."""
    return max(_ZERO, -margin_left)


def liquidation_settlement(
    liquidated_notional: Decimal,
    fee_rate: Decimal,
    margin_left: Decimal,
) -> tuple[Decimal, Decimal]:
    """``(clearance fee, insurance fund cover)`` of one liquidated position whose close left
    ``margin_left``: the fund first brings a negative margin back to zero, then the fee takes
    what is left, at most ``notional x liquidationFee``.

    >>> liquidation_settlement(Decimal(40_000), Decimal("0.0125"), Decimal(-30))
    (Decimal('0'), Decimal('30'))
    """
    cover = insurance_fund_cover(margin_left)
    return clearance_fee(liquidated_notional, fee_rate, margin_left + cover), cover


def liquidation_settlements(
    cross_margin_left: Decimal,
    closes: Iterable[tuple[Decimal, Decimal, Decimal | None]],
) -> list[tuple[Decimal, Decimal]]:
    """``(clearance fee, insurance fund cover)`` of each position one liquidation closed, in
    USDT's precision. ``closes`` are ``(liquidated notional, liquidationFee, isolated margin
    left)``, the last ``None`` for a cross position: cross positions share
    ``cross_margin_left`` (the cross wallet once the positions are closed), each fee taken from
    what the ones before it left; an isolated one pays from its own margin."""
    out = []
    for notional, fee_rate, isolated_left in closes:
        left = cross_margin_left if isolated_left is None else isolated_left
        fee, cover = liquidation_settlement(notional, fee_rate, left)
        fee = fee.quantize(MONEY_STEP)
        if isolated_left is None:
            cross_margin_left = left + cover - fee
        out.append((fee, cover))
    return out


def isolated_wallet(leg: Leg, leverage: Decimal, funding: Decimal = _ZERO) -> Decimal:
    """Binance's isolated wallet balance of a position: the margin it was opened with at the
    symbol's leverage (``|qty| x entry / leverage``), moved by the funding it paid or received
    since."""
    return abs(leg.signed_qty) * leg.entry_price / leverage + funding


def margin_headroom(cross_wallet: Decimal, contracts: Iterable[ContractExposure]) -> Decimal:
    """How much the marks can still cost before a liquidation: the smallest of the cross margin
    balance minus the cross maintenance margin and, per isolated contract, its margin minus its
    maintenance (0 when nothing is held). :func:`due_liquidations` is the verdict; this is what
    a venue's cheap between-checks bound counts down from."""
    cross = [c for c in contracts if c.isolated_wallet is None]
    margins = [cross_wallet + sum((c.unrealized_pnl() - c.maintenance() for c in cross), _ZERO)
               ] if cross else []
    margins += [c.isolated_wallet + c.unrealized_pnl() - c.maintenance()
                for c in contracts if c.isolated_wallet is not None]
    return min(margins, default=_ZERO)


#: Binance's client order ID prefix of a liquidation close (``autoclose-<ms>``).
AUTOCLOSE_PREFIX: Final = "autoclose-"


def autoclose_client_order_id(ts_ns: int, taken: Callable[[str], bool]) -> str:
    """Binance's ``autoclose-<ms>`` ID of a liquidation close at ``ts_ns``; a second one in the
    same millisecond gets a ``-2``, ``-3``... suffix (``taken`` says whether an ID is in use)."""
    base = f"{AUTOCLOSE_PREFIX}{ts_ns // 1_000_000}"
    n = 1
    while taken(base if n == 1 else f"{base}-{n}"):
        n += 1
    return base if n == 1 else f"{base}-{n}"


__all__ = [
    "AUTOCLOSE_PREFIX",
    "BTCUSDT_BRACKETS",
    "BTCUSDT_LIQUIDATION_FEE",
    "DEFAULT_FUNDING_INTERVAL_HOURS",
    "MONEY_STEP",
    "Bracket",
    "ContractExposure",
    "Leg",
    "MarginMode",
    "autoclose_client_order_id",
    "brackets_by_symbol",
    "brackets_from_binance",
    "clearance_fee",
    "cums",
    "due_liquidations",
    "funding_payment",
    "funding_times",
    "insurance_fund_cover",
    "is_liquidated",
    "isolated_wallet",
    "liquidation_price",
    "liquidation_settlement",
    "liquidation_settlements",
    "maintenance_margin",
    "margin_headroom",
    "tier",
]
