"""Funding, mark price and liquidation on the kit's v2 backtest venue (NautilusTrader 2.0.0rc6),
as Binance charges them.

What rc6's own ``SimulatedExchange`` does (measured for issue 13, docs/perpetuals.md):

* **Funding** is settled from ``FundingRateUpdate`` data only: a live estimate at its
  ``next_funding_ns``, a settlement record only when it carries ``interval`` and its
  ``ts_event`` falls exactly on an interval boundary. A record a few milliseconds off the
  boundary (Binance's ``fundingTime`` often is), or without ``interval``, is never charged,
  and there is no schedule for a constant rate. What it charges uses the formula Binance uses
  (``size x mark x rate``, at the cache's mark, else the quote mid on the tick grid).
* **Liquidation** (``liquidation_enabled``) compares the account's equity with one
  ``liquidation_trigger_ratio`` times v2's own maintenance margin (the instrument's
  ``margin_maint`` over the leverage, at the entry price), not Binance's tiered one, so it
  fires late (a 1 BTC long at 20x: 130 USDT below Binance's liquidation price); it closes at the
  book, takes no clearance fee and leaves a negative balance after a gap.

So this module does what v1's :class:`~nautilus_exec_kit.backtest.perpetuals.PerpetualEconomics`
does, with v2's seams. Every rule is the core's (:mod:`nautilus_exec_kit.core.perpetuals`,
:mod:`nautilus_exec_kit.core.perpetual_venue`):

* **Funding.** Settlement records, estimates or the terms' constant rate on Binance's schedule
  (the core's :class:`FundingSchedule`), charged on the positions open at the funding time at
  the mark known then, as one account adjustment per step. Whatever v2 settled by itself
  (its ``PositionAdjusted`` funding events) is offset in the same adjustment, so the wallet
  moves by Binance's amount exactly once; where v2 charged the same amount the offset and the
  charge cancel (the ledger keeps both: ``funding`` and ``venue_funding``).
* **Liquidation** at Binance's point: after every time step, the core's ``due_liquidations``
  (cross on the account, isolated per position, tiered maintenance margin at the mark). A
  module cannot trade in v2 (the cache is borrowed while it runs), so the module hands the
  closes to :class:`VenueDesk`, a strategy registered as ``EXTERNAL`` (the owner v2 gives a live
  venue's own orders), which cancels the open orders (every instrument's in cross, the
  instrument's in isolated) and sends one reduce-only market order per position, client order
  ID ``autoclose-<ms>`` (Binance's), booked to the strategy's own position, on a time alert
  1 ns after the breaching step: the close fills against the book of that step.
* **Clearance fee and insurance fund.** Once a close has filled, the clearance fee
  (``liquidationFee``) comes out of the margin left, and the insurance fund pays in what the
  close left below zero (``liquidation_settlements``): the wallet never goes negative.
* **Risk event.** The close is a risk order the kit's v2 strategies recognise: their
  ``on_risk_event(LIQUIDATION)`` fires when the fill closes their position
  (:mod:`nautilus_exec_kit.v2.risk_events`).

What remains different from Binance: the close fills at the book of the breaching step (the
best bid for a long), not at the mark, 1 ns later; mark-price triggers (``STOP_MARKET`` with
``trigger_type=MARK_PRICE``) still trigger on the contract price (v2's matching engine has no
mark-price trigger and no seam to hold an order for one).

Cost: v2 calls a Python module twice a time step (``pre_process`` per datum, ``process``); with
no open position and nothing due each returns after a few comparisons. With positions, each
step reads them and the marks that moved; the exact (Decimal) check runs only when a position
changed or a mark left the band the account's headroom allows (a sound bound: the margin over
the maintenance margin moves by at most ``|qty| x |mark - anchor| x 1.5``, whatever the path).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, cast

import attrs
from nautilus_trader import model as nt
from nautilus_trader.backtest import SimulationModule
from nautilus_trader.trading import Strategy, StrategyConfig

from nautilus_exec_kit.core.perpetual_venue import (
    NEVER,
    FundingDue,
    FundingSchedule,
    Liquidation,
    PerpetualTerms,
    account_exposures,
    funding_charges,
)
from nautilus_exec_kit.core.perpetual_venue import PerpetualLedger as _PerpetualLedger
from nautilus_exec_kit.core.perpetuals import (
    MONEY_STEP,
    ContractExposure,
    Leg,
    autoclose_client_order_id,
    due_liquidations,
    liquidation_price,
    liquidation_settlements,
    margin_headroom,
)
from nautilus_exec_kit.v2.risk_events import EXTERNAL

USDT: Final = nt.Currency.from_str("USDT")
_ZERO: Final = Decimal(0)

#: Market data the venue routes, and its price as the mark's stand-in.
_QUOTE: Final = nt.QuoteTick
_TRADE: Final = nt.TradeTick
_BAR: Final = nt.Bar
_MARKET_DATA_PRICE: Final[dict[type, Callable[[Any], Decimal]]] = {
    nt.QuoteTick: lambda q: (q.bid_price.as_decimal() + q.ask_price.as_decimal()) / 2,
    nt.TradeTick: lambda t: t.price.as_decimal(),
    nt.Bar: lambda b: b.close.as_decimal(),
}
#: The same as floats, and a mark price's, for the cheap bound between exact checks.
_MARK_FLOAT: Final[dict[type, Callable[[Any], float]]] = {
    nt.QuoteTick: lambda q: (q.bid_price.as_double() + q.ask_price.as_double()) / 2,
    nt.TradeTick: lambda t: t.price.as_double(),
    nt.Bar: lambda b: b.close.as_double(),
    nt.MarkPriceUpdate: lambda m: m.value.as_double(),
}
#: The band that forces the exact check at the next step.
_CHECK_NOW: Final = -1.0
#: A position as the module keys it: its ID and when it opened (a ``-BOTH`` ID is reused).
PositionKey = tuple[Any, int]


@attrs.frozen
class VenueFunding:
    """A funding payment v2's own venue booked (a ``PositionAdjusted`` funding event), which
    the module offset so that only Binance's amount stays in the wallet."""

    ts: int
    instrument_id: str
    position_id: str
    amount: Decimal


