"""What a simulated perpetual venue keeps between steps, as plain values: each perpetual's terms,
the funding schedule, the account's exposures and the ledger of what funding and liquidations did.

Why in the core: both bindings' backtest venues (NautilusTrader 1.231's
:class:`~nautilus_exec_kit.backtest.perpetuals.PerpetualEconomics` and NautilusTrader 2's
:class:`~nautilus_exec_kit.v2.perpetuals.PerpetualEconomics`) charge Binance's funding on the
same schedule and liquidate on the same exposures; only how they read positions and move the
account differs. The rules themselves are :mod:`nautilus_exec_kit.core.perpetuals`.

* :class:`FundingSchedule` says when each perpetual's funding is due and at which rate:
  a settlement record (Binance's ``fundingRate`` history, Binance Vision ``fundingRate`` files:
  no ``next_funding_ns``) is charged when it arrives, a live estimate at its
  ``next_funding_ns``, and without either the terms' constant rate on Binance's schedule (every
  ``funding_interval_hours`` from 00:00 UTC). Without any rate it counts the funding times a
  position was held, so a run can say what its PnL leaves out.
* :func:`funding_charges` is one funding time's payments, one per open position.
* :func:`account_exposures` turns the account's positions into the
  :class:`~nautilus_exec_kit.core.perpetuals.ContractExposure` values ``due_liquidations``
  reads: one per cross contract, one per isolated position on its own wallet.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final

import attrs

from nautilus_exec_kit.core.perpetuals import (
    BTCUSDT_BRACKETS,
    BTCUSDT_LIQUIDATION_FEE,
    DEFAULT_FUNDING_INTERVAL_HOURS,
    MONEY_STEP,
    Bracket,
    ContractExposure,
    Leg,
    MarginMode,
    funding_payment,
    funding_times,
    isolated_wallet,
)

_ZERO: Final = Decimal(0)
_NS_PER_HOUR: Final = 3_600 * 1_000_000_000
#: ``next_due`` when nothing is scheduled.
NEVER: Final = 2**63


@attrs.frozen
class PerpetualTerms:
    """One perpetual's terms on the venue (exchangeInfo / leverageBracket / fundingInfo).

    ``funding_rate`` is charged on the schedule when the run has no ``FundingRateUpdate`` data
    for the instrument (``None``: no funding without data). ``margin_mode`` is Binance's
    ``marginType`` for the symbol.
    """

    brackets: tuple[Bracket, ...] = BTCUSDT_BRACKETS
    liquidation_fee: Decimal = attrs.field(default=BTCUSDT_LIQUIDATION_FEE, converter=Decimal)
    funding_interval_hours: int = DEFAULT_FUNDING_INTERVAL_HOURS
    funding_rate: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(Decimal))
    margin_mode: MarginMode = MarginMode.CROSS


@attrs.frozen
class FundingCharge:
    """One position's funding at one funding time (``amount`` > 0: the account received)."""

    ts: int
    instrument_id: str
    position_id: str
    signed_qty: Decimal
    mark: Decimal
    rate: Decimal
    amount: Decimal


@attrs.frozen
class Liquidation:
    """One liquidated position: where it was closed and what the clearance fee took.

    ``mark`` is the mark that breached (the step Binance's rule liquidates at), ``fill_price``
    what the close filled at; ``insurance_cover`` what the insurance fund paid in because the
    close left less than nothing (the wallet never goes negative).
    """

    ts: int
    instrument_id: str
    position_id: str
    client_order_id: str
    side: str
    quantity: Decimal
    mark: Decimal
    fill_price: Decimal
    liquidation_price: Decimal | None
    clearance_fee: Decimal
    insurance_cover: Decimal = _ZERO


@attrs.define
class PerpetualLedger:
    """What funding and liquidations did to the account over a run (a summary reads it)."""

    funding: list[FundingCharge] = attrs.field(factory=list)
    liquidations: list[Liquidation] = attrs.field(factory=list)

    def funding_total(self) -> Decimal:
        return sum((c.amount for c in self.funding), _ZERO)

    def clearance_fees(self) -> Decimal:
        return sum((liq.clearance_fee for liq in self.liquidations), _ZERO)

    def insurance_cover(self) -> Decimal:
        """What the insurance fund paid in after liquidations that left the margin negative."""
        return sum((liq.insurance_cover for liq in self.liquidations), _ZERO)


@attrs.frozen
class FundingDue[K: Hashable]:
    """One funding time of one instrument (``K``: as the binding names it, a Nautilus
    ``InstrumentId`` or a symbol), and the rate to charge at it."""

    instrument: K
    ts: int
    rate: Decimal


