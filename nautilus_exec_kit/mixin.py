"""ExecutionMixin: validated, Binance-aware order helpers for a Nautilus ``Strategy``.

Usage::

    class MyConfig(ExecKitConfig, frozen=True):
        instrument_id: InstrumentId

    class MyStrategy(ExecutionMixin, Strategy):
        def on_quote_tick(self, tick: QuoteTick) -> None:
            self.submit_limit(tick.instrument_id, OrderSide.BUY, "0.010", tick.bid_price)

Every helper coerces its numbers (never silently rounding), checks the order the way Binance
USDT-M would (instrument filters, account-type capabilities, trigger side, params, position mode,
open algo orders, margin), builds it with ``order_factory`` and sends it with the position ID the
live adapter reports (``-BOTH`` / ``-LONG`` / ``-SHORT``) and the adapter params. On a simulated
venue ``close_position`` and ``price_match`` keep their Binance meaning (see emulation.py).

Every helper describes its order as the core's ``OrderIntent`` and asks the core's
``OrderPipeline`` (core/pipeline.py) to admit it: one pass, the same for every helper and for
the Nautilus 2 binding. This module converts (Nautilus 1 values in, the core's verdict out) and
sends; it decides nothing the core decides.

Two seams connect the error policy (policy/runtime.py): every order leaves the kit through the
policy's ``submit`` (``_kit_send``), and the kit's event intake (intake.py: Nautilus'
``on_order_*`` hooks while the strategy runs, the message bus otherwise) shows every event the
kit acts on to the kit before the strategy's handlers see it, inside a guard that never raises.
"""

from __future__ import annotations

import sys
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from nautilus_trader.common.component import TestClock
from nautilus_trader.core.datetime import dt_to_unix_nanos
from nautilus_trader.model.enums import (
    OrderSide,
    OrderType,
    PositionSide,
    TimeInForce,
    TrailingOffsetType,
    TriggerType,
)
from nautilus_trader.model.events import (
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    PositionChanged,
    PositionClosed,
    PositionOpened,
)
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.model.orders import (
    LimitIfTouchedOrder,
    LimitOrder,
    MarketIfTouchedOrder,
    MarketOrder,
    MarketToLimitOrder,
    StopLimitOrder,
    StopMarketOrder,
    TrailingStopLimitOrder,
    TrailingStopMarketOrder,
)
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.algo import AlgoOrderBook, check_modifiable, record_event, record_sent
from nautilus_exec_kit.core import vocab
from nautilus_exec_kit.core.emulation import (
    ClosePositionBook,
    book_price_match,
    close_position_start_raw,
    no_quote_for,
    price_match_quote_raw,
)
from nautilus_exec_kit.core.errors import (
    ConfigurationError,
    OrderValidationError,
    ParamError,
)
from nautilus_exec_kit.core.intent import MarketSnapshot, OrderIntent
from nautilus_exec_kit.core.params import adapter_params
from nautilus_exec_kit.core.pipeline import OrderPipeline
from nautilus_exec_kit.core.policy.restrictions import scope_text
from nautilus_exec_kit.core.positions import CLOSING_SIDE as CORE_CLOSING_SIDE
from nautilus_exec_kit.core.positions import LEGS, orders_on
from nautilus_exec_kit.core.risk import (
    Holding,
    VenueCloseLedger,
    holding_leg,
    reduce_only_allowed,
)
from nautilus_exec_kit.core.settings import KitSettings
from nautilus_exec_kit.core.validator import OrderValidator
from nautilus_exec_kit.intake import (
    EVENT_HOOKS,
    KIT_EVENT_PRIORITY,
    OrderEventRouter,
    install_hooks,
    remove_hooks,
    withdraw_hooks,
)
from nautilus_exec_kit.policy import ErrorPolicy, PolicyRuntime, RateBudget
from nautilus_exec_kit.positions import (
    CLOSING_SIDE,
    PositionMode,
    check_close_quantity,
    committed_close_quantity,
    leg_for,
    normalize_position_side,
    position_id_for,
    signed_raw,
)
from nautilus_exec_kit.risk_events import RiskEvent, RiskEventWatcher
from nautilus_exec_kit.validation import (
    NT_POSITION_SIDE,
    NT_SIDE,
    ORDER_TYPE,
    POSITION_SIDE,
    SIDE,
    TIME_IN_FORCE,
    TRIGGER_TYPE,
    coerce_price,
    coerce_quantity,
    intent_from_order,
    rules_of,
)

if TYPE_CHECKING:
    from datetime import datetime

    from nautilus_trader.model.identifiers import InstrumentId, PositionId
    from nautilus_trader.model.instruments import Instrument
    from nautilus_trader.model.orders import Order

    from nautilus_exec_kit.config import ExecKitConfig

#: Order events after which a close_position order is no longer tracked.
_TERMINAL_ORDER_EVENTS: Final[tuple[type, ...]] = (
    OrderCanceled,
    OrderExpired,
    OrderRejected,
    OrderDenied,
)
_POSITION_EVENTS: Final[tuple[type, ...]] = (PositionOpened, PositionChanged, PositionClosed)
#: Each Nautilus order class with its one order type: ``type(order)`` is a cheap test on the hot
#: path, while the ``order_type`` property converts to a Python enum member on every read.
_ORDER_TYPE_OF_CLASS: Final[dict[type, OrderType]] = {
    MarketOrder: OrderType.MARKET,
    LimitOrder: OrderType.LIMIT,
    StopMarketOrder: OrderType.STOP_MARKET,
    StopLimitOrder: OrderType.STOP_LIMIT,
    MarketToLimitOrder: OrderType.MARKET_TO_LIMIT,
    MarketIfTouchedOrder: OrderType.MARKET_IF_TOUCHED,
    LimitIfTouchedOrder: OrderType.LIMIT_IF_TOUCHED,
    TrailingStopMarketOrder: OrderType.TRAILING_STOP_MARKET,
    TrailingStopLimitOrder: OrderType.TRAILING_STOP_LIMIT,
}
_GTC: Final = TimeInForce.GTC
_LEG_SIDE: Final[dict[str, PositionSide]] = {
    "LONG": PositionSide.LONG,
    "SHORT": PositionSide.SHORT,
}

type NumberLike = Quantity | Price | Decimal | float | int | str


_NO_TRAILING: Final = vocab.TrailingOffsetType.NO_TRAILING_OFFSET
_BASIS_POINTS: Final = vocab.TrailingOffsetType.BASIS_POINTS
_CORE_LIMIT: Final = vocab.OrderType.LIMIT
_CORE_MARKET: Final = vocab.OrderType.MARKET
_CORE_DEFAULT_TRIGGER: Final = vocab.TriggerType.DEFAULT