@attrs.define
class PerpetualLedger(_PerpetualLedger):
    """What funding and liquidations did to the account over a v2 run: ``funding`` and
    ``liquidations`` as on v1, plus ``venue_funding``, what v2 settled by itself and the module
    offset (its positions keep it in their realized PnL; the wallet does not)."""

    venue_funding: list[VenueFunding] = attrs.field(factory=list)

    def venue_funding_total(self) -> Decimal:
        return sum((f.amount for f in self.venue_funding), _ZERO)


@attrs.define
class _Closing:
    """A liquidation close the desk sends, until its fills are settled."""

    ts: int
    instrument_id: Any
    position_id: Any
    client_order_id: str
    side: Any  # the closing order's nt.OrderSide
    quantity: Any  # nt.Quantity
    leg: Leg
    contract: ContractExposure
    liquidation_price: Decimal | None
    filled: Decimal = _ZERO
    notional: Decimal = _ZERO  # sum of fill qty x price
    ended: bool = False

    @property
    def done(self) -> bool:
        return self.ended or self.filled >= abs(self.leg.signed_qty)


class PerpetualEconomics(SimulationModule):  # type: ignore[misc]
    """Funding, mark price and liquidation for every perpetual on the kit's v2 venue.

    ``terms`` per instrument, ``default`` for the rest. ``add_binance_venue`` installs one by
    default (``perpetuals=None`` runs v2's plain venue)::

        module = add_binance_venue(engine, instrument,
                                   perpetuals=PerpetualEconomics(default=PerpetualTerms(
                                       funding_rate="0.0001")))
        ...
        engine.run()
        module.ledger.funding_total(), module.ledger.liquidations
    """

    def __init__(
        self,
        terms: Mapping[Any, PerpetualTerms] | None = None,
        default: PerpetualTerms | None = None,
    ) -> None:
        self._terms: dict[Any, PerpetualTerms] = dict(terms or {})
        self._default = default or PerpetualTerms()
        self.ledger = PerpetualLedger()
        self._funding: FundingSchedule[Any] = FundingSchedule(self.terms_of)
        self._cache: Any = None
        self._venue: Any = None
        self.desk: VenueDesk | None = None
        self._clear()

    def _clear(self) -> None:
        self._pending = _ZERO  # account adjustment of this step (USDT), applied by process()
        self._busy = False  # anything for the next step to do besides looking at positions
        self._next_due = 0  # the funding schedule's next_due (read every step)
        # the mark's sources, kept as data arrives
        self._mark_data: dict[Any, Any] = {}
        self._last_market: dict[Any, Any] = {}
        self._mark_source: dict[Any, Any] = {}  # the datum each mark was last read from
        self._armed = 0  # the funding time the desk's alert is set for
        # the open positions as the last step left them
        self._signature: list[int] = []
        self._held: dict[Any, list[tuple[PositionKey, Leg]]] = {}
        self._size: dict[Any, float] = {}
        # the cheap bound between exact checks: each held instrument's mark at the last check,
        # and how far any of them may move before the headroom could be used up
        self._anchor: dict[Any, float] = {}
        self._band = _CHECK_NOW
        self._isolated_funding: dict[tuple[Any, Hashable], Decimal] = {}
        # v2's own funding settlements: instruments to look at (until a step after the time)
        self._venue_funding_due: dict[Any, int] = {}
        self._funded_positions: dict[Any, set[Any]] = {}
        self._venue_funding_seen: set[str] = set()
        # liquidation closes under way, by client order ID
        self._closing: dict[str, _Closing] = {}

    def bind(self, engine: Any, venue: Any) -> VenueDesk:
        """Attach to ``engine``'s cache and register the venue's :class:`VenueDesk` with it
        (``add_binance_venue`` calls this after ``add_venue``)."""
        self._cache = engine.cache
        self._venue = venue
        self.desk = VenueDesk(self, venue)
        engine.add_strategy(self.desk)
        return self.desk

    def terms_of(self, instrument_id: Any) -> PerpetualTerms:
        return self._terms.get(instrument_id, self._default)

    def unfunded(self) -> dict[str, int]:
        """Instruments whose positions were held across funding times the run had no rate
        for (no ``FundingRateUpdate`` data, no constant rate), with how many: their funding
        was not charged, and the run's PnL leaves it out."""
        return {i.value: n for i, n in self._funding.unfunded().items()}

    # -- v2's SimulationModule hooks -----------------------------------------------------------

    def pre_process(self, data: Any) -> None:
        # Every datum the venue sees comes through here: keep only the latest market datum per
        # instrument, the mark's stand-in when the run has no mark prices.
        kind = type(data)
        if kind is _QUOTE or kind is _TRADE:
            self._last_market[data.instrument_id] = data
        elif kind is _BAR:
            self._last_market[data.bar_type.instrument_id] = data

    def process(self, ts_now: int, ctx: Any) -> list[Any] | None:
        # Called after every time step (the hot path, kept flat): with nothing held and nothing
        # due it returns after a few comparisons. (The first step starts the funding schedule;
        # the desk's alert 1 ns before each funding time settles it, this is the fallback.)
        if ts_now >= self._next_due:
            self._settle_due(ts_now)
        positions = ctx.positions
        if not positions and not self._busy:
            return None
        # A fill moves its position's ts_last past every earlier step's and a closed position
        # leaves the list: these values change whenever the positions do (the exact check then).
        signature = [p.ts_last for p in positions]
        if signature != self._signature:
            self._signature = signature
            self._rebuild(positions)
            self._band = _CHECK_NOW
        # The margin minus the maintenance margin moves by at most |qty| x |mark - anchor| x 1.5
        # (no tier's maintenance rate exceeds 0.5), whatever path the mark took: while every
        # held instrument's mark stays within the band of its anchor, nothing can be due. A mark
        # source seen at the last step has not moved.
        band = self._band
        check = band < 0
        if not check:
            anchor = self._anchor
            for instrument_id in self._size:
                source = self._mark_data.get(instrument_id)
                if source is None:
                    source = self._last_market.get(instrument_id)
                if source is None or source is self._mark_source.get(instrument_id):
                    continue
                self._mark_source[instrument_id] = source
                at = anchor.get(instrument_id)
                if at is None or abs(_MARK_FLOAT[type(source)](source) - at) >= band:
                    check = True
                    break
        if self._venue_funding_due:
            self._offset_venue_funding(ts_now)
        if self._closing:
            self._settle_closes()
            check = True
        if self._held and (check or self._band < 0):
            self._check_liquidation(ts_now)
        self._busy = bool(self._held or self._venue_funding_due or self._closing)
        if not self._pending:
            return None
        pending, self._pending = self._pending.quantize(MONEY_STEP), _ZERO
        return [nt.Money.from_decimal(pending, USDT)] if pending else None

    def acknowledge(self, outcomes: Any) -> None:
        for outcome in outcomes:
            if not outcome.applied:
                self._warn(f"exec-kit perpetuals: an account adjustment failed: {outcome.error}")

    def log_diagnostics(self) -> None:
        self._warn(
            f"funding {self.ledger.funding_total()} USDT in {len(self.ledger.funding)} charges, "
            f"{len(self.ledger.liquidations)} liquidations", info=True)

    def reset(self) -> None:
        self.ledger = PerpetualLedger()
        self._funding.reset()
        self._clear()

    # -- funding -------------------------------------------------------------------------------

    def on_mark_price(self, update: Any) -> None:
        """A mark price reached the desk (v2 routes mark prices to the data engine only)."""
        self._mark_data[update.instrument_id] = update

    def on_funding_rate(self, update: Any) -> None:
        """A ``FundingRateUpdate`` reached the desk: a settlement record is charged now, on the
        positions open when it arrives; an estimate waits for its ``next_funding_ns``."""
        due = self._funding.on_rate(
            update.instrument_id, update.ts_event, update.rate, update.next_funding_ns)
        if due is not None:
            self._charge(due, update.ts_init)
        self._arm()

    def on_funding_alert(self, ts_now: int, funding_ns: int) -> None:
        """The desk's alert 1 ns before a funding time: settle it before any data stamped at
        the time can move a position, at the mark known until now."""
        if funding_ns >= self._funding.next_due:
            self._settle_due(ts_now, until=funding_ns)

    def _settle_due(self, ts_now: int, until: int | None = None) -> None:
        instruments = self._cache.instrument_ids(self._venue)
        for due in self._funding.due(until or ts_now, instruments, self._held_in):
            self._charge(due, ts_now)
        self._arm()

    def _arm(self) -> None:
        """Set the desk's alert for the next funding time (once per time)."""
        due = self._next_due = self._funding.next_due
        if self.desk is not None and due != self._armed and due < NEVER:
            self._armed = due
            self.desk.alert_funding(due)

    def _held_in(self, instrument_id: Any) -> bool:
        return bool(self._cache.positions_open(instrument_id=instrument_id))

    def _charge(self, due: FundingDue[Any], ts_now: int) -> None:
        instrument_id = due.instrument
        self._busy = True
        # v2 may settle this funding time by itself: look for its settlements until a step
        # after it (its estimate timer fires at the time, a record is settled on arrival)
        self._venue_funding_due[instrument_id] = max(
            ts_now, due.ts, self._venue_funding_due.get(instrument_id, 0))
        positions = self._cache.positions_open(instrument_id=instrument_id)
        if not positions:
            return
        mark = self._mark(instrument_id)
        if mark is None:
            self._warn(f"no mark price for {instrument_id} at funding time {due.ts}: skipped")
            return
        keys = {p.id.value: (p.id, p.ts_opened) for p in positions}
        self._funded_positions.setdefault(instrument_id, set()).update(
            key[0] for key in keys.values())
        for charge in funding_charges(
            due, instrument_id.value, ((p.id.value, _signed_qty(p)) for p in positions), mark,
        ):
            self._pending += charge.amount
            key = (instrument_id, keys[charge.position_id])
            self._isolated_funding[key] = self._isolated_funding.get(key, _ZERO) + charge.amount
            self.ledger.funding.append(charge)
        self._force_check()

    def _offset_venue_funding(self, ts_now: int) -> None:
        """Take back what v2 settled by itself (its ``PositionAdjusted`` funding events): the
        module has charged Binance's amount for the same funding times."""
        cache = self._cache
        for instrument_id, until in list(self._venue_funding_due.items()):
            ids = self._funded_positions.get(instrument_id, set())
            ids.update(p.id for p in cache.positions_open(instrument_id=instrument_id))
            for position_id in ids:
                position = cache.position(position_id)
                if position is None:
                    continue
                for adjustment in position.adjustments():
                    if adjustment.adjustment_type != nt.PositionAdjustmentType.FUNDING:
                        continue
                    event_id = str(adjustment.event_id)
                    if event_id in self._venue_funding_seen or adjustment.pnl_change is None:
                        continue
                    self._venue_funding_seen.add(event_id)
                    amount = adjustment.pnl_change.as_decimal()
                    self._pending -= amount
                    self.ledger.venue_funding.append(VenueFunding(
                        adjustment.ts_event, instrument_id.value, position_id.value, amount))
            if ts_now > until:
                del self._venue_funding_due[instrument_id]
                self._funded_positions.pop(instrument_id, None)

    # -- mark price ----------------------------------------------------------------------------

    def _mark(self, instrument_id: Any) -> Decimal | None:
        """The venue's mark: the latest mark price datum, else the latest market datum's price
        (trade price, quote mid, bar close), else the middle of the book."""
        update = self._mark_data.get(instrument_id)
        if update is not None:
            return update.value.as_decimal()  # type: ignore[no-any-return]
        data = self._last_market.get(instrument_id)
        if data is not None:
            return _MARKET_DATA_PRICE[type(data)](data)
        book = self._cache.order_book(instrument_id)
        bid = None if book is None else book.best_bid_price()
        ask = None if book is None else book.best_ask_price()
        if bid is None or ask is None:
            price = bid or ask
            return None if price is None else price.as_decimal()  # type: ignore[no-any-return]
        return (bid.as_decimal() + ask.as_decimal()) / 2  # type: ignore[no-any-return]

    # -- liquidation ---------------------------------------------------------------------------

    def _rebuild(self, positions: Sequence[Any]) -> None:
        held: dict[Any, list[tuple[PositionKey, Leg]]] = {}
        for p in positions:
            leg = Leg(_signed_qty(p), Decimal(str(p.avg_px_open)))
            held.setdefault(p.instrument_id, []).append(((p.id, p.ts_opened), leg))
        self._held = held
        self._size = {i: float(sum(abs(leg.signed_qty) for _, leg in legs))
                      for i, legs in held.items()}
        live = {(i, key) for i, legs in held.items() for key, _ in legs}
        for key in [k for k in self._isolated_funding if k not in live]:
            del self._isolated_funding[key]

    def _force_check(self) -> None:
        self._band = _CHECK_NOW

    def _exposures(self) -> tuple[Decimal, list[ContractExposure]]:
        """The cross wallet (with this step's pending adjustment) and every contract's
        exposure at its mark, for the core's rule."""
        account = self._cache.account_for_venue(self._venue)
        wallet = account.balance_total(USDT).as_decimal() + self._pending
        return account_exposures(wallet, self._held, self._mark, self.terms_of, self._leverage,
                                 self._isolated_funding)

    def _leverage(self, instrument_id: Any) -> Decimal:
        account = self._cache.account_for_venue(self._venue)
        return Decimal(str(account.leverage(instrument_id) or 1))

    def _check_liquidation(self, ts_now: int) -> None:
        wallet, contracts = self._exposures()
        closing = {(c.instrument_id, c.position_id) for c in self._closing.values()}
        due = set(due_liquidations(wallet, contracts))
        due = {key for key in due if not self._all_closing(key, closing)}
        if due:
            self._liquidate(ts_now, wallet, [c for c in contracts if c.key in due])
            self._force_check()
            return
        # anchor the bound at the marks just checked (a close under way: check every step)
        self._anchor = {i: float(c.mark) for c in contracts
                        for i in [cast(tuple[Any, Any], c.key)[0]]}
        size = sum(self._size.values())
        headroom = float(margin_headroom(wallet, contracts))
        self._band = (_CHECK_NOW if self._closing
                      else max(headroom, 0.0) / (1.5 * size) if size else float("inf"))

    def _all_closing(self, key: Hashable, closing: set[tuple[Any, Any]]) -> bool:
        instrument_id, position_key = cast(tuple[Any, Any], key)
        return all((instrument_id, pkey[0]) in closing
                   for pkey, _ in self._held.get(instrument_id, ())
                   if position_key is None or pkey == position_key)

    def _liquidate(self, ts_now: int, wallet: Decimal, contracts: list[ContractExposure]) -> None:
        assert self.desk is not None, "bind() registers the desk"
        cross = any(c.isolated_wallet is None for c in contracts)
        keys = [cast(tuple[Any, Any], c.key) for c in contracts]
        # Binance cancels the open orders first: the account's (cross) or the symbol's.
        cancel = (list(self._cache.instrument_ids(self._venue)) if cross
                  else sorted({k[0] for k in keys}, key=str))
        closes: list[_Closing] = []
        for contract in contracts:
            instrument_id, position_key = cast(tuple[Any, Any], contract.key)
            terms = self.terms_of(instrument_id)
            lp = liquidation_price(
                contract.legs, terms.brackets,
                wallet if contract.isolated_wallet is None else contract.isolated_wallet)
            for pkey, leg in self._held[instrument_id]:
                if position_key is not None and pkey != position_key:
                    continue
                position = self._cache.position(pkey[0])
                if position is None or not position.is_open:
                    continue
                coid = autoclose_client_order_id(ts_now, self._id_taken)
                record = _Closing(
                    ts_now, instrument_id, pkey[0], coid,
                    nt.OrderSide.SELL if leg.signed_qty > 0 else nt.OrderSide.BUY,
                    position.quantity, leg, contract, lp)
                self._closing[coid] = record
                closes.append(record)
        self.desk.liquidate(ts_now, cancel, closes)

    def _id_taken(self, client_order_id: str) -> bool:
        return client_order_id in self._closing or (
            self._cache.order(nt.ClientOrderId(client_order_id)) is not None)

    def on_close_fill(self, fill: Any) -> None:
        """A fill of one of the desk's closes (the desk's ``on_order_filled``)."""
        record = self._closing.get(fill.client_order_id.value)
        if record is not None:
            qty = fill.last_qty.as_decimal()
            record.filled += qty
            record.notional += qty * fill.last_px.as_decimal()

    def on_close_ended(self, client_order_id: str, reason: str) -> None:
        """A close ended without filling in full (denied, rejected, canceled, expired)."""
        record = self._closing.get(client_order_id)
        if record is None:
            return
        record.ended = True
        if not record.filled:
            self._warn(f"exec-kit perpetuals: liquidation close {client_order_id} of "
                       f"{record.position_id} did not fill ({reason}); checked again")

    def _settle_closes(self) -> None:
        """The clearance fee and the insurance fund's cover of each close that has filled:
        from the cross wallet left once the positions are closed, or the isolated position's
        own margin at the fill price."""
        done = [r for r in self._closing.values() if r.done]
        if not done:
            return
        for record in done:
            del self._closing[record.client_order_id]
        filled = [r for r in done if r.filled]
        cross_left, _ = self._exposures()
        settlements = liquidation_settlements(cross_left, (
            (r.notional, self.terms_of(r.instrument_id).liquidation_fee,
             None if r.contract.isolated_wallet is None
             else r.contract.isolated_wallet + _closed_pnl(r))
            for r in filled))
        for record, (fee, cover) in zip(filled, settlements, strict=True):
            self._pending += cover - fee
            fill_price = record.notional / record.filled
            self.ledger.liquidations.append(Liquidation(
                ts=record.ts,
                instrument_id=record.instrument_id.value,
                position_id=record.position_id.value,
                client_order_id=record.client_order_id,
                side="LONG" if record.leg.signed_qty > 0 else "SHORT",
                quantity=record.filled,
                mark=record.contract.mark,
                fill_price=fill_price,
                liquidation_price=(None if record.liquidation_price is None
                                   else record.liquidation_price.quantize(MONEY_STEP)),
                clearance_fee=fee,
                insurance_cover=cover,
            ))
        self._force_check()

    def _warn(self, message: str, *, info: bool = False) -> None:
        log = None if self.desk is None else self.desk.kit_log
        if log is None:
            return
        (log.info if info else log.warning)(message)