class FundingSchedule[K: Hashable]:
    """When each perpetual pays funding, and at which rate (see the module docstring).

    A venue calls :meth:`due` at each step (it starts the schedule on the first call) and
    :meth:`on_rate` for each ``FundingRateUpdate``, and charges what they return; ``next_due``
    is the earliest time anything can fall due, so a step before it costs one comparison.
    """

    __slots__ = ("_estimates", "_scheduled", "_started", "_terms_of", "_unfunded",
                 "_with_rate_data", "next_due")

    def __init__(self, terms_of: Callable[[K], PerpetualTerms]) -> None:
        self._terms_of = terms_of
        self._scheduled: dict[K, int] = {}  # next time on the constant-rate schedule
        self._estimates: dict[K, tuple[int, Decimal]] = {}  # next_funding_ns, rate
        self._with_rate_data: set[K] = set()
        self._unfunded: dict[K, int] = {}
        self._started = False
        self.next_due = 0  # the first step starts the schedule

    def reset(self) -> None:
        self._scheduled.clear()
        self._estimates.clear()
        self._with_rate_data.clear()
        self._unfunded.clear()
        self._started = False
        self.next_due = 0

    def on_rate(
        self, instrument: K, ts_event: int, rate: Decimal, next_funding_ns: int | None,
    ) -> FundingDue[K] | None:
        """A ``FundingRateUpdate`` arrived: a settlement record is due now (returned), an
        estimate is kept for its ``next_funding_ns``. Either replaces the constant rate."""
        self._with_rate_data.add(instrument)
        due = None
        if next_funding_ns:
            self._estimates[instrument] = (next_funding_ns, rate)
        else:
            due = FundingDue(instrument, ts_event, rate)
        self._update_next_due()
        return due

    def due(
        self, ts_now: int, instruments: Iterable[K], held: Callable[[K], bool],
    ) -> list[FundingDue[K]]:
        """What falls due by ``ts_now`` (scheduled times first, then estimates). The first call
        starts every instrument's schedule after ``ts_now`` and returns nothing; ``held`` says
        whether an instrument has open positions (a due time without any rate is counted)."""
        if not self._started:
            self._started = True
            for instrument in instruments:
                self._scheduled[instrument] = self._next_time(instrument, ts_now)
            self._update_next_due()
            return []
        out: list[FundingDue[K]] = []
        for instrument, when in list(self._scheduled.items()):
            if instrument in self._with_rate_data:
                continue
            rate = self._terms_of(instrument).funding_rate
            while when <= ts_now:
                if rate is not None:
                    out.append(FundingDue(instrument, when, rate))
                elif held(instrument):
                    self._unfunded[instrument] = self._unfunded.get(instrument, 0) + 1
                when = self._next_time(instrument, when)
            self._scheduled[instrument] = when
        for instrument, (when, rate) in list(self._estimates.items()):
            if when <= ts_now:
                out.append(FundingDue(instrument, when, rate))
                del self._estimates[instrument]
        self._update_next_due()
        return out

    def unfunded(self) -> dict[K, int]:
        """Instruments held across funding times the run had no rate for (no data, no constant
        rate), with how many: their funding was not charged."""
        return {i: n for i, n in self._unfunded.items() if i not in self._with_rate_data}

    def _next_time(self, instrument: K, after_ns: int) -> int:
        hours = self._terms_of(instrument).funding_interval_hours
        return funding_times(after_ns, after_ns + hours * _NS_PER_HOUR, hours)[0]

    def _update_next_due(self) -> None:
        times = [t for i, t in self._scheduled.items() if i not in self._with_rate_data]
        times += [t for t, _ in self._estimates.values()]
        self.next_due = min(times, default=NEVER)


def funding_charges[K: Hashable](
    due: FundingDue[K],
    instrument_id: str,
    positions: Iterable[tuple[str, Decimal]],
    mark: Decimal,
) -> list[FundingCharge]:
    """One funding time's payments: each open position (``(position ID, signed quantity)``)
    pays or receives ``size x mark x rate``, in USDT's precision; a zero payment is left out."""
    out = []
    for position_id, signed_qty in positions:
        amount = funding_payment(signed_qty, mark, due.rate).quantize(MONEY_STEP)
        if amount:
            out.append(FundingCharge(
                due.ts, instrument_id, position_id, signed_qty, mark, due.rate, amount))
    return out


def account_exposures[K: Hashable](
    wallet: Decimal,
    held: Mapping[K, Sequence[tuple[Hashable, Leg]]],
    mark_of: Callable[[K], Decimal | None],
    terms_of: Callable[[K], PerpetualTerms],
    leverage_of: Callable[[K], Decimal],
    isolated_funding: Mapping[tuple[K, Hashable], Decimal],
) -> tuple[Decimal, list[ContractExposure]]:
    """The cross wallet and every contract's exposure at its mark, for ``due_liquidations``.

    ``held`` maps each instrument to its open positions (``(position key, leg)``). A cross
    instrument is one contract keyed ``(instrument, None)``; in isolated margin each position is
    its own, keyed ``(instrument, position key)``, on its isolated wallet (the margin it was
    opened with at the instrument's leverage plus its ``isolated_funding``), which the cross
    wallet does not hold. An instrument without a mark is left out.
    """
    contracts: list[ContractExposure] = []
    for instrument, positions in held.items():
        mark = mark_of(instrument)
        if mark is None or not positions:
            continue
        terms = terms_of(instrument)
        if terms.margin_mode is MarginMode.ISOLATED:
            leverage = leverage_of(instrument)
            for key, leg in positions:
                iso = isolated_wallet(
                    leg, leverage, isolated_funding.get((instrument, key), _ZERO))
                wallet -= iso
                contracts.append(ContractExposure(
                    (instrument, key), (leg,), mark, terms.brackets, iso))
        else:
            contracts.append(ContractExposure(
                (instrument, None), tuple(leg for _, leg in positions), mark, terms.brackets))
    return wallet, contracts


__all__ = [
    "NEVER",
    "FundingCharge",
    "FundingDue",
    "FundingSchedule",
    "Liquidation",
    "PerpetualLedger",
    "PerpetualTerms",
    "account_exposures",
    "funding_charges",
]