class _InstrumentEntry:
    """One instrument as the core's pipeline sees it (an ``AccountView``): its rules and
    validator, and the market, clock and account read from the strategy's Nautilus objects
    only when a pipeline step asks."""

    __slots__ = (
        "_cache",
        "_clock",
        "_currency",
        "_ledger",
        "_leverage_of",
        "_portfolio",
        "account",
        "instrument",
        "instrument_key",
        "leverage",
        "multiplier",
        "position_ids",
        "rules",
        "settlement_currency",
        "validator",
    )

    def __init__(self, strategy: Any, instrument: Instrument, validator: OrderValidator) -> None:
        mode = strategy._kit_mode
        self.instrument = instrument
        self.instrument_key = instrument.id
        self.validator = validator
        self.rules = validator.rules
        # The position ID of each leg this mode uses (the pipeline answers with a leg).
        legs = ("BOTH",) if mode is PositionMode.ONE_WAY else tuple(LEGS - {"BOTH"})
        self.position_ids: dict[str, PositionId] = {
            leg: position_id_for(instrument.id, mode, leg) for leg in legs
        }
        self.multiplier: float = instrument.multiplier.as_double()
        self._currency = instrument.get_settlement_currency()
        self.settlement_currency: str = self._currency.code
        self._cache = strategy.cache
        self._clock = strategy.clock
        self._portfolio = strategy.portfolio
        self._leverage_of = strategy._kit_leverage_of
        self._ledger: VenueCloseLedger = strategy._kit_ledger
        # The venue account object (Nautilus updates it in place), looked up on first use.
        self.account: Any = None
        self.leverage: float = 0.0

    def price(self, value: Any, field: str = "price") -> Price:
        """``coerce_price``, skipped for a Price already at the instrument's precision (the
        pipeline checks its grid anyway)."""
        if type(value) is Price and value.precision == self.rules.price_precision:
            return value
        return coerce_price(self.rules, value, field)

    def quantity(self, value: Any, field: str = "quantity") -> Quantity:
        """``coerce_quantity``, skipped for a Quantity already at the instrument's precision."""
        if type(value) is Quantity and value.precision == self.rules.size_precision:
            return value
        return coerce_quantity(self.rules, value, field)

    # -- AccountView --------------------------------------------------------------------------

    def market(self) -> MarketSnapshot | None:
        cache = self._cache
        iid = self.instrument_key
        return MarketSnapshot.of(
            cache.quote_tick(iid), cache.trade_tick(iid), cache.mark_price(iid),
        )

    def now_ns(self) -> int:
        return int(self._clock.timestamp_ns())

    def margin(self, fresh: bool = False) -> tuple[float, float] | None:
        # Nautilus 1 updates the account object in place: every read is fresh.
        account = self.account
        if account is None:
            account = self.account = self._portfolio.account(self.instrument_key.venue)
            if account is None:
                return None
        free_money = account.balance_free(self._currency)
        free = free_money.as_double() if free_money is not None else 0.0
        leverage = self.leverage
        if not leverage:
            leverage = self.leverage = self._leverage_of(account, self.instrument_key)
        return free, leverage

    def reserve(self, margin: float) -> None:
        """Nothing to keep: :meth:`margin` reads the live account."""

    def held_quantity(self, leg: str, side: vocab.OrderSide) -> float:
        if self._ledger:  # the venue closed something Nautilus booked elsewhere
            holding = self.holding(leg)
            if holding.side is not None and CORE_CLOSING_SIDE[holding.side] is side:
                return float(
                    Quantity.from_raw(holding.quantity_raw, self.rules.size_precision).as_double(),
                )
            return 0.0
        position = self._cache.position(self.position_ids[leg])
        if position is not None and CLOSING_SIDE.get(position.side) == NT_SIDE[side]:
            return float(position.quantity.as_double())
        return 0.0

    def own_signed_raw(self, leg: str) -> int:
        """The signed raw quantity of the node's position on the leg's own ID."""
        return signed_raw(self._cache.position(self.position_ids[leg]))

    def holding(self, leg: str) -> Holding:
        """What the leg holds at the venue: the node's position on the leg's ID plus the
        venue's own closes Nautilus booked to another position (:mod:`.risk_events`)."""
        own = signed_raw(self._cache.position(self.position_ids[leg]))
        if not self._ledger:
            return Holding.of_signed(own)
        return self._ledger.holding(own, self.instrument_key, leg)