def _signed_qty(position: Any) -> Decimal:
    qty: Decimal = position.quantity.as_decimal()
    return qty if position.side == nt.PositionSide.LONG else -qty


def _closed_pnl(record: _Closing) -> Decimal:
    """What closing ``record``'s filled quantity realized before commissions."""
    sign = Decimal(1) if record.leg.signed_qty > 0 else Decimal(-1)
    return record.notional * sign - record.filled * record.leg.entry_price * sign


class VenueDesk(Strategy):  # type: ignore[misc]
    """The venue's own hands in a v2 backtest: registered as ``EXTERNAL`` (the owner v2 gives
    orders a live venue sends by itself), it reads the mark prices for
    :class:`PerpetualEconomics` (v2 routes them to the data engine, not to the venue's modules)
    and carries out its liquidations, which a module cannot send (v2 borrows the cache while a
    module runs)."""

    def __new__(cls, *_args: Any) -> VenueDesk:
        # v2's Strategy.__new__ takes the config alone; this one is made from its module
        return super().__new__(cls)  # type: ignore[no-any-return]

    def __init__(self, module: PerpetualEconomics, venue: Any) -> None:
        super().__init__(StrategyConfig(
            strategy_id=EXTERNAL, oms_type=nt.OmsType.HEDGING,
            log_events=False, log_commands=False))
        self._module = module
        self._venue = venue
        self.kit_log: Any = None
        self._kit_clock: Any = None
        self._timers = 0

    def on_start(self) -> None:
        # v2 refuses a strategy's attributes while it is inside its own submit_order: take the
        # handles now
        self._kit_cache = self.cache
        self._kit_clock = self.clock
        self._kit_factory = self.order_factory
        self.kit_log = self.log
        for instrument_id in self._kit_cache.instrument_ids(self._venue):
            self.subscribe_mark_prices(instrument_id)
            self.subscribe_funding_rates(instrument_id)

    def on_mark_price(self, mark_price: Any) -> None:
        self._module.on_mark_price(mark_price)

    def on_funding_rate(self, funding_rate: Any) -> None:
        self._module.on_funding_rate(funding_rate)

    def alert_funding(self, funding_ns: int) -> None:
        """Wake the module 1 ns before ``funding_ns``: v2 fires an alert before the data
        stamped at or after its time, so the funding is settled before that data moves
        anything (a time already past is left to the module's next step)."""
        clock = self._kit_clock if self._kit_clock is not None else self.clock
        if funding_ns - 1 <= clock.timestamp_ns():
            return
        self._timers += 1
        clock.set_time_alert_ns(
            f"exec-kit-funding-{self._timers}", funding_ns - 1,
            callback=lambda event: self._module.on_funding_alert(event.ts_event, funding_ns))

    def liquidate(self, ts_ns: int, cancel: Iterable[Any], closes: Sequence[_Closing]) -> None:
        """Cancel the open orders of ``cancel`` and send ``closes``, 1 ns after ``ts_ns`` (the
        step the module found the breach in; its fills come from that step's book)."""
        cancel = list(cancel)
        self._timers += 1
        self._kit_clock.set_time_alert_ns(
            f"exec-kit-liquidation-{self._timers}", ts_ns + 1,
            callback=lambda _event: self._execute(cancel, closes))

    def _execute(self, cancel: list[Any], closes: Sequence[_Closing]) -> None:
        for instrument_id in cancel:
            for order in self._kit_cache.orders_open(instrument_id=instrument_id):
                if order.strategy_id != EXTERNAL:
                    self.cancel_order(order.client_order_id)
        for close in closes:
            order = self._kit_factory.market(
                close.instrument_id, close.side, close.quantity, reduce_only=True,
                tags=["LIQUIDATION"], client_order_id=nt.ClientOrderId(close.client_order_id))
            self.submit_order(order, close.position_id)

    def on_order_filled(self, event: Any) -> None:
        self._module.on_close_fill(event)

    def _ended(self, event: Any) -> None:
        self._module.on_close_ended(
            event.client_order_id.value, str(getattr(event, "reason", type(event).__name__)))

    on_order_denied = _ended
    on_order_rejected = _ended
    on_order_canceled = _ended
    on_order_expired = _ended


__all__ = ["PerpetualEconomics", "PerpetualLedger", "PerpetualTerms", "VenueDesk",
           "VenueFunding"]
