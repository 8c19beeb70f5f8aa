"""Funding, mark price and liquidation on the kit's simulated Binance venue (NautilusTrader 1.231).

Why: the pinned ``SimulatedExchange`` charges no funding and never liquidates
(``nautilus_backtest_facts.md`` §2: "Liquidation is not simulated"), so a carry strategy's backtest
can show the wrong sign of PnL and a 50x strategy never blows up. :class:`PerpetualEconomics` is
a ``SimulationModule`` (the venue's own extension point, as Nautilus' FX rollover module is): it
reads the data the engine already routes, moves the account with ``adjust_account`` and closes
liquidated positions with venue orders through the matching engine's public fill API. It decides
nothing itself: every rule is the core's (:mod:`nautilus_exec_kit.core.perpetuals`), which the
sandbox venue follows too, so a backtest and the sandbox agree.

* **Mark price.** ``MarkPriceUpdate`` data for the instrument when the run has any (Binance Vision
  ``markPriceKlines``); otherwise the last trade, else the quote mid, else the book the bars
  built. The mark drives unrealized PnL, maintenance margin, funding and liquidation. A
  funding time uses the last mark the venue knew at that time (data stamped exactly at the
  funding time is not yet in it).
* **Funding.** From ``FundingRateUpdate`` data: an update without ``next_funding_ns`` is a
  settlement record (Binance's ``fundingRate`` history and Vision files: ``ts_event`` is the
  funding time, ``rate`` the settled rate) and is charged when it arrives; one with
  ``next_funding_ns`` is a live estimate, charged at that time with the latest estimate.
  Without funding data, :attr:`PerpetualTerms.funding_rate` is charged on Binance's schedule
  (every ``funding_interval_hours`` from 00:00 UTC). Only positions open at the funding time pay
  or receive ``size x mark x rate``; each payment is an account adjustment (an ``AccountState``,
  as live Binance's ``ACCOUNT_UPDATE`` reason ``FUNDING_FEE``).
* **Mark-price triggers.** Stops and take-profits with ``trigger_type=MARK_PRICE`` (Binance's
  ``workingType=MARK_PRICE``) trigger on this mark
  (:class:`~nautilus_exec_kit.backtest.mark_triggers.MarkPriceTriggers`, installed by
  ``add_binance_venue``).
* **Liquidation.** After each time step the module checks the core's maintenance-margin rule
  (cross on the account, isolated per position). A breached contract is liquidated the way the
  core describes: open orders cancelled, each position closed by an ``autoclose-<ms>`` order
  (owned by ``EXTERNAL``, booked to the strategy's position ID: the position the venue
  closed; live, Nautilus books it to an ``-EXTERNAL`` position and the kit's ``kit_holding``
  reads the strategy's leg as the venue holds it) filled at the breaching mark, then the
  clearance fee. The fill reaches the strategy's ``on_risk_event(LIQUIDATION)`` through the
  kit's risk-event watcher, as live.

Cost: a step with no open position and no funding due returns after two comparisons. With
positions, the exact (Decimal) check runs only when the marks have moved by more than the
account's headroom could absorb (a sound float bound), so a healthy account pays a few float
operations per mark change.

NautilusTrader 2 has funding and liquidation of its own in its simulated venue (the rc6 engine
settles funding and liquidates, late); the v2 binding's docs say what this module adds there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, cast

import attrs
from nautilus_trader.backtest.config import SimulationModuleConfig
from nautilus_trader.backtest.modules import SimulationModule
from nautilus_trader.common.component import Logger
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.data import Bar, FundingRateUpdate, MarkPriceUpdate, QuoteTick, TradeTick
from nautilus_trader.model.enums import LiquiditySide, OrderSide, PositionSide, PriceType
from nautilus_trader.model.events import PositionEvent, PositionOpened
from nautilus_trader.model.identifiers import (
    ClientOrderId,
    InstrumentId,
    StrategyId,
    VenueOrderId,
)
from nautilus_trader.model.objects import FIXED_SCALAR, Money, Price, Quantity
from nautilus_trader.model.orders import MarketOrder
from nautilus_trader.model.position import Position

from nautilus_exec_kit.backtest.mark_triggers import MarkPriceTriggers
from nautilus_exec_kit.core.perpetual_venue import (
    FundingCharge,
    FundingDue,
    FundingSchedule,
    Liquidation,
    PerpetualTerms,
    account_exposures,
    funding_charges,
)
from nautilus_exec_kit.core.perpetual_venue import PerpetualLedger as _PerpetualLedger
from nautilus_exec_kit.core.perpetuals import (
    BTCUSDT_BRACKETS,
    BTCUSDT_LIQUIDATION_FEE,
    MONEY_STEP,
    ContractExposure,
    Leg,
    MarginMode,
    autoclose_client_order_id,
    brackets_by_symbol,
    due_liquidations,
    liquidation_price,
    liquidation_settlements,
    margin_headroom,
)

#: Market data the venue sees -> the instrument it moves, and its price as the mark's stand-in.
_MARKET_DATA_INSTRUMENT: Final[dict[type, Callable[[Any], Any]]] = {
    QuoteTick: lambda q: q.instrument_id,
    TradeTick: lambda t: t.instrument_id,
    Bar: lambda b: b.bar_type.instrument_id,
}
_MARKET_DATA_PRICE: Final[dict[type, Callable[[Any], Price]]] = {
    QuoteTick: lambda q: q.extract_price(PriceType.MID),
    TradeTick: lambda t: t.price,
    Bar: lambda b: b.close,
}

#: Who owns the venue's liquidation orders (the live v1 engine's owner of external orders).
EXTERNAL_STRATEGY: Final = StrategyId("EXTERNAL")
_RAW_SCALE: Final = int(FIXED_SCALAR)  # Nautilus' fixed-point raw per unit


def terms_from_binance(
    instruments: Iterable[Any],
    *,
    exchange_info: Mapping[str, Any] | None = None,
    leverage_brackets: Iterable[Mapping[str, Any]] | None = None,
    funding_rate: Decimal | str | None = None,
    margin_mode: MarginMode = MarginMode.CROSS,
) -> tuple[dict[InstrumentId, PerpetualTerms], list[str]]:
    """Each instrument's terms from saved Binance answers, and a note per stand-in used.

    ``exchange_info`` (``/fapi/v1/exchangeInfo``) gives each symbol's ``liquidationFee``;
    ``leverage_brackets`` (``/fapi/v1/leverageBracket``, signed: save it from your account)
    gives its tiers. A symbol missing from either gets BTCUSDT's value, named in a note, so a
    run says which of its liquidation figures rest on a stand-in.
    """
    fees = {row["symbol"]: Decimal(str(row["liquidationFee"]))
            for row in (exchange_info or {}).get("symbols", ()) if "liquidationFee" in row}
    tiers = brackets_by_symbol(leverage_brackets or ())
    terms: dict[InstrumentId, PerpetualTerms] = {}
    stand_ins: dict[str, list[str]] = {"leverage brackets": [], "liquidation fee": []}
    for instrument in instruments:
        symbol = instrument.raw_symbol.value
        if symbol not in tiers:
            stand_ins["leverage brackets"].append(symbol)
        if symbol not in fees:
            stand_ins["liquidation fee"].append(symbol)
        terms[instrument.id] = PerpetualTerms(
            brackets=tiers.get(symbol, BTCUSDT_BRACKETS),
            liquidation_fee=fees.get(symbol, BTCUSDT_LIQUIDATION_FEE),
            funding_rate=funding_rate,
            margin_mode=margin_mode,
        )
    notes = [f"{what}: BTCUSDT's stand in for {', '.join(others)}"
             for what, symbols in stand_ins.items()
             if (others := [s for s in symbols if s != "BTCUSDT"])]
    return terms, notes


@attrs.define
class PerpetualLedger(_PerpetualLedger):
    """What funding, liquidations and fills did to the account over a run (the summary reads
    it). ``realized_pnl`` sums every position lifecycle's realized PnL (net of commissions, as
    Nautilus books it): a reused ``-BOTH`` position ID forgets the lifecycles before its last."""

    #: the realized PnL as Nautilus' fixed-point raw (summed exactly, per fill, cheaply)
    realized_pnl_raw: int = 0

    @property
    def realized_pnl(self) -> Decimal:
        return Decimal(self.realized_pnl_raw) / _RAW_SCALE


class PerpetualEconomics(SimulationModule):  # type: ignore[misc]
    """Funding, mark price and liquidation for every perpetual on the kit's venue.

    ``terms`` per instrument, ``default`` for the rest::

        module = PerpetualEconomics(default=PerpetualTerms(funding_rate="0.0001"))
        add_binance_venue(engine, instrument, modules=[module])
        ...
        module.ledger.funding_total()
    """

    def __init__(
        self,
        terms: Mapping[InstrumentId, PerpetualTerms] | None = None,
        default: PerpetualTerms | None = None,
    ) -> None:
        super().__init__(SimulationModuleConfig())
        self._terms: dict[InstrumentId, PerpetualTerms] = dict(terms or {})
        self._default = default or PerpetualTerms()
        self.ledger = PerpetualLedger()
        self._exchange: Any = None
        self._funding: FundingSchedule[InstrumentId] = FundingSchedule(self.terms_of)
        # liquidation: positions open per instrument, kept from position events
        self._open: dict[InstrumentId, dict[Any, Position]] = {}
        self._last_mark: dict[InstrumentId, float] = {}
        # the mark's sources, kept as data arrives (a cache lookup per step is the cost of
        # bars-only runs: Cache.price walks every bar type)
        self._mark_data: dict[InstrumentId, MarkPriceUpdate] = {}
        self._last_market: dict[InstrumentId, Any] = {}
        self._moved: set[InstrumentId] = set()  # instruments whose mark may have moved
        self._headroom = 0.0  # margin minus maintenance at the last exact check (cross)
        self._drift = 0.0  # worst-case loss of headroom since then
        self._isolated_funding: dict[Any, Decimal] = {}  # (instrument, position) -> funding
        self._realized: dict[Any, int] = {}  # position ID -> its lifecycle's realized PnL (raw)
        self._max_mmr: dict[InstrumentId, float] = {}
        self.mark_triggers: MarkPriceTriggers

    def unfunded(self) -> dict[str, int]:
        """Instruments whose positions were held across funding times the run had no rate
        for (no ``FundingRateUpdate`` data, no constant rate), with how many: their funding
        was not charged, and the run's PnL leaves it out."""
        return {i.value: n for i, n in self._funding.unfunded().items()}

    def terms_of(self, instrument_id: InstrumentId) -> PerpetualTerms:
        return self._terms.get(instrument_id, self._default)

    # -- Nautilus hooks ---------------------------------------------------------------------

    def register_venue(self, exchange: Any) -> None:
        super().register_venue(exchange)
        self._exchange = exchange
        self.mark_triggers = MarkPriceTriggers(
            exchange, self._mark_float, self.clock.timestamp_ns, warn=self._warn_unsupported)
        self.msgbus.subscribe(topic="data.funding_rates.*", handler=self._on_funding_rate)
        self.msgbus.subscribe(topic="data.mark_prices.*", handler=self._on_mark_price)
        self.msgbus.subscribe(topic="events.position.*", handler=self._on_position_event)

    def install(self, engine: Any) -> None:
        """Put the venue's mark-price triggers in front of ``engine``'s execution engine
        (``add_binance_venue`` calls this after ``add_venue``)."""
        self.mark_triggers.install(engine)

    def pre_process(self, data: Any) -> None:
        # Market data at or after a funding time: settle before it can move any position, so
        # exactly the positions open at the funding time pay (at the mark known until now).
        if data.ts_init >= self._funding.next_due:
            self._settle_due(data.ts_init)
        instrument_of = _MARKET_DATA_INSTRUMENT.get(type(data))
        if instrument_of is not None:
            instrument_id = instrument_of(data)
            self._last_market[instrument_id] = data
            self._moved.add(instrument_id)

    def _on_mark_price(self, update: MarkPriceUpdate) -> None:
        self._mark_data[update.instrument_id] = update
        self._moved.add(update.instrument_id)

    def process(self, ts_now: int) -> None:
        # Called after every time step: the common case (nothing due, nothing moved that
        # matters) costs a few comparisons.
        if ts_now >= self._funding.next_due:
            self._settle_due(ts_now)
        moved = self._moved
        if moved:
            if self._open or self.mark_triggers.has_held():
                self._on_marks(moved)
            moved.clear()
        if self._open and self._drift >= self._headroom:
            self._check_liquidation(ts_now)

    def _warn_unsupported(self, order_type: Any) -> None:
        self.log.warning(
            f"{order_type.name} with trigger_type=MARK_PRICE triggers on the contract price in a "
            "backtest (Binance triggers it on the mark); only STOP_MARKET and MARKET_IF_TOUCHED "
            "are triggered on the mark here")

    def log_diagnostics(self, logger: Logger) -> None:
        logger.info(
            f"funding {self.ledger.funding_total()} USDT in {len(self.ledger.funding)} charges, "
            f"{len(self.ledger.liquidations)} liquidations",
        )

    def reset(self) -> None:
        self.ledger = PerpetualLedger()
        self._realized.clear()
        self._funding.reset()
        self._open.clear()
        self._isolated_funding.clear()

    # -- funding ----------------------------------------------------------------------------

    def _on_funding_rate(self, update: FundingRateUpdate) -> None:
        if update.instrument_id not in self._exchange.instruments:
            return
        due = self._funding.on_rate(update.instrument_id, update.ts_event,
                                    Decimal(str(update.rate)), update.next_funding_ns)
        if due is not None:
            self._charge(due)

    def _settle_due(self, ts_now: int) -> None:
        # every perpetual funds on Binance's schedule; without a rate (data or constant) the
        # times a position was held are counted, so the run can say what it left out
        for due in self._funding.due(ts_now, self._exchange.instruments, self._held):
            self._charge(due)

    def _held(self, instrument_id: InstrumentId) -> bool:
        return bool(self.cache.positions_open(venue=None, instrument_id=instrument_id))

    def _charge(self, due: FundingDue[InstrumentId]) -> None:
        instrument_id = due.instrument
        positions = self.cache.positions_open(venue=None, instrument_id=instrument_id)
        if not positions:
            return
        mark = self._mark(instrument_id)
        if mark is None:
            self.log.warning(
                f"no mark price for {instrument_id} at funding time {due.ts}: skipped")
            return
        charges = funding_charges(
            due, instrument_id.value,
            ((p.id.value, p.signed_decimal_qty()) for p in positions), mark)
        by_id = {p.id.value: p for p in positions}
        for charge in charges:
            self._exchange.adjust_account(Money(charge.amount, USDT))
            key = (instrument_id, by_id[charge.position_id].id)
            if key in self._isolated_funding:
                self._isolated_funding[key] += charge.amount
            self.ledger.funding.append(charge)
        self._force_check()

    # -- mark price -------------------------------------------------------------------------

    def _mark_float(self, instrument_id: InstrumentId) -> float | None:
        price = self._mark_price(instrument_id)
        return None if price is None else price.as_double()

    def _mark(self, instrument_id: InstrumentId) -> Decimal | None:
        price = self._mark_price(instrument_id)
        return None if price is None else price.as_decimal()

    def _mark_price(self, instrument_id: InstrumentId) -> Price | None:
        """The venue's mark: the latest mark price datum, else the latest market datum's price
        (trade price, quote mid, bar close), else the middle of the book."""
        update = self._mark_data.get(instrument_id)
        if update is not None:
            return update.value  # type: ignore[no-any-return]
        data = self._last_market.get(instrument_id)
        if data is not None:
            return _MARKET_DATA_PRICE[type(data)](data)
        bid = self._exchange.best_bid_price(instrument_id)
        ask = self._exchange.best_ask_price(instrument_id)
        if bid is None or ask is None:
            return bid or ask  # type: ignore[no-any-return]
        return Price((bid.as_double() + ask.as_double()) / 2, bid.precision + 1)

    # -- liquidation ------------------------------------------------------------------------

    def _on_position_event(self, event: PositionEvent) -> None:
        instrument_id = event.instrument_id
        if instrument_id not in self._exchange.instruments:
            return
        key = event.position_id
        opened = isinstance(event, PositionOpened)
        pnl = event.realized_pnl
        if pnl is not None and pnl.currency == USDT:
            realized = pnl.raw
            self.ledger.realized_pnl_raw += realized - (0 if opened else self._realized.get(key, 0))
            self._realized[key] = realized
        if opened:
            self._isolated_funding[(instrument_id, key)] = Decimal(0)
        positions = self._open.setdefault(instrument_id, {})
        position = self.cache.position(key)
        if position is not None and position.is_open:
            positions[key] = position
        else:
            positions.pop(key, None)
            self._isolated_funding.pop((instrument_id, key), None)
            if not positions:
                del self._open[instrument_id]
        # A fill moves the margin balance by at most its commission and its distance from the
        # mark, and the maintenance margin by at most its notional times the table's largest
        # rate: a sound bound on the headroom it can cost (0.5 % covers any Binance commission).
        price = event.last_px.as_double()
        mark = self._last_mark.get(instrument_id, price)
        mmr = self._max_mmr.get(instrument_id)
        if mmr is None:
            brackets = self.terms_of(instrument_id).brackets
            mmr = self._max_mmr[instrument_id] = float(max(b.maint_margin_ratio for b in brackets))
        self._drift += event.last_qty.as_double() * (price * (mmr + 0.005) + abs(price - mark))

    def _leverage(self, instrument_id: InstrumentId) -> Decimal:
        account = self.cache.account_for_venue(self._exchange.id)
        return Decimal(str(account.leverage(instrument_id) or 1))

    def _force_check(self) -> None:
        self._drift = float("inf")

    def _on_marks(self, moved: set[InstrumentId]) -> None:
        """Each moved instrument's mark, read once, to the held mark-price orders (they may
        trigger) and then to the headroom: a move of ``d`` costs at most ``|qty| x d x
        (1 + mmr)``, and no tier's mmr exceeds 0.5."""
        triggers = self.mark_triggers.has_held()
        for instrument_id in moved:
            if not triggers and instrument_id not in self._open:
                continue
            mark = self._mark_float(instrument_id)
            if mark is None:
                continue
            if triggers:
                self.mark_triggers.on_mark(instrument_id, mark)
            positions = self._open.get(instrument_id)  # after a triggered order's fill
            if positions is None:
                continue
            last = self._last_mark.get(instrument_id)
            if last != mark:
                self._last_mark[instrument_id] = mark
                size = sum(abs(p.signed_qty) for p in positions.values())
                self._drift += size * abs(mark - (mark if last is None else last)) * 1.5

    def _exposures(self) -> tuple[Decimal, list[ContractExposure]]:
        """The cross wallet and every contract's exposure at its mark, for the core's rule."""
        account = self.cache.account_for_venue(self._exchange.id)
        held = {
            instrument_id: [(p.id, Leg(p.signed_decimal_qty(), Decimal(str(p.avg_px_open))))
                            for p in by_id.values()]
            for instrument_id, by_id in self._open.items()
        }
        return account_exposures(
            account.balance_total(USDT).as_decimal(), held, self._mark, self.terms_of,
            self._leverage, self._isolated_funding)

    def _check_liquidation(self, ts_now: int) -> None:
        wallet, contracts = self._exposures()
        due = set(due_liquidations(wallet, contracts))
        if due:
            self._liquidate(ts_now, wallet, [c for c in contracts if c.key in due])
            self._force_check()
            return
        self._headroom = float(margin_headroom(wallet, contracts))
        self._drift = 0.0

    def _liquidate(
        self, ts_now: int, cross_wallet: Decimal, contracts: list[ContractExposure],
    ) -> None:
        exchange = self._exchange
        cross = any(c.isolated_wallet is None for c in contracts)
        # Binance cancels the open orders first: the account's (cross) or the symbol's.
        keys = [cast(tuple[Any, Any], c.key) for c in contracts]  # (instrument, position | None)
        for instrument_id in exchange.instruments if cross else {k[0] for k in keys}:
            engine = exchange.get_matching_engine(instrument_id)
            for order in engine.get_open_orders():
                engine.cancel_order(order)
            for order in self.mark_triggers.held(instrument_id):
                self.mark_triggers.cancel(order)
        closed: list[tuple[ContractExposure, Any, Liquidation]] = []
        for contract, (instrument_id, position_id) in zip(contracts, keys, strict=True):
            terms = self.terms_of(instrument_id)
            lp = liquidation_price(
                contract.legs, terms.brackets,
                cross_wallet if contract.isolated_wallet is None else contract.isolated_wallet)
            for position in list(self._open[instrument_id].values()):
                if position_id is None or position.id == position_id:
                    closed.append(
                        (contract, instrument_id, self._close(ts_now, position, contract, lp)))
        # The clearance fee comes out of the margin left once the positions are closed: the
        # cross wallet (what the remaining isolated positions do not hold), or the isolated
        # position's own margin at the breaching mark; the insurance fund covers a negative one.
        cross_left, _ = self._exposures()
        settlements = liquidation_settlements(cross_left, (
            (record.quantity * record.fill_price, self.terms_of(instrument_id).liquidation_fee,
             None if contract.isolated_wallet is None
             else contract.isolated_wallet + contract.unrealized_pnl())
            for contract, instrument_id, record in closed))
        for (_, _, record), (fee, cover) in zip(closed, settlements, strict=True):
            if cover - fee:
                exchange.adjust_account(Money(cover - fee, USDT))
            self.ledger.liquidations.append(
                attrs.evolve(record, clearance_fee=fee, insurance_cover=cover))

    def _close(
        self, ts_now: int, position: Position, contract: ContractExposure, lp: Decimal | None,
    ) -> Liquidation:
        exchange = self._exchange
        instrument_id = position.instrument_id
        instrument = self.cache.instrument(instrument_id)
        side = OrderSide.SELL if position.side == PositionSide.LONG else OrderSide.BUY
        client_order_id = ClientOrderId(autoclose_client_order_id(
            ts_now, lambda coid: self.cache.order(ClientOrderId(coid)) is not None))
        order = MarketOrder(
            trader_id=position.trader_id,
            strategy_id=EXTERNAL_STRATEGY,
            instrument_id=instrument_id,
            client_order_id=client_order_id,
            order_side=side,
            quantity=Quantity(position.quantity.as_decimal(), instrument.size_precision),
            init_id=UUID4(),
            ts_init=ts_now,
            reduce_only=True,
            tags=["LIQUIDATION"],
        )
        self.cache.add_order(order, position_id=position.id)
        engine = exchange.get_matching_engine(instrument_id)
        exchange.exec_client.generate_order_accepted(
            EXTERNAL_STRATEGY, instrument_id, client_order_id,
            VenueOrderId(client_order_id.value), ts_now)
        # filled at the breaching mark, on the instrument's price grid
        fill_price = instrument.make_price(contract.mark)
        engine.apply_fills(
            order=order,
            fills=[(fill_price, order.quantity)],
            liquidity_side=LiquiditySide.TAKER,
            venue_position_id=position.id,
            position=position,
        )
        return Liquidation(
            ts=ts_now,
            instrument_id=instrument_id.value,
            position_id=position.id.value,
            client_order_id=client_order_id.value,
            side="LONG" if side == OrderSide.SELL else "SHORT",
            quantity=order.quantity.as_decimal(),
            mark=contract.mark,
            fill_price=fill_price.as_decimal(),
            liquidation_price=None if lp is None else lp.quantize(MONEY_STEP),
            clearance_fee=Decimal(0),
        )


__all__ = [
    "EXTERNAL_STRATEGY",
    "FundingCharge",
    "Liquidation",
    "PerpetualEconomics",
    "PerpetualLedger",
    "PerpetualTerms",
    "terms_from_binance",
]