class ExecutionMixin:
    """Mix into a Nautilus ``Strategy`` (first base) to get validated Binance order helpers.

    The strategy's config must subclass :class:`~nautilus_exec_kit.config.ExecKitConfig`.
    A wrong kit configuration raises at construction (``ConfigurationError`` /
    ``PositionModeMismatch``), not as a venue reject later.
    """

    # Attributes provided by nautilus_trader's Strategy (declared for type checkers only).
    if TYPE_CHECKING:
        cache: Any
        clock: Any
        log: Any
        portfolio: Any
        order_factory: Any
        id: Any

        def submit_order(self, order: Order, position_id: PositionId | None = ..., client_id: Any = ..., params: dict[str, Any] | None = ...) -> None: ...  # noqa: E501
        def modify_order(self, order: Order, quantity: Quantity | None = ..., price: Price | None = ..., trigger_price: Price | None = ...) -> None: ...  # noqa: E501
        def cancel_order(self, order: Order) -> None: ...

    def __init__(self, config: ExecKitConfig) -> None:
        super().__init__(config)  # type: ignore[call-arg]
        settings = KitSettings.from_config(config)  # raises on a wrong kit configuration
        mode = settings.mode
        capabilities = settings.capabilities
        self._kit_mode: PositionMode = mode
        self._kit_hedge: bool = mode is PositionMode.HEDGE
        self._kit_caps = capabilities
        self._kit_deny: bool = settings.deny_invalid
        self._kit_margin_check: bool = settings.margin_check
        self._kit_leverage: float | None = settings.leverage
        self._kit_emulate: bool | None = settings.emulate_venue_params
        self._kit_entries: dict[InstrumentId, _InstrumentEntry] = {}
        self._kit_algo = AlgoOrderBook(capabilities)
        self._kit_close_book = ClosePositionBook()
        self._kit_algo_tracked = self._kit_algo.tracked
        # Every order of every helper is admitted by this one pipeline (core/pipeline.py).
        self._kit_pipeline = OrderPipeline(
            capabilities, mode, self._kit_algo,
            margin_check=settings.margin_check, leverage=settings.leverage,
        )
        self._kit_admit_order = self._kit_pipeline.admit
        # Classes whose orders the algo book never tracks: _kit_transmit skips it for them.
        self._kit_never_algo: frozenset[type] = frozenset(
            cls for cls, otype in _ORDER_TYPE_OF_CLASS.items()
            if not self._kit_algo.is_algo(ORDER_TYPE[otype])
        )
        self._kit_close_ids = self._kit_close_book.tracked
        self._kit_invalid: Counter[str] = Counter()
        self._kit_submits: Counter[type] = Counter()  # per order class (cheap to hash)
        self._kit_emulated: Counter[str] = Counter()
        #: What the venue closed (liquidation, ADL, settlement) that Nautilus booked away from
        #: the strategy's legs: the helpers read each leg as the venue holds it (kit_holding).
        self._kit_ledger = VenueCloseLedger()
        self._kit_policy = PolicyRuntime(
            self,
            settings.policy(type(self).error_policy),
            send=self._kit_transmit,
            fail_fast=settings.fail_fast,
            budget=RateBudget.binance_futures(settings.orders_per_10s, settings.orders_per_minute),
            on_needs_change=self._kit_sync_intake,
            # what _kit_transmit would do for an order with no params that no book tracks
            direct_send=self.submit_order,  # type: ignore[attr-defined]
            direct_classes=self._kit_never_algo,
        )
        # Bound once: they run for every order / event of the strategy.
        self._kit_policy_submit = self._kit_policy.submit
        self._kit_router = OrderEventRouter(
            self._kit_policy, self._kit_algo_tracked, self._kit_close_ids, self._kit_on_books,
        )
        # What the kit reads through the hooks while running (_kit_read_through_hooks): every
        # hook through the router, except the venue's answers, which _kit_sync_intake sends
        # straight to the policy while the books are empty.
        self._kit_policy_venue_answer = self._kit_policy.on_venue_answer
        self._kit_reads = (self._kit_router.on_order_event, self._kit_policy_venue_answer)
        self._kit_venue_hooks = tuple(
            name for name, cls in EVENT_HOOKS.items()
            if self._kit_policy.event_handlers.get(cls) == self._kit_policy_venue_answer
        )
        if type(self).cancel is ExecutionMixin.cancel:
            # cancel() *is* cancel_order (the author's override, if any): Nautilus then calls no
            # Python wrapper on every cancel
            self.__dict__["cancel"] = self.cancel_order  # type: ignore[attr-defined]
        self._kit_hooked = False
        # the venue-answer hooks' read while hooked; None: withdrawn (_kit_sync_intake)
        self._kit_venue_read: Any = None
        self._kit_withdrawn: dict[str, object] = {}  # what withdraw_hooks gave back

    #: The error policy this strategy class starts from (``None``: ``ErrorPolicy.default()``);
    #: ``config.error_policy`` overrides are applied on top. Override per class::
    #:
    #:     class MyStrategy(ExecutionMixin, Strategy):
    #:         error_policy = ErrorPolicy.default().with_overrides({"-2019": "fail_fast"})
    error_policy: ErrorPolicy | None = None

    # -- hooks --------------------------------------------------------------------------------

    def on_risk_event(self, event: RiskEvent) -> None:
        """Called when Binance liquidates, auto-deleverages (ADL) or settles a position on this
        account (exchange-generated orders ``autoclose-...``, ``adl_autoclose``,
        ``settlement_autoclose-...``), whoever owned the position.

        Replayed events (``event.replayed``: found in the cache at start, e.g. a liquidation while
        the node was down) may arrive before ``on_start``. The default logs a warning; override
        it to react (re-check exposure, stop trading, alert someone). Nautilus books such a fill
        to an ``-EXTERNAL`` position and leaves the strategy's own one open: the kit's helpers
        already read the leg as the venue holds it, and so should the strategy
        (:meth:`kit_holding`, not ``cache.position(...)``).
        """
        self.log.warning(f"exec-kit risk event: {event}")

    def exec_kit_risk_events(self) -> list[RiskEvent]:
        """Every risk event delivered so far (as on NautilusTrader 2)."""
        watcher = getattr(self, "_kit_risk_events", None)
        return [] if watcher is None else list(watcher.delivered)

    def register(
        self, trader_id: Any, portfolio: Any, msgbus: Any, cache: Any, clock: Any,
    ) -> None:
        """Nautilus registers the strategy with the trader; the kit then reads the strategy's
        order events from the message bus (until it runs: see :meth:`start`), subscribes to its
        position events and attaches its risk-event watcher, all before start-up
        reconciliation, so no reject and no exchange-generated fill is missed (fills already
        cached, e.g. loaded from Redis, are replayed).
        """
        super().register(  # type: ignore[misc]
            trader_id=trader_id, portfolio=portfolio, msgbus=msgbus, cache=cache, clock=clock,
        )
        self._kit_msgbus = msgbus
        self._kit_router.read_from_bus(msgbus, f"events.order.{self.id}", True)
        msgbus.subscribe(
            topic=f"events.position.{self.id}",
            handler=self._kit_on_position_event,
            priority=KIT_EVENT_PRIORITY,
        )
        self._kit_risk_events = RiskEventWatcher(
            self, ledger=self._kit_ledger, mode=self._kit_mode,
        ).attach(replay=True)

    # Where the kit reads order events (intake.py): through Nautilus' hooks while the strategy
    # runs (they are called only then), from the message bus otherwise. Each switch happens
    # while no event can be dispatched, so an event comes in one way only.

    def start(self) -> None:
        """Nautilus starts the strategy; once it runs, the kit reads through the hooks."""
        super().start()  # type: ignore[misc]
        self._kit_read_through_hooks()

    def resume(self) -> None:
        """Nautilus resumes a stopped strategy; once it runs, the kit reads through the hooks."""
        super().resume()  # type: ignore[misc]
        self._kit_read_through_hooks()

    def stop(self) -> None:
        """Nautilus stops the strategy: the kit reads from the bus again first (the events of
        ``on_stop``'s cancels come while no hook is called). Orders the error policy still
        holds are dropped before ``on_stop`` and again after it: Nautilus cancels the
        strategy's timers after ``on_stop``, so they would never be sent, and ``on_stop``'s
        closes must not count them (each is logged)."""
        self._kit_read_from_bus()
        self._kit_policy.drop_unsent()
        super().stop()  # type: ignore[misc]
        self._kit_policy.drop_unsent()

    def degrade(self) -> None:
        """Like :meth:`stop`: a degraded strategy's hooks are not called."""
        self._kit_read_from_bus()
        super().degrade()  # type: ignore[misc]

    def fault(self) -> None:
        """Like :meth:`stop`: a faulted strategy's hooks are not called."""
        self._kit_read_from_bus()
        super().fault()  # type: ignore[misc]

    def _kit_read_through_hooks(self) -> None:
        """Hooks instead of the bus, if the strategy runs and the hooks are certain to see
        every event the kit needs, in the order the bus gave them. Not when the strategy class
        has its own ``handle_event`` (it may skip Nautilus' dispatch) or its own ``stop`` /
        ``degrade`` / ``fault`` (the kit's switch back to the bus may not run), nor with
        ``manage_stop`` (a market exit stops the strategy from inside Nautilus, past
        :meth:`stop`) or ``manage_contingent_orders`` (Nautilus' order manager acts on an event
        before the hooks, and its own events would reach the kit first). A second start while
        running (a Controller starting a strategy twice) changes nothing."""
        msgbus = getattr(self, "_kit_msgbus", None)
        if msgbus is None or not self.is_running:  # type: ignore[attr-defined]
            return
        cls = type(self)
        config = self.config  # type: ignore[attr-defined]
        if (
            getattr(cls, "handle_event", None) is not Strategy.handle_event
            or any(
                getattr(cls, name) is not getattr(ExecutionMixin, name)
                for name in ("stop", "degrade", "fault")
            )
            or getattr(config, "manage_stop", False)
            or getattr(config, "manage_contingent_orders", False)
        ):
            return
        router = self._kit_router
        read = router.on_order_event
        install_hooks(self, dict.fromkeys(EVENT_HOOKS, read), self._kit_reads)
        self._kit_hooked = True
        self._kit_venue_read = read
        self._kit_withdrawn = {}
        self._kit_sync_intake()
        router.read_from_bus(msgbus, f"events.order.{self.id}", False)

    def _kit_sync_intake(self) -> None:
        """While the kit reads through the hooks, the venue's answers (accepted, filled,
        canceled, ...) are read through the router (the policy, then the books) while the algo
        or close_position book holds an order; straight by the error policy while only it
        needs them (a chain retries or is being reconciled); and not at all otherwise: the
        policy then settles its orders from their event history (``PolicyRuntime.catch_up``).
        Measured side by side on a cancel/replace backtest: straight instead of the router
        about +0.6% throughput, not reading them at all about +0.7% more (12 rounds, sd 0.016).

        Called wherever that can change: a book only grows where the kit sends an order
        (before it is sent, so the router reads all of its events) and only shrinks on an
        event the router or the position subscription read; the policy calls it when its need
        changes. Before the answers are read again, the policy catches up on those it missed.
        """
        if not self._kit_hooked:
            return
        policy = self._kit_policy
        read: Any
        if self._kit_algo_tracked or self._kit_close_ids:
            read = self._kit_router.on_order_event
        elif policy.needs_venue_answers:
            read = self._kit_policy_venue_answer
        else:
            read = None
        current = self._kit_venue_read
        if read == current:
            return
        if read is None:
            self._kit_withdrawn = withdraw_hooks(self, self._kit_venue_hooks, self._kit_reads)
        else:
            if current is None:
                policy.catch_up()  # the answers it did not read, before it reads the next
            install_hooks(
                self, dict.fromkeys(self._kit_venue_hooks, read), self._kit_reads,
                only_ours=True, restored=self._kit_withdrawn,
            )
            self._kit_withdrawn = {}
        self._kit_venue_read = read

    def _kit_read_from_bus(self) -> None:
        msgbus = getattr(self, "_kit_msgbus", None)
        if msgbus is None:
            return
        router = self._kit_router
        if self._kit_hooked and self._kit_venue_read is None:
            self._kit_policy.catch_up()  # the bus delivers every answer from now on
        router.read_from_bus(msgbus, f"events.order.{self.id}", True)
        self._kit_hooked = False
        replaced = remove_hooks(self, self._kit_reads, self._kit_withdrawn)
        self._kit_withdrawn = {}
        if replaced:
            self.log.warning(  # type: ignore[attr-defined]
                f"exec-kit: {', '.join(replaced)} was replaced on the instance while the "
                "strategy ran, so the kit did not read those events meanwhile; set order "
                "hooks in the class body (or before start)",
            )

    def dispose(self) -> None:
        """Nautilus disposes the strategy (``engine.dispose()``, node shutdown); the kit then
        lets go of the venue account and instruments it cached for the hot path.

        Nautilus 1.231 keeps a disposed strategy object reachable (the bound methods it
        handed to the message bus outlive it), and a cached account holds every account
        state of the run: a parameter sweep running many backtests in one process would keep
        each one's history. The kit's caches are rebuilt on first use if the strategy is
        used again.
        """
        super().dispose()  # type: ignore[misc]
        self._kit_entries.clear()

    def on_order_invalid(self, error: OrderValidationError) -> None:
        """Called with the error when a helper denies an order (``on_invalid_order="deny"``)."""

    # -- public read-only state ---------------------------------------------------------------

    @property
    def position_mode(self) -> PositionMode:
        """The kit's position mode (from the config)."""
        return self._kit_mode

    @property
    def emulating_venue_params(self) -> bool:
        """True when close_position / price_match are emulated (simulated venue)."""
        emulate = self._kit_emulate
        if emulate is None:
            # Resolved lazily: the clock only exists once the strategy is registered.
            emulate = self._kit_emulate = isinstance(self.clock, TestClock)
        return emulate

    def exec_kit_stats(self) -> dict[str, int]:
        """Counters for run summaries.

        Keys: ``invalid.<ErrorClass>`` (denied/raised orders), ``submit.<ORDER_TYPE>`` (orders
        sent by helpers), ``emulated.<action>`` (close_position resizes/cancels, price_match
        pricing), ``algo_open`` (open algo orders, all instruments) and, on a live node, the
        Binance request weight (``weight.used_1m``, ``weight.peak_1m``, ``weight.limit``,
        ``weight.rate_limited``: ``live/weight.py``), and the error policy's restrictions:
        ``reduce_only_mode`` (active reduce-only modes: the account's and each symbol's),
        ``instruments_stopped`` and ``refused_restricted`` (orders the kit refused for them;
        the details are in ``exec_kit_policy_stats()["restrictions"]``).
        """
        stats: dict[str, int] = {f"invalid.{k}": v for k, v in self._kit_invalid.items()}
        for cls, count in (+self._kit_submits).items():
            order_type = _ORDER_TYPE_OF_CLASS.get(cls)
            stats[f"submit.{order_type.name if order_type else cls.__name__}"] = count
        stats.update({f"emulated.{k}": v for k, v in self._kit_emulated.items()})
        stats["algo_open"] = len(self._kit_algo.tracked)  # open algo orders, every instrument
        # A live node's request-weight meter (live/weight.py); a backtest never loads it.
        weight = sys.modules.get("nautilus_exec_kit.live.weight")
        if weight is not None:
            stats.update(weight.request_weight_stats(self.trader_id))  # type: ignore[attr-defined]
        stats.update(self._kit_policy.restriction_counts())
        return stats

    def exit_reduce_only_mode(self, instrument_id: InstrumentId | str | None = None) -> int:
        """End the error policy's reduce-only mode now: ``instrument_id`` that instrument's
        (``"account"``: the account-wide one), ``None`` every one. Orders that increase exposure
        go out again (the venue may refuse them again, which starts the mode again). Returns
        how many modes ended."""
        return len(self._kit_policy.exit_reduce_only_mode(scope_text(instrument_id)))

    def resume_instrument(self, instrument_id: InstrumentId | str | None = None) -> int:
        """Trade an instrument the error policy stopped (-4140, -4141, ...) again (``None``:
        every stopped one). Returns how many stops ended."""
        return len(self._kit_policy.resume_instrument(scope_text(instrument_id)))

    def exec_kit_policy_stats(self) -> dict[str, Any]:
        """The error policy's counters (per code, per action, retries, halts, ...)."""
        return self._kit_policy.stats()

    @property
    def exec_kit_policy(self) -> PolicyRuntime:
        """The error policy runtime (its ``decisions`` hold the latest policy decisions)."""
        return self._kit_policy

    def open_algo_orders(self, instrument_id: InstrumentId) -> int:
        """Open algo (conditional) orders the kit tracks for ``instrument_id``."""
        return self._kit_algo.open_count(instrument_id)

    def kit_holding(
        self, instrument_id: InstrumentId, position_side: str | PositionSide | None = None,
    ) -> Holding:
        """A leg as the venue holds it: the core's ``Holding`` (``side``: the core's
        ``PositionSide`` or None when flat, ``quantity_raw``: the size as a raw integer at
        Nautilus' fixed precision). It is the node's position on the leg's ID plus what Binance
        closed by itself (liquidation, ADL, settlement) that Nautilus booked to an
        ``-EXTERNAL`` position instead (:mod:`nautilus_exec_kit.risk_events`). After a risk
        event read this, not ``cache.position(...)``: the kit's close helpers, close_position
        sizes and margin check do. ``position_side`` is required in hedge mode and ignored in
        one-way mode; the same method and meaning as on NautilusTrader 2."""
        return self._kit_entry(instrument_id).holding(holding_leg(self._kit_mode, position_side))

    def kit_unsent_orders(
        self, instrument_id: InstrumentId | None = None,
        position_side: str | PositionSide | None = None,
    ) -> list[Order]:
        """Orders a helper returned that have not reached Nautilus yet: queued by the error
        policy (a backoff after -1003 / 429, a cooldown, the rate budget) or waiting for a
        retry. They are not in the cache (``cache.orders_inflight()`` misses them): a
        strategy that sends "unless an order is already on its way" counts these too, or it
        queues one more on every quote of a backoff and the venue gets them all at its end.
        Optionally of one instrument, and of one leg (``position_side``, hedge mode). The same
        method and meaning as on NautilusTrader 2."""
        leg_id = (None if instrument_id is None or position_side is None
                  else self.kit_position_id(instrument_id, position_side))
        return orders_on(self._kit_policy.unsent_orders(), instrument_id, leg_id)

    def kit_position_id(
        self, instrument_id: InstrumentId, position_side: str | None = None,
    ) -> PositionId:
        """The position ID the kit (and the live adapter) use for this instrument and leg."""
        side = normalize_position_side(position_side)
        return position_id_for(instrument_id, self._kit_mode, side)

    # -- order helpers --------------------------------------------------------------------------
    #
    # Each helper converts its arguments (Nautilus 1 values -> the core's OrderIntent), asks
    # the pipeline for the leg, builds the order with order_factory and sends it. What an order
    # must satisfy is the pipeline's alone.

    def submit_market(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: NumberLike,
        *,
        time_in_force: TimeInForce = TimeInForce.GTC,
        reduce_only: bool = False,
        position_side: str | PositionSide | None = None,
        tags: list[str] | None = None,
    ) -> Order | None:
        """Submit a validated MARKET order. Returns the order, or None when denied."""
        try:
            entry = self._kit_entry(instrument_id)
            qty = entry.quantity(quantity)
            intent = OrderIntent(
                _CORE_MARKET, SIDE[side], qty.raw, time_in_force=TIME_IN_FORCE[time_in_force],
                reduce_only=reduce_only,
            )
            leg = self._kit_admit_order(entry, intent, position_side)
            order = self.order_factory.market(
                instrument_id, side, qty, time_in_force=time_in_force,
                reduce_only=reduce_only, tags=tags,
            )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, entry.position_ids[leg], None)
        return order

    def submit_limit(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: NumberLike,
        price: NumberLike | None = None,
        *,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_time: datetime | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        display_qty: NumberLike | None = None,
        price_match: str | None = None,
        position_side: str | PositionSide | None = None,
        tags: list[str] | None = None,
    ) -> Order | None:
        """Submit a validated LIMIT order (``price`` may be omitted with ``price_match``)."""
        try:
            entry = self._kit_entries.get(instrument_id) or self._kit_entry(instrument_id)
            qty = entry.quantity(quantity)
            px = (
                entry.price(price) if price_match is None and price is not None
                else self._kit_limit_price(entry, side, price, price_match)
            )
            disp = entry.quantity(display_qty, "display_qty") if display_qty else None
            intent = OrderIntent(
                _CORE_LIMIT, SIDE[side], qty.raw, px.raw,
                time_in_force=TIME_IN_FORCE[time_in_force],
                expire_time_ns=dt_to_unix_nanos(expire_time) if expire_time else None,
                post_only=post_only, reduce_only=reduce_only,
                display_qty=None if disp is None else disp.raw, price_match=price_match,
            )
            leg = self._kit_admit_order(entry, intent, position_side)
            if time_in_force is _GTC and not (
                post_only or reduce_only or expire_time or disp or tags
            ):
                # the same order: Cython parses (and converts) fewer arguments
                order = self.order_factory.limit(instrument_id, side, qty, px)
            else:
                order = self.order_factory.limit(
                    instrument_id, side, qty, px, time_in_force, expire_time, post_only,
                    reduce_only, False, disp, tags=tags,
                )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(
            order, entry.position_ids[leg], adapter_params(intent) if price_match else None,
        )
        return order

    def submit_stop_market(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: NumberLike | None,
        trigger_price: NumberLike,
        *,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_time: datetime | None = None,
        reduce_only: bool = False,
        close_position: bool = False,
        position_side: str | PositionSide | None = None,
        tags: list[str] | None = None,
    ) -> Order | None:
        """Submit a validated STOP_MARKET (``quantity=None`` allowed with ``close_position``)."""
        return self._kit_submit_triggered_market(
            OrderType.STOP_MARKET, instrument_id, side, quantity, trigger_price, trigger_type,
            time_in_force, expire_time, reduce_only, close_position, position_side, tags,
        )

    def submit_take_profit(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: NumberLike | None,
        trigger_price: NumberLike,
        *,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_time: datetime | None = None,
        reduce_only: bool = False,
        close_position: bool = False,
        position_side: str | PositionSide | None = None,
        tags: list[str] | None = None,
    ) -> Order | None:
        """Submit a validated take-profit market order (Nautilus MARKET_IF_TOUCHED)."""
        return self._kit_submit_triggered_market(
            OrderType.MARKET_IF_TOUCHED, instrument_id, side, quantity, trigger_price,
            trigger_type, time_in_force, expire_time, reduce_only, close_position,
            position_side, tags,
        )

    def submit_stop_limit(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: NumberLike,
        price: NumberLike | None,
        trigger_price: NumberLike,
        **kwargs: Any,
    ) -> Order | None:
        """Submit a validated STOP_LIMIT (same keywords as :meth:`submit_limit`, plus
        ``trigger_type``)."""
        return self._kit_submit_triggered_limit(
            OrderType.STOP_LIMIT, instrument_id, side, quantity, price, trigger_price, **kwargs,
        )

    def submit_take_profit_limit(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: NumberLike,
        price: NumberLike | None,
        trigger_price: NumberLike,
        **kwargs: Any,
    ) -> Order | None:
        """Submit a validated take-profit limit order (Nautilus LIMIT_IF_TOUCHED)."""
        return self._kit_submit_triggered_limit(
            OrderType.LIMIT_IF_TOUCHED, instrument_id, side, quantity, price, trigger_price,
            **kwargs,
        )

    def submit_trailing_stop(
        self,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: NumberLike,
        callback_bps: int,
        activation_price: NumberLike | None = None,
        *,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        reduce_only: bool = False,
        position_side: str | PositionSide | None = None,
        tags: list[str] | None = None,
    ) -> Order | None:
        """Submit a validated TRAILING_STOP_MARKET with a Binance callback rate in basis points
        (10..1000 = 0.1 %..10 %), optionally activated at ``activation_price``."""
        try:
            entry = self._kit_entry(instrument_id)
            qty = entry.quantity(quantity)
            act = (
                entry.price(activation_price, "activation_price")
                if activation_price is not None
                else None
            )
            offset = Decimal(callback_bps)
            intent = OrderIntent(
                vocab.OrderType.TRAILING_STOP_MARKET, SIDE[side], qty.raw,
                trigger_type=TRIGGER_TYPE[trigger_type],
                time_in_force=TIME_IN_FORCE[time_in_force], reduce_only=reduce_only,
                trailing_offset=offset, trailing_offset_type=_BASIS_POINTS,
                activation_price=None if act is None else act.raw,
            )
            leg = self._kit_admit_order(entry, intent, position_side)
            order = self.order_factory.trailing_stop_market(
                instrument_id, side, qty, offset, activation_price=act,
                trigger_type=trigger_type,
                trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
                time_in_force=time_in_force, reduce_only=reduce_only, tags=tags,
            )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, entry.position_ids[leg], None)
        return order

    def submit_validated(
        self,
        order: Order,
        position_side: str | PositionSide | None = None,
        params: dict[str, Any] | None = None,
    ) -> Order | None:
        """Validate and send an order built with ``self.order_factory``.

        ``params`` may hold ``close_position`` / ``price_match`` exactly as the adapter takes
        them. Returns the order, or None when denied.
        """
        try:
            entry = self._kit_entry(order.instrument_id)
            leg = self._kit_admit_order(
                entry, intent_from_order(entry.rules, order, params), position_side,
            )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, entry.position_ids[leg], params)
        return order

    def modify(
        self,
        order: Order,
        quantity: NumberLike | None = None,
        price: NumberLike | None = None,
        trigger_price: NumberLike | None = None,
    ) -> bool:
        """Amend an open order, if the venue can (Binance futures: LIMIT only).

        Returns True when the modify was sent, False when denied (``on_invalid_order="deny"``).
        """
        try:
            check_modifiable(order, self._kit_caps)
            rules = self._kit_entry(order.instrument_id).rules
            qty = coerce_quantity(rules, quantity) if quantity is not None else None
            px = coerce_price(rules, price) if price is not None else None
            tpx = (
                coerce_price(rules, trigger_price, "trigger_price")
                if trigger_price is not None
                else None
            )
        except OrderValidationError as error:
            self._kit_invalid_order(error)
            return False
        self.modify_order(order, qty, px, tpx)
        return True

    def cancel(self, order: Order) -> None:
        """Cancel an order: ``self.cancel_order(order)``, so an author's own ``cancel_order``
        override runs too (the algo book is released by the venue's answer). Each instance
        binds ``cancel`` to its ``cancel_order`` at construction (one call less per cancel)."""
        self.cancel_order(order)

    # -- close helpers ------------------------------------------------------------------------

    def close_long(
        self, instrument_id: InstrumentId, quantity: NumberLike | None = None,
    ) -> Order | None:
        """Close (part of) the long position with a market order; never over-closes.

        ``quantity=None`` closes what is left of the leg after open closing orders. Returns
        None when there is nothing to close (or when denied).
        """
        return self._kit_close(instrument_id, PositionSide.LONG, quantity)

    def close_short(
        self, instrument_id: InstrumentId, quantity: NumberLike | None = None,
    ) -> Order | None:
        """Close (part of) the short position with a market order; never over-closes."""
        return self._kit_close(instrument_id, PositionSide.SHORT, quantity)

    def close_all(self, instrument_id: InstrumentId | None = None) -> list[Order]:
        """Close every open position of this strategy (on one instrument, or all), each leg as
        the venue holds it (:meth:`kit_holding`): a leg the venue liquidated sends nothing."""
        instruments = dict.fromkeys(
            position.instrument_id
            for position in self.cache.positions_open(
                instrument_id=instrument_id, strategy_id=self.id,
            )
        )
        instruments.update(dict.fromkeys(
            iid for iid, _ in self._kit_ledger.legs()
            if instrument_id is None or iid == instrument_id
        ))
        orders: list[Order] = []
        for iid in instruments:
            entry = self._kit_entry(iid)
            for leg in entry.position_ids:
                side = entry.holding(leg).side
                if side is None:
                    continue
                order = self._kit_close(iid, NT_POSITION_SIDE[side], None)
                if order is not None:
                    orders.append(order)
        return orders

    # -- seams for the error policy -------------------------------------------------------------

    def _kit_send(
        self, order: Order, position_id: PositionId, params: dict[str, Any] | None,
    ) -> None:
        """The single exit of every helper-built order: through the error policy's gate
        (halt, circuit breaker, rate budget), which then calls :meth:`_kit_transmit`.

        An order the gate refuses leaves no trace in the kit's books or counters.
        """
        self._kit_policy.submit(order, position_id, params)
        self._kit_submits[type(order)] += 1

    def _kit_transmit(
        self, order: Order, position_id: PositionId | None, params: dict[str, Any] | None,
    ) -> None:
        """Hand an order to Nautilus (first sends, queued sends and policy retries alike; the
        policy's fast path sends an order without params of a class no book tracks straight
        to ``submit_order``, which is all this would do for it)."""
        if params is not None and params.get("close_position") and position_id is not None:
            # The close_position book takes each such order here, as it leaves (first sends,
            # queued sends and policy retries, which are fresh orders with new client order
            # IDs alike), and only here: an order the gate refuses or a fail-fast error stops
            # never enters it, and every event of one that is sent reaches it.
            self._kit_close_book.add(order.client_order_id, position_id, order.side)
            self._kit_sync_intake()
        if type(order) not in self._kit_never_algo:
            record_sent(self._kit_algo, order)
            self._kit_sync_intake()
        # positional: Cython parses keyword arguments on a slower path
        self.submit_order(order, position_id, None, params)

    def _kit_on_books(self, event: Any) -> None:
        """An order event while the algo or close_position book holds orders (the
        :class:`~nautilus_exec_kit.intake.OrderEventRouter` calls it after the error policy).
        Never raises."""
        try:
            tracked = self._kit_algo_tracked
            if tracked and event.client_order_id in tracked:
                record_event(self._kit_algo, event)
            if self._kit_close_ids:
                self._kit_track_close_position(event)
            self._kit_sync_intake()  # both books may be empty now
        except Exception as exc:
            self.log.error(f"exec-kit bookkeeping failed on {type(event).__name__}: {exc!r}")

    def _kit_on_position_event(self, event: Any) -> None:
        """Every position event of the strategy: close_position orders follow the position."""
        if self._kit_close_ids:
            try:
                self._kit_track_close_position(event)
                self._kit_sync_intake()
            except Exception as exc:
                self.log.error(f"exec-kit bookkeeping failed on {type(event).__name__}: {exc!r}")

    # -- internals ------------------------------------------------------------------------------

    def _kit_entry(self, instrument_id: InstrumentId) -> _InstrumentEntry:
        entry = self._kit_entries.get(instrument_id)
        if entry is None:
            instrument = self.cache.instrument(instrument_id)
            if instrument is None:
                raise ConfigurationError(
                    f"instrument {instrument_id} is not in the cache; add it to the engine or "
                    "load it with the instrument provider before submitting orders",
                )
            validator = OrderValidator(
                rules_of(instrument), self._kit_caps, hedge_mode=self._kit_hedge,
            )
            entry = self._kit_entries[instrument_id] = _InstrumentEntry(self, instrument, validator)
        return entry

    def _kit_leverage_of(self, account: Any, instrument_id: InstrumentId) -> float:
        """Configured leverage, else the account's for the instrument, else its default, else 1.

        Read once per instrument (the hot path); the config's ``leverage`` overrides it.
        """
        if self._kit_leverage is not None:
            return self._kit_leverage
        leverage = account.leverage(instrument_id) if hasattr(account, "leverage") else None
        if not leverage:
            leverage = getattr(account, "default_leverage", None) or 1
        return float(leverage)

    def _kit_limit_price(
        self,
        entry: _InstrumentEntry,
        side: OrderSide,
        price: NumberLike | None,
        price_match: str | None,
    ) -> Price:
        """The order's limit price: the caller's, or the book's for price_match.

        On a simulated venue price_match always prices from the book (the Binance meaning).
        Live, the caller's price is kept when given (the venue replaces it anyway); a missing one
        is taken from the book because a Nautilus order must carry a price.
        """
        emulating = self.emulating_venue_params
        book_match = book_price_match(price, price_match, emulating)
        if book_match is None:
            return entry.price(price)
        quote = self.cache.quote_tick(entry.instrument.id)
        if quote is None:
            raise no_quote_for(book_match, entry.instrument.id)
        if emulating:
            self._kit_emulated["price_match"] += 1
        raw = price_match_quote_raw(
            SIDE[side], book_match, int(quote.bid_price.raw), int(quote.ask_price.raw),
            entry.rules.price_grid.inc_raw,
        )
        return Price.from_raw(raw, entry.rules.price_precision)

    def _kit_submit_triggered_market(
        self,
        order_type: OrderType,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: NumberLike | None,
        trigger_price: NumberLike,
        trigger_type: TriggerType,
        time_in_force: TimeInForce,
        expire_time: datetime | None,
        reduce_only: bool,
        close_position: bool,
        position_side: str | PositionSide | None,
        tags: list[str] | None,
    ) -> Order | None:
        try:
            entry = self._kit_entry(instrument_id)
            if close_position:
                qty = self._kit_close_position_quantity(entry, side, quantity, position_side)
            else:
                if quantity is None:
                    raise ParamError(
                        "quantity", None, "is required unless close_position=True",
                        "pass a quantity, or close_position=True to close the whole position",
                    )
                qty = entry.quantity(quantity)
            tpx = entry.price(trigger_price, "trigger_price")
            intent = OrderIntent(
                ORDER_TYPE[order_type], SIDE[side], qty.raw, trigger_price=tpx.raw,
                trigger_type=TRIGGER_TYPE[trigger_type],
                time_in_force=TIME_IN_FORCE[time_in_force],
                expire_time_ns=dt_to_unix_nanos(expire_time) if expire_time else None,
                reduce_only=reduce_only, close_position=close_position,
            )
            leg = self._kit_admit_order(entry, intent, position_side)
            factory = (
                self.order_factory.stop_market
                if order_type == OrderType.STOP_MARKET
                else self.order_factory.market_if_touched
            )
            order = factory(
                instrument_id, side, qty, tpx, trigger_type, time_in_force, expire_time,
                reduce_only, tags=tags,
            )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, entry.position_ids[leg], adapter_params(intent))
        return order

    def _kit_submit_triggered_limit(
        self,
        order_type: OrderType,
        instrument_id: InstrumentId,
        side: OrderSide,
        quantity: NumberLike,
        price: NumberLike | None,
        trigger_price: NumberLike,
        *,
        trigger_type: TriggerType = TriggerType.DEFAULT,
        time_in_force: TimeInForce = TimeInForce.GTC,
        expire_time: datetime | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        display_qty: NumberLike | None = None,
        price_match: str | None = None,
        position_side: str | PositionSide | None = None,
        tags: list[str] | None = None,
    ) -> Order | None:
        try:
            entry = self._kit_entry(instrument_id)
            qty = entry.quantity(quantity)
            px = self._kit_limit_price(entry, side, price, price_match)
            tpx = entry.price(trigger_price, "trigger_price")
            disp = entry.quantity(display_qty, "display_qty") if display_qty else None
            intent = OrderIntent(
                ORDER_TYPE[order_type], SIDE[side], qty.raw, px.raw, tpx.raw,
                trigger_type=TRIGGER_TYPE[trigger_type],
                time_in_force=TIME_IN_FORCE[time_in_force],
                expire_time_ns=dt_to_unix_nanos(expire_time) if expire_time else None,
                post_only=post_only, reduce_only=reduce_only,
                display_qty=None if disp is None else disp.raw, price_match=price_match,
            )
            leg = self._kit_admit_order(entry, intent, position_side)
            factory = (
                self.order_factory.stop_limit
                if order_type == OrderType.STOP_LIMIT
                else self.order_factory.limit_if_touched
            )
            order = factory(
                instrument_id, side, qty, px, tpx, trigger_type, time_in_force, expire_time,
                post_only, reduce_only, False, disp, tags=tags,
            )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, entry.position_ids[leg], adapter_params(intent))
        return order

    def _kit_close_position_quantity(
        self,
        entry: _InstrumentEntry,
        side: OrderSide,
        quantity: NumberLike | None,
        position_side: object,
    ) -> Quantity:
        """The quantity a close_position order carries (the core's
        :func:`~nautilus_exec_kit.core.emulation.close_position_start_raw`)."""
        side_name = normalize_position_side(position_side) if position_side is not None else None
        leg = leg_for(self._kit_mode, side, side_name, closing=True)
        holding = entry.holding(leg)
        held = 0
        if holding.side is not None and CORE_CLOSING_SIDE[holding.side] is SIDE[side]:
            held = holding.quantity_raw
        requested = entry.quantity(quantity).raw if quantity is not None else None
        raw = close_position_start_raw(held, requested, entry.rules)
        return Quantity.from_raw(raw, entry.rules.size_precision)

    def _kit_close(
        self,
        instrument_id: InstrumentId,
        position_side: PositionSide,
        quantity: NumberLike | None,
    ) -> Order | None:
        try:
            entry = self._kit_entry(instrument_id)
            side_name = position_side.name
            leg = side_name if self._kit_hedge else "BOTH"
            pid = entry.position_ids[leg]
            holding = entry.holding(leg)  # as the venue holds it
            core_side = POSITION_SIDE[position_side]
            size = Decimal(0)
            if holding.side is core_side:
                size = Quantity.from_raw(
                    holding.quantity_raw, entry.instrument.size_precision,
                ).as_decimal()
            closing_side = CLOSING_SIDE[position_side]
            # In-flight (SUBMITTED) orders count too, and so do orders the error policy still
            # holds (queued behind the rate budget or a cooldown, or awaiting a retry).
            held = [
                (order, order_pid)
                for order, order_pid in self._kit_policy.unsent_orders()
                if order.instrument_id == instrument_id
            ]
            held_pid = {order.client_order_id: order_pid for order, order_pid in held}
            committed = committed_close_quantity(
                self.cache.orders_open(instrument_id=instrument_id, strategy_id=self.id)
                + self.cache.orders_inflight(instrument_id=instrument_id, strategy_id=self.id)
                + [order for order, _ in held],
                pid,
                closing_side,
                lambda coid: held_pid.get(coid) or self.cache.position_id(coid),
                self._kit_close_book.client_order_ids,
            )
            precision = entry.instrument.size_precision
            closable = max(size - committed, Decimal(0)).quantize(Decimal(1).scaleb(-precision))
            if quantity is None:
                if closable <= 0:
                    self.log.info(f"close_{side_name.lower()}: nothing to close on {pid}")
                    return None
                qty = Quantity(closable, entry.instrument.size_precision)
            else:
                qty = entry.quantity(quantity)
                check_close_quantity(leg, qty.as_decimal(), closable)
            # Validated as reduce-only: Binance exempts closes from min notional; in hedge mode
            # the order itself is sent without reduce_only (the adapter never sends it there).
            intent = OrderIntent(_CORE_MARKET, SIDE[closing_side], qty.raw, reduce_only=True)
            self._kit_admit_order(
                entry, intent, leg if self._kit_hedge else None, closing=True,
            )
            # One-way: reduce-only, unless the node's -BOTH does not cover the close (the venue
            # closed part of the leg and Nautilus booked that to -EXTERNAL): Nautilus' risk
            # engine would deny the order, so it goes without the flag, sized by the holding.
            order = self.order_factory.market(
                instrument_id, closing_side, qty,
                reduce_only=not self._kit_hedge and reduce_only_allowed(
                    entry.own_signed_raw(leg), core_side, qty.raw,
                ),
            )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, pid, None)
        return order

    def _kit_invalid_order(self, error: OrderValidationError) -> Order | None:
        self._kit_invalid[type(error).__name__] += 1
        if not self._kit_deny:
            raise error
        self.log.error(f"order denied by exec-kit: {type(error).__name__}: {error}")
        try:
            self.on_order_invalid(error)
        except Exception as exc:
            self.log.error(f"on_order_invalid raised {exc!r}")
        return None

    def _kit_track_close_position(self, event: object) -> None:
        """Keep the close_position book current and, on a simulated venue, emulate Binance."""
        book = self._kit_close_book
        if isinstance(event, _POSITION_EVENTS):
            if not self.emulating_venue_params:
                return
            position_id = event.position_id  # type: ignore[attr-defined]
            actions = book.plan(
                position_id,
                CLOSING_SIDE.get(event.side),  # type: ignore[attr-defined]
                event.quantity,  # type: ignore[attr-defined]
                isinstance(event, PositionClosed),
            )
            for action in actions:
                order = self.cache.order(action.client_order_id)
                if order is None or order.is_closed or order.is_pending_cancel:
                    continue
                if action.kind == "cancel":
                    self.cancel_order(order)
                    self._kit_emulated["close_position_cancel"] += 1
                else:
                    assert action.quantity is not None
                    target = Quantity(
                        action.quantity.as_decimal() + order.filled_qty.as_decimal(),
                        action.quantity.precision,
                    )
                    if target != order.quantity:
                        self.modify_order(order, quantity=target)
                        self._kit_emulated["close_position_resize"] += 1
            return
        coid = getattr(event, "client_order_id", None)
        if coid is not None and coid in book:
            if isinstance(event, _TERMINAL_ORDER_EVENTS):
                book.discard(coid)
            elif isinstance(event, OrderFilled):
                order = self.cache.order(coid)
                if order is None or order.is_closed:
                    book.discard(coid)


__all__ = ["ExecutionMixin"]
