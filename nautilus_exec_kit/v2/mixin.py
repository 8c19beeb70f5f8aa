"""ExecutionMixin on NautilusTrader 2: the same validated, Binance-aware helpers as on Nautilus 1.

Usage (the same as on v1, with v2's hook names)::

    class MyConfig(ExecKitConfig):
        instrument_id: InstrumentId = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")

    class MyStrategy(ExecutionMixin, Strategy):
        def on_quote(self, quote: QuoteTick) -> None:
            self.submit_limit(quote.instrument_id, OrderSide.BUY, "0.010", quote.bid_price)

Every helper describes its order as the core's ``OrderIntent`` and asks the core's
``OrderPipeline`` to admit it (the same pass, the same errors as on v1), then builds it with v2's
``order_factory`` and sends it through the error policy (:mod:`.policy`) with the position ID
the Binance adapter reports (``-BOTH`` / ``-LONG`` / ``-SHORT``) and the adapter params.

How the kit reads events on v2: Nautilus 2 calls the strategy's ``on_order_*`` /
``on_position_*`` hooks from Rust by attribute lookup, so the mixin wraps each hook it needs on
the instance at construction: the kit's read runs first, inside a guard that never raises, then
the author's handler (an override without ``super()`` cannot switch the kit off). v1's
message-bus reads before start-up have no v2 counterpart (v2 exposes no bus to Python).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, Final, NoReturn

from nautilus_trader import model as nt

from nautilus_exec_kit.core import vocab
from nautilus_exec_kit.core.algo import AlgoOrderBook
from nautilus_exec_kit.core.close_hold import (
    CHECK_HOLD_MAX_NS,
    FLIP_ORDERS,
    HOLD_MAX_NS,
    HoldKind,
    OrderHold,
    Released,
    SendTraits,
    flip_under_way,
    leaders,
    must_hold,
)
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
    ReconciliationMismatch,
    SubmissionsHalted,
)
from nautilus_exec_kit.core.intent import MarketSnapshot, OrderIntent
from nautilus_exec_kit.core.params import (
    adapter_params,
    parse_params,
)
from nautilus_exec_kit.core.pipeline import OrderPipeline
from nautilus_exec_kit.core.policy import ErrorPolicy, RateBudget
from nautilus_exec_kit.core.policy.restrictions import scope_text
from nautilus_exec_kit.core.positions import (
    CLOSING_SIDE,
    LEGS,
    PositionMode,
    check_close_quantity,
    committed_close_quantity,
    leg_for,
    normalize_position_side,
    orders_on,
)
from nautilus_exec_kit.core.reconciliation import STARTUP_CHECK_DELAY_MS
from nautilus_exec_kit.core.risk import (
    Holding,
    VenueCloseLedger,
    classify_client_order_id,
    holding_leg,
    reduce_only_allowed,
)
from nautilus_exec_kit.core.rules import fixed_raw
from nautilus_exec_kit.core.settings import KitSettings
from nautilus_exec_kit.core.validator import OrderValidator, check_modifiable
from nautilus_exec_kit.v2.convert import (
    NT_SIDE,
    ORDER_TYPE,
    POSITION_SIDE,
    SIDE,
    TIME_IN_FORCE,
    TRAILING_OFFSET_TYPE,
    TRIGGER_TYPE,
    coerce_price,
    coerce_quantity,
    nanos_of,
    position_id_for,
    rules_of,
)
from nautilus_exec_kit.v2.policy import REJECT_KINDS, VENUE_ANSWERS, PolicyRuntime
from nautilus_exec_kit.v2.reconciliation import (
    PositionVerdict,
    StartupPositionCheck,
    node_positions,
)
from nautilus_exec_kit.v2.risk_events import (
    SCAN_INTERVAL_NS,
    SCAN_TIMER,
    RiskEvent,
    RiskEventWatcher,
)

if TYPE_CHECKING:
    from nautilus_exec_kit.v2.config import ExecKitConfig

type NumberLike = Any  # Quantity | Price | Decimal | float | int | str

_CORE_MARKET: Final = vocab.OrderType.MARKET
_CORE_LIMIT: Final = vocab.OrderType.LIMIT
#: Events after which an algo order no longer counts as an open conditional order.
_ALGO_RELEASING: Final = (
    nt.OrderTriggered,
    nt.OrderFilled,
    nt.OrderCanceled,
    nt.OrderExpired,
    nt.OrderRejected,
    nt.OrderDenied,
)
#: How many of the latest market / limit orders the kit remembers to see a flip under way.
_RECENT_SENDS: Final = 256
#: Statuses of an order sent but not yet acknowledged by the venue.
_UNACKNOWLEDGED: Final = frozenset({nt.OrderStatus.INITIALIZED, nt.OrderStatus.SUBMITTED})
#: When a look at held orders runs after the event that calls for it: v2's live clock warns
#: ("alert time ... was in the past") about an alert set for "now", which is past by the time
#: it registers; 0.2 ms ahead it fires without the warning (measured: no slower a release).
_RELEASE_AFTER_NS: Final = 200_000
#: How many unanswered reduce-only orders the kit remembers before it forgets answered ones.
_REDUCING_SWEEP: Final = 32
#: What a held order waited for, by hold kind (the warning when it reached its bound).
_WAITED_FOR: Final[dict[HoldKind, str]] = {
    HoldKind.CLOSE_POSITION: "the flip",
    HoldKind.SEQUENCE: "an answer to the order it was held behind",
    HoldKind.POSITION_CHECK: "the start-up position check's verdict",
}
#: Order events after which a close_position order is no longer tracked.
_CLOSE_TERMINAL: Final = (nt.OrderCanceled, nt.OrderExpired, nt.OrderRejected, nt.OrderDenied)
#: The hooks of the events that carry a reject reason: the kit always reads them.
REJECT_HOOKS: Final[tuple[str, ...]] = (
    "on_order_denied",
    "on_order_rejected",
    "on_order_cancel_rejected",
    "on_order_modify_rejected",
)
#: The venue's answers: read only while a book or the policy needs them (_kit_sync_hooks).
VENUE_HOOKS: Final[tuple[str, ...]] = (
    "on_order_accepted",
    "on_order_triggered",
    "on_order_updated",
    "on_order_filled",
    "on_order_canceled",
    "on_order_expired",
)
ORDER_HOOKS: Final[tuple[str, ...]] = REJECT_HOOKS + VENUE_HOOKS
POSITION_HOOKS: Final[tuple[str, ...]] = (
    "on_position_opened",
    "on_position_changed",
    "on_position_closed",
)


class _InstrumentEntry:
    """One instrument as the core's pipeline sees it (an ``AccountView``), read from the v2
    strategy's cache, clock and portfolio only when a pipeline step asks."""

    __slots__ = (
        "_balance",
        "_cache",
        "_clock",
        "_currency",
        "_kit_ids",
        "_ledger",
        "_leverage",
        "_portfolio",
        "instrument",
        "instrument_key",
        "multiplier",
        "position_ids",
        "rules",
        "settlement_currency",
        "validator",
    )

    def __init__(
        self, strategy: Any, instrument: Any, validator: OrderValidator, mode: PositionMode,
    ) -> None:
        self.instrument = instrument
        self.instrument_key = instrument.id
        self.validator = validator
        self.rules = validator.rules
        legs = ("BOTH",) if mode is PositionMode.ONE_WAY else tuple(LEGS - {"BOTH"})
        self.position_ids = {leg: position_id_for(instrument.id, mode, leg) for leg in legs}
        multiplier = instrument.multiplier
        self.multiplier = 1.0 if multiplier is None else float(multiplier.as_double())
        self._currency = instrument.settlement_currency
        self.settlement_currency: str = self._currency.code
        self._cache = strategy._kit_cache
        self._clock = strategy._kit_clock
        self._portfolio = strategy._kit_portfolio
        self._leverage: float | None = strategy._kit_settings.leverage
        self._balance = strategy._kit_balance_of(instrument.id.venue, self._currency)
        self._ledger: VenueCloseLedger = strategy._kit_ledger
        self._kit_ids = frozenset(self.position_ids.values())

    def own_signed_raw(self, leg: str) -> int:
        """The signed raw quantity of the node's position on the leg's own ID."""
        return _signed_raw(self._cache.position(self.position_ids[leg]))

    def holding(self, leg: str) -> Holding:
        """What the leg holds at the venue. v2 books some of the venue's position away from
        the leg's ID, so the kit adds them back:

        * positions on other IDs of the instrument (any owner) that start-up reconciliation
          recovered (a restarted node books the venue's position to a generated ``P-...``
          or ``-EXTERNAL`` ID), on the leg of their side in hedge mode;
        * what the venue closed by itself (:mod:`.risk_events`; the positions those closes
          opened are skipped here, the ledger has them order by order).
        """
        own_id = self.position_ids[leg]
        signed = 0
        for pid in self._cache.position_open_ids(instrument_id=self.instrument_key):
            if pid == own_id:
                signed += _signed_raw(self._cache.position(pid))
            elif pid not in self._kit_ids:
                position = self._cache.position(pid)
                if (
                    position is not None
                    and classify_client_order_id(position.opening_order_id.value) is None
                    and self._leg_of(position) == leg
                ):
                    signed += _signed_raw(position)
        if not self._ledger:
            return Holding.of_signed(signed)
        return self._ledger.holding(signed, self.instrument_key, leg)

    def _leg_of(self, position: Any) -> str:
        if "BOTH" in self.position_ids:
            return "BOTH"
        return "LONG" if position.side == nt.PositionSide.LONG else "SHORT"

    def price(self, value: Any, field: str = "price") -> nt.Price:
        """``coerce_price``, skipped for a Price already at the instrument's precision (the
        pipeline checks its grid anyway; :meth:`ExecutionMixin.modify`, which has no
        pipeline, coerces itself)."""
        if type(value) is nt.Price and value.precision == self.rules.price_precision:
            return value
        return coerce_price(self.rules, value, field)

    def quantity(self, value: Any, field: str = "quantity") -> nt.Quantity:
        """``coerce_quantity``, skipped for a Quantity already at the instrument's precision."""
        if type(value) is nt.Quantity and value.precision == self.rules.size_precision:
            return value
        return coerce_quantity(self.rules, value, field)

    # -- AccountView --------------------------------------------------------------------------

    def market(self) -> MarketSnapshot | None:
        cache = self._cache
        iid = self.instrument_key
        return MarketSnapshot.of(cache.quote(iid), cache.trade(iid), cache.mark_price(iid))

    def now_ns(self) -> int:
        return int(self._clock.timestamp_ns())

    def margin(self, fresh: bool = False) -> tuple[float, float] | None:
        free = self._balance.free(fresh)
        if free is None:
            return None
        leverage = self._leverage
        if leverage is None:
            leverage = self._balance.leverage(self.instrument_key)
        return free, leverage

    def reserve(self, margin: float) -> None:
        self._balance.reserved += margin

    def held_quantity(self, leg: str, side: vocab.OrderSide) -> float:
        holding = self.holding(leg)
        if holding.side is not None and CLOSING_SIDE[holding.side] is side:
            return float(
                nt.Quantity.from_raw(holding.quantity_raw, self.rules.size_precision).as_double(),
            )
        return 0.0


def _checked_position_id(order: Any, position_id: Any) -> Any:
    """The position ID a close_position order goes to Nautilus 2 with: none when it is
    reduce-only (live), so v2's risk engine leaves its position to Binance's closePosition.

    Why: live, v2's adapter wants a close_position order reduce-only on the Nautilus order (it
    then sends ``closePosition``, never ``reduceOnly``), and v2's risk engine checks a
    reduce-only order against the position its *command names*: it denies it while that
    position does not exist (``POSITION_NOT_FOUND``: a protective stop sent with its entry,
    before the fill), is smaller than the order or has the other side
    (``REDUCE_ONLY_WOULD_INCREASE_POSITION``: a flip's stop sent beside the close of the old
    position). None of these stops Binance (or v1): a closePosition order is accepted with no
    position and, when it triggers, closes what the leg holds then, never more, and never
    opens one. Without a position ID the risk engine skips only that check (its others run)
    and the venue's closePosition guards the order. Its fill still lands on the leg: the
    adapter reports the venue's position ID (``-BOTH`` / ``-LONG`` / ``-SHORT``) with each
    fill and, in hedge mode, picks the leg from side + reduce-only, not from the ID. On a
    simulated venue close_position orders are not reduce-only (the kit's emulation sizes
    them) and keep their ID."""
    return None if order.is_reduce_only else position_id


def _traits(order: Any) -> SendTraits:
    """An order as the core's sequence rule reads it."""
    return SendTraits(
        SIDE[order.side], ORDER_TYPE[order.order_type], bool(order.is_reduce_only),
        bool(getattr(order, "is_post_only", False)),
    )


def _signed_raw(position: Any) -> int:
    if position is None or position.is_closed:
        return 0
    raw = int(position.quantity.raw)
    return -raw if position.side == nt.PositionSide.SHORT else raw


class _FreeBalance:
    """A lower bound of one account's free balance in one currency, re-read from the
    portfolio only when the bound cannot show that an order fits (or when it is older than
    :attr:`MAX_AGE_NS`).

    Why: v2's ``portfolio.account(venue)`` returns a *copy* of the account with its whole event
    history (measured: about 0.3 ms at 4 000 account events, growing with the run), so reading
    it for every order makes a backtest quadratic. Between two reads the bound is the free
    balance read, minus the initial margin of every order the kit admitted since (the pipeline
    reserves it), minus any fall in equity (``portfolio.equity``, cheap); cancels, fills and
    profits only raise the real free balance, so an order that fits the bound fits the
    account. Orders sent on the same account by other strategies (or by hand) since the last
    read are not in the bound: they are seen at the next read, at the latest after
    :attr:`MAX_AGE_NS` of strategy time.
    """

    MAX_AGE_NS: Final = 60_000_000_000

    __slots__ = ("_clock", "_currency", "_equity", "_free", "_leverages", "_portfolio",
                 "_read_ns", "_venue", "account", "reserved")

    def __init__(self, portfolio: Any, clock: Any, venue: Any, currency: Any) -> None:
        self._portfolio = portfolio
        self._clock = clock
        self._venue = venue
        self._currency = currency
        self._free: float | None = None
        self._equity = 0.0
        self._read_ns = 0
        self.reserved = 0.0
        self.account: Any = None
        self._leverages: dict[Any, float] = {}

    def _equity_now(self) -> float:
        money = self._portfolio.equity(self._venue).get(self._currency)
        return 0.0 if money is None else float(money.as_double())

    def free(self, fresh: bool) -> float | None:
        now = int(self._clock.timestamp_ns())
        if fresh or self._free is None or now - self._read_ns > self.MAX_AGE_NS:
            account = self.account = self._portfolio.account(self._venue)
            if account is None:
                return None
            money = account.balance_free(self._currency)
            self._free = 0.0 if money is None else float(money.as_double())
            self._equity = self._equity_now()
            self._read_ns = now
            self.reserved = 0.0
            self._leverages.clear()
            return self._free
        return self._free - self.reserved + min(0.0, self._equity_now() - self._equity)

    def leverage(self, instrument_id: Any) -> float:
        """The account's leverage for the instrument, as of the last read."""
        leverage = self._leverages.get(instrument_id)
        if leverage is None:
            if self.account is None:
                self.free(True)
            account = self.account
            leverage = 1.0 if account is None else float(account.leverage(instrument_id) or 1)
            self._leverages[instrument_id] = leverage
        return leverage


class ExecutionMixin:
    """Mix into a Nautilus 2 ``Strategy`` (first base) to get validated Binance order helpers.

    The strategy's config must subclass :class:`~nautilus_exec_kit.v2.config.ExecKitConfig`.
    A wrong kit configuration raises at construction, as on Nautilus 1.
    """

    if TYPE_CHECKING:
        cache: Any
        clock: Any
        log: Any
        portfolio: Any
        order_factory: Any
        config: Any

        def submit_order(self, order: Any, position_id: Any = ..., client_id: Any = ..., params: Any = ...) -> None: ...  # noqa: E501
        def modify_order(self, client_order_id: Any, quantity: Any = ..., price: Any = ..., trigger_price: Any = ...) -> None: ...  # noqa: E501
        strategy_id: Any

    #: The error policy this strategy class starts from (``None``: ``ErrorPolicy.default()``).
    error_policy: ErrorPolicy | None = None
    #: How long (strategy-clock ms) a live order waits at most for what it is held for (an
    #: earlier order's answer, a flip); then it is sent and the venue decides
    #: (:mod:`nautilus_exec_kit.core.close_hold`).
    order_hold_max_ms: int = HOLD_MAX_NS // 1_000_000
    #: How long (strategy-clock ms) an order sent before the start-up position check's verdict
    #: waits for it at most; then it is refused (SubmissionsHalted, logged), never sent on a
    #: position nobody verified (:data:`~nautilus_exec_kit.core.close_hold.CHECK_HOLD_MAX_NS`).
    position_check_hold_max_ms: int = CHECK_HOLD_MAX_NS // 1_000_000

    def __new__(cls, config: Any = None, *args: Any, **kwargs: Any) -> Any:
        """v2's ``Strategy.__new__`` takes the config alone; a strategy's ``__init__`` may take
        more (as on v1), so only the config goes on."""
        return super().__new__(cls, config)  # type: ignore[call-arg]

    def __init__(self, config: ExecKitConfig) -> None:
        super().__init__(config)  # type: ignore[call-arg]
        settings = self._kit_settings = KitSettings.from_config(config)
        self._kit_mode = settings.mode
        self._kit_hedge = settings.hedge
        self._kit_caps = settings.capabilities
        self._kit_algo = AlgoOrderBook(settings.capabilities)
        self._kit_close_book = ClosePositionBook()
        #: Orders held live so the venue meets them in the order that matters (close_position
        #: orders through a flip, orders behind an earlier order's answer), or until the
        #: start-up position check's verdict (:mod:`...core.close_hold`), the instruments whose
        #: held orders are due a look, and the alerts' sequence.
        self._kit_held = OrderHold(type(self).order_hold_max_ms * 1_000_000,
                                   type(self).position_check_hold_max_ms * 1_000_000)
        self._kit_release_due: set[Any] = set()
        self._kit_release_seq = 0
        #: Whether sends are sequenced (live, one-way; set at start), and the reduce-only
        #: orders sent and perhaps not answered yet (coid -> (order, sent at)): a later order
        #: on their side may have to wait for them (:meth:`_kit_hold_in_sequence`).
        self._kit_sequencing = False
        self._kit_reducing: dict[str, tuple[Any, int]] = {}
        #: The latest market / limit orders sent: a flip's close is one of them. v2 shows a
        #: sent order as INITIALIZED until its submit went through the bus, so the cache's
        #: in-flight and open lists miss it in the tick it was sent.
        self._kit_recent: deque[Any] = deque(maxlen=_RECENT_SENDS)
        self._kit_pipeline = OrderPipeline(
            settings.capabilities, settings.mode, self._kit_algo,
            margin_check=settings.margin_check, leverage=settings.leverage,
        )
        self._kit_entries: dict[Any, _InstrumentEntry] = {}
        self._kit_balances: dict[tuple[Any, str], _FreeBalance] = {}
        self._kit_invalid: Counter[str] = Counter()
        self._kit_submits: Counter[Any] = Counter()  # per v2 OrderType (cheap to hash)
        self._kit_emulated: Counter[str] = Counter()
        #: Orders of every helper go through this execution algorithm when set (the v2 seam
        #: for reject injection: :func:`nautilus_exec_kit.v2.backtest.add_reject_injector`).
        self.kit_exec_algorithm_id: Any = None
        self._kit_policy = PolicyRuntime(
            self,
            settings.policy(type(self).error_policy),
            send=self._kit_transmit,
            fail_fast=settings.fail_fast,
            budget=RateBudget.binance_futures(settings.orders_per_10s, settings.orders_per_minute),
            on_needs_change=self._kit_sync_hooks,
        )
        self._kit_algo_types = settings.capabilities.algo_types
        #: What the venue closed that v2 booked away from the strategy's positions.
        self._kit_ledger = VenueCloseLedger()
        self._kit_risk: RiskEventWatcher | None = None  # made once the cache can be read
        #: The start-up position check a live node attaches (None: backtests), its verdict,
        #: and whether the helpers send nothing now (pending verdict: orders wait for it; a
        #: halting mismatch: orders are refused).
        self._kit_position_check: StartupPositionCheck | None = None
        self._kit_position_verdict: PositionVerdict | None = None
        self._kit_gated = False
        self._kit_install_hooks()

    # -- event intake --------------------------------------------------------------------------

    def _kit_bind(self) -> None:
        """Take the strategy's Nautilus handles once, while they can be read: v2 refuses every
        attribute of a strategy that is inside its own ``submit_order`` ("Already mutably
        borrowed"), and a denial or fill can arrive right there, synchronously."""
        self._kit_cache = self.cache
        self._kit_clock = self.clock
        self._kit_log = self.log
        self._kit_factory = self.order_factory
        self._kit_portfolio = self.portfolio
        self._kit_strategy_id = self.strategy_id
        self._kit_sequencing = (
            self._kit_mode is PositionMode.ONE_WAY and not self.emulating_venue_params
        )
        self._kit_risk = RiskEventWatcher(
            self._kit_cache, self._kit_mode, self._kit_deliver_risk, self._kit_ledger,
        )
        self._kit_bound = True

    def _kit_install_hooks(self) -> None:
        """Wrap each hook the kit reads on the instance: the kit first, then the author's."""
        self._kit_bound = False
        author_on_start = self.on_start  # type: ignore[attr-defined,has-type]

        def on_start() -> None:
            self._kit_bind()
            self._kit_start_position_check()
            self._kit_adopt_open_algo_orders()
            self._kit_watch_risk()
            author_on_start()

        self.on_start = on_start  # type: ignore[method-assign]
        author_on_stop = self.on_stop  # type: ignore[attr-defined,has-type]

        def on_stop() -> None:
            # the policy's unsent orders would never be sent (the strategy's time alerts end
            # with it) and on_stop's closes must not count them: dropped before and after it
            self._kit_policy.drop_unsent()
            author_on_stop()
            self._kit_policy.drop_unsent()
            self._kit_drop_held_at_stop()

        self.on_stop = on_stop  # type: ignore[method-assign]
        self._kit_venue_hooked = False
        self._kit_wrappers: dict[str, Any] = {}
        for name in REJECT_HOOKS:
            self._kit_wrap(name, self._kit_on_order_event)
        for name in POSITION_HOOKS:
            self._kit_wrap(name, self._kit_on_position_event)

    def _kit_wrap(self, name: str, read: Callable[[Any], None]) -> None:
        author = getattr(self, name)

        def hook(event: Any) -> None:
            read(event)
            author(event)

        hook.__name__ = name
        self._kit_wrappers[name] = hook
        setattr(self, name, hook)

    def _kit_sync_hooks(self) -> None:
        """Read the venue's answers (accepted, filled, canceled, ...) only while the algo book,
        the close_position book or the error policy needs them: each read is a Python call
        from Rust per event. Measured on the cancel/replace benchmark: see the issue note of
        #13. An author's own instance hook set meanwhile is left in place."""
        needed = bool(
            self._kit_algo.tracked or self._kit_close_book.active or self._kit_held
            or self._kit_policy.needs_venue_answers
        )
        if needed == self._kit_venue_hooked:
            return
        self._kit_venue_hooked = needed
        for name in VENUE_HOOKS:
            if needed:
                self._kit_wrap(name, self._kit_on_order_event)
            elif self.__dict__.get(name) is self._kit_wrappers.get(name):
                del self.__dict__[name]  # the class's (the author's) hook again

    def _kit_on_order_event(self, event: Any) -> None:
        try:
            if type(event) in REJECT_KINDS or isinstance(event, VENUE_ANSWERS):
                self._kit_policy.on_event(event)
            coid = event.client_order_id
            if self._kit_algo.tracked and isinstance(event, _ALGO_RELEASING):
                self._kit_algo.release(coid.value)
            if coid.value in self._kit_close_book:
                if isinstance(event, _CLOSE_TERMINAL):
                    self._kit_close_book.discard(coid.value)
                elif isinstance(event, nt.OrderFilled):
                    order = self._kit_cache.order(coid)
                    if order is None or order.is_closed:
                        self._kit_close_book.discard(coid.value)
            if self._kit_held:
                self._kit_release_soon(event.instrument_id)
            if self._kit_venue_hooked:
                self._kit_sync_hooks()  # a book may be empty now
        except Exception as exc:
            self._kit_log.error(f"exec-kit bookkeeping failed on {type(event).__name__}: {exc!r}")

    def _kit_adopt_open_algo_orders(self) -> None:
        """Count the strategy's open algo orders already in the cache (a restarted node's,
        recovered by start-up reconciliation and claimed) against the open-conditional cap,
        and follow them to their trigger or end, as if the kit had sent them."""
        try:
            adopted = 0
            for order in self._kit_cache.orders_open(strategy_id=self._kit_strategy_id):
                order_type = ORDER_TYPE[order.order_type]
                coid = order.client_order_id.value
                if order_type in self._kit_algo_types and coid not in self._kit_algo.tracked:
                    self._kit_algo.on_sent(coid, order.instrument_id, order_type)
                    adopted += 1
            if adopted:
                self._kit_sync_hooks()
        except Exception as exc:
            self._kit_log.error(f"exec-kit algo-order adoption failed: {exc!r}")

    def _kit_watch_risk(self) -> None:
        """Deliver the risk fills start-up reconciliation brought back (``replayed``), then,
        on a live node, look for new ones once a second (:mod:`.risk_events`: v2 tells the
        strategy nothing of an external order it did not claim)."""
        assert self._kit_risk is not None
        try:
            self._kit_risk.scan(replayed=True)
            if not self.emulating_venue_params:
                risk = self._kit_risk
                self._kit_clock.set_timer_ns(
                    SCAN_TIMER, SCAN_INTERVAL_NS, callback=lambda _event: risk.scan(),
                )
        except Exception as exc:
            self._kit_log.error(f"exec-kit risk-event watch failed: {exc!r}")

    def _kit_deliver_risk(self, event: RiskEvent) -> None:
        try:
            self.on_risk_event(event)
        except Exception as exc:
            self._kit_log.error(f"on_risk_event raised on {event.client_order_id}: {exc!r}")

    def _kit_on_position_event(self, event: Any) -> None:
        """A risk order opened (claimed) or closed (the kit's backtest venue) a position of this
        strategy (:mod:`.risk_events`); close_position orders follow their position on a
        simulated venue."""
        if self._kit_risk is not None:
            try:
                self._kit_risk.on_position_event(event)
            except Exception as exc:
                self._kit_log.error(f"exec-kit risk-event read failed: {exc!r}")
        if self._kit_held:
            self._kit_release_soon(event.instrument_id)
        if not self._kit_close_book.active or not self.emulating_venue_params:
            return
        try:
            closing = CLOSING_SIDE.get(POSITION_SIDE[event.side])
            actions = self._kit_close_book.plan(
                str(event.position_id),
                None if closing is None else NT_SIDE[closing],
                event.quantity,
                isinstance(event, nt.PositionClosed),
            )
            for action in actions:
                order = self._kit_cache.order(nt.ClientOrderId(str(action.client_order_id)))
                if order is None or order.is_closed or order.is_pending_cancel:
                    continue
                if action.kind == "cancel":
                    self.cancel_order(order.client_order_id)
                    self._kit_emulated["close_position_cancel"] += 1
                    continue
                target = nt.Quantity(
                    action.quantity.as_decimal() + order.filled_qty.as_decimal(),
                    action.quantity.precision,
                )
                if target != order.quantity:
                    self.modify_order(order.client_order_id, target)
                    self._kit_emulated["close_position_resize"] += 1
        except Exception as exc:
            self._kit_log.error(f"exec-kit bookkeeping failed on {type(event).__name__}: {exc!r}")

    # -- hooks for the author ------------------------------------------------------------------

    def on_order_invalid(self, error: OrderValidationError) -> None:
        """Called with the error when a helper denies an order (``on_invalid_order="deny"``)."""

    def on_position_check(self, verdict: PositionVerdict) -> None:
        """Called once on a live node when the start-up position check has its verdict. The
        kit already logged it and dealt with the orders sent before it (held until now: sent
        when the check passed, refused when it halts, which then refuses new orders too)."""

    def exec_kit_position_check(self) -> PositionVerdict | None:
        """The start-up position check's verdict (None: pending, or no check on this node)."""
        return self._kit_position_verdict

    def exec_kit_resume_trading(self) -> None:
        """Let the helpers send again after a failed position check (an operator checked the
        venue and the node): the kit's counterpart of v1's ``TradingState.ACTIVE``. Orders
        refused by the check stay refused; while the check is pending there is nothing to
        resume (orders wait for its verdict)."""
        if self._kit_gated and self._kit_position_verdict is None:
            self._kit_log.warning(
                "exec-kit: nothing to resume, the start-up position check has no verdict yet: "
                "orders sent now wait for it",
            )
            return
        if self._kit_gated:
            self._kit_log.warning("exec-kit: trading resumed after the position check by request")
        self._kit_gated = False

    def on_risk_event(self, event: RiskEvent) -> None:
        """Called when Binance liquidates, auto-deleverages (ADL) or settles a position on this
        account (client order IDs ``autoclose-...``, ``adl_autoclose``,
        ``settlement_autoclose-...``), whoever owned it; the same event as on v1. Replayed
        events (``event.replayed``) were in the cache when the strategy started. The default
        logs a warning; override it to react. The kit's helpers already read the leg as the
        venue holds it (v2 leaves the strategy's own position open: :mod:`.risk_events`)."""
        self._kit_log.warning(f"exec-kit risk event: {event}")

    def exec_kit_risk_events(self) -> list[RiskEvent]:
        """Every risk event delivered so far."""
        return [] if self._kit_risk is None else list(self._kit_risk.delivered)

    def kit_unsent_orders(
        self, instrument_id: Any = None, position_side: Any = None,
    ) -> list[Any]:
        """Orders a helper returned that have not reached Nautilus yet: held by the kit (until
        the start-up position check's verdict, a flip, an earlier order's answer) or queued
        by the error policy (backoff, rate budget). They are not in the cache yet
        (``cache.orders_inflight()`` misses them): a strategy that sends "unless an order is
        already on its way" counts these too. Optionally of one instrument, and of one leg
        (``position_side``, hedge mode)."""
        leg_id = (None if instrument_id is None or position_side is None
                  else self.kit_position_id(instrument_id, position_side))
        unsent = [(order, pid) for _, (order, pid, _) in self._kit_held.held_on_all()]
        unsent += self._kit_policy.unsent_orders()
        return orders_on(unsent, instrument_id, leg_id)

    def kit_holding(self, instrument_id: Any, position_side: Any = None) -> Holding:
        """A leg as the venue holds it (side and raw size): the strategy's own position plus
        the venue's closes v2 booked elsewhere. Use it instead of the node's position after a
        risk event (v1 has the same method). ``position_side`` is required in hedge mode and
        ignored in one-way mode."""
        return self._kit_entry(instrument_id).holding(holding_leg(self._kit_mode, position_side))

    # -- public read-only state ----------------------------------------------------------------

    @property
    def position_mode(self) -> PositionMode:
        return self._kit_mode

    @property
    def emulating_venue_params(self) -> bool:
        """True when close_position / price_match are emulated (simulated venue): the
        config's ``emulate_venue_params``, else whether the backtest helper marked the run."""
        emulate = self._kit_settings.emulate_venue_params
        if emulate is None:
            return bool(getattr(self, "kit_simulated_venue", False))
        return emulate

    def exec_kit_stats(self) -> dict[str, int]:
        """The same counters as on v1: ``invalid.<Error>``, ``submit.<TYPE>``,
        ``emulated.<action>``, ``algo_open``, ``reduce_only_mode``, ``instruments_stopped``,
        ``refused_restricted``; and, on v2 live only, ``close_hold.*`` (close_position orders
        held through a flip: :meth:`_kit_hold_close`), ``sequence_hold.*`` (orders held
        until an earlier order was answered: :meth:`_kit_hold_in_sequence`) and
        ``position_check_hold.*`` (orders sent before the start-up position check's verdict),
        each ``.held`` / ``.released`` / ``.refused`` (never sent: the check failed or gave no
        verdict) / ``.expired`` (at the bound) / ``.cancelled``."""
        stats: dict[str, int] = {f"invalid.{k}": v for k, v in self._kit_invalid.items()}
        stats.update({f"submit.{k.name}": v for k, v in self._kit_submits.items()})
        stats.update({f"emulated.{k}": v for k, v in self._kit_emulated.items()})
        stats.update({k: v for k, v in self._kit_held.counts.items() if v})
        stats["algo_open"] = len(self._kit_algo.tracked)
        stats.update(self._kit_policy.restriction_counts())
        return stats

    def exit_reduce_only_mode(self, instrument_id: Any = None) -> int:
        """End the error policy's reduce-only mode now (as on v1): ``instrument_id`` that
        instrument's (``"account"``: the account-wide one), ``None`` every one."""
        return len(self._kit_policy.exit_reduce_only_mode(scope_text(instrument_id)))

    def resume_instrument(self, instrument_id: Any = None) -> int:
        """Trade an instrument the error policy stopped again (``None``: every stopped one)."""
        return len(self._kit_policy.resume_instrument(scope_text(instrument_id)))

    def exec_kit_policy_stats(self) -> dict[str, Any]:
        return self._kit_policy.stats()

    @property
    def exec_kit_policy(self) -> PolicyRuntime:
        return self._kit_policy

    def open_algo_orders(self, instrument_id: Any) -> int:
        return self._kit_algo.open_count(instrument_id)

    def kit_position_id(self, instrument_id: Any, position_side: Any = None) -> nt.PositionId:
        """The position ID the kit (and the live adapter) use for this instrument and leg."""
        leg = normalize_position_side(position_side)
        return position_id_for(instrument_id, self._kit_mode, leg)

    # -- order helpers -------------------------------------------------------------------------

    def submit_market(
        self,
        instrument_id: Any,
        side: Any,
        quantity: NumberLike,
        *,
        time_in_force: Any = nt.TimeInForce.GTC,
        reduce_only: bool = False,
        position_side: Any = None,
        tags: list[str] | None = None,
    ) -> Any:
        """Submit a validated MARKET order. Returns the order, or None when denied."""
        try:
            entry = self._kit_entry(instrument_id)
            qty = entry.quantity(quantity)
            intent = OrderIntent(
                _CORE_MARKET, SIDE[side], int(qty.raw),
                time_in_force=TIME_IN_FORCE[time_in_force], reduce_only=reduce_only,
            )
            leg = self._kit_pipeline.admit(entry, intent, position_side)
            order = self._kit_factory.market(
                instrument_id, side, qty, time_in_force=time_in_force,
                reduce_only=self._kit_venue_reduce_only(reduce_only, side, leg),
                tags=tags, exec_algorithm_id=self.kit_exec_algorithm_id,
            )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, entry.position_ids[leg], None)
        return order

    def submit_limit(
        self,
        instrument_id: Any,
        side: Any,
        quantity: NumberLike,
        price: NumberLike | None = None,
        *,
        time_in_force: Any = nt.TimeInForce.GTC,
        expire_time: Any = None,
        post_only: bool = False,
        reduce_only: bool = False,
        display_qty: NumberLike | None = None,
        price_match: str | None = None,
        position_side: Any = None,
        tags: list[str] | None = None,
    ) -> Any:
        """Submit a validated LIMIT order (``price`` may be omitted with ``price_match``)."""
        try:
            entry = self._kit_entry(instrument_id)
            qty = entry.quantity(quantity)
            px = self._kit_limit_price(entry, side, price, price_match)
            disp = entry.quantity(display_qty, "display_qty") if display_qty else None
            expire_ns = nanos_of(expire_time)
            intent = OrderIntent(
                _CORE_LIMIT, SIDE[side], int(qty.raw), int(px.raw),
                time_in_force=TIME_IN_FORCE[time_in_force], expire_time_ns=expire_ns,
                post_only=post_only, reduce_only=reduce_only,
                display_qty=None if disp is None else int(disp.raw), price_match=price_match,
            )
            leg = self._kit_pipeline.admit(entry, intent, position_side)
            order = self._kit_factory.limit(
                instrument_id, side, qty, px, time_in_force=time_in_force,
                expire_time=expire_ns, post_only=post_only,
                reduce_only=self._kit_venue_reduce_only(reduce_only, side, leg),
                display_qty=disp, tags=tags, exec_algorithm_id=self.kit_exec_algorithm_id,
            )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, entry.position_ids[leg], adapter_params(intent))
        return order

    def submit_stop_market(
        self,
        instrument_id: Any,
        side: Any,
        quantity: NumberLike | None,
        trigger_price: NumberLike,
        **kwargs: Any,
    ) -> Any:
        """Submit a validated STOP_MARKET (``quantity=None`` allowed with ``close_position``);
        keywords as on v1: trigger_type, time_in_force, expire_time, reduce_only,
        close_position, position_side, tags."""
        return self._kit_submit_triggered(
            nt.OrderType.STOP_MARKET, instrument_id, side, quantity, None, trigger_price, **kwargs,
        )

    def submit_take_profit(
        self,
        instrument_id: Any,
        side: Any,
        quantity: NumberLike | None,
        trigger_price: NumberLike,
        **kwargs: Any,
    ) -> Any:
        """Submit a validated take-profit market order (Nautilus MARKET_IF_TOUCHED)."""
        return self._kit_submit_triggered(
            nt.OrderType.MARKET_IF_TOUCHED, instrument_id, side, quantity, None, trigger_price,
            **kwargs,
        )

    def submit_stop_limit(
        self,
        instrument_id: Any,
        side: Any,
        quantity: NumberLike,
        price: NumberLike | None,
        trigger_price: NumberLike,
        **kwargs: Any,
    ) -> Any:
        """Submit a validated STOP_LIMIT (keywords of :meth:`submit_limit` plus trigger_type)."""
        return self._kit_submit_triggered(
            nt.OrderType.STOP_LIMIT, instrument_id, side, quantity, price, trigger_price,
            **kwargs,
        )

    def submit_take_profit_limit(
        self,
        instrument_id: Any,
        side: Any,
        quantity: NumberLike,
        price: NumberLike | None,
        trigger_price: NumberLike,
        **kwargs: Any,
    ) -> Any:
        """Submit a validated take-profit limit order (Nautilus LIMIT_IF_TOUCHED)."""
        return self._kit_submit_triggered(
            nt.OrderType.LIMIT_IF_TOUCHED, instrument_id, side, quantity, price, trigger_price,
            **kwargs,
        )

    def submit_trailing_stop(
        self,
        instrument_id: Any,
        side: Any,
        quantity: NumberLike,
        callback_bps: int,
        activation_price: NumberLike | None = None,
        *,
        trigger_type: Any = nt.TriggerType.DEFAULT,
        time_in_force: Any = nt.TimeInForce.GTC,
        reduce_only: bool = False,
        position_side: Any = None,
        tags: list[str] | None = None,
    ) -> Any:
        """Submit a validated TRAILING_STOP_MARKET with a Binance callback rate in basis points
        (10..1000), optionally activated at ``activation_price``."""
        try:
            entry = self._kit_entry(instrument_id)
            qty = entry.quantity(quantity)
            act = (
                entry.price(activation_price, "activation_price")
                if activation_price is not None else None
            )
            offset = Decimal(callback_bps)
            intent = OrderIntent(
                vocab.OrderType.TRAILING_STOP_MARKET, SIDE[side], int(qty.raw),
                trigger_type=TRIGGER_TYPE[trigger_type],
                time_in_force=TIME_IN_FORCE[time_in_force], reduce_only=reduce_only,
                trailing_offset=offset,
                trailing_offset_type=vocab.TrailingOffsetType.BASIS_POINTS,
                activation_price=None if act is None else int(act.raw),
            )
            leg = self._kit_pipeline.admit(entry, intent, position_side)
            order = self._kit_factory.trailing_stop_market(
                instrument_id, side, qty, offset, activation_price=act,
                trigger_type=trigger_type,
                trailing_offset_type=nt.TrailingOffsetType.BASIS_POINTS,
                time_in_force=time_in_force,
                reduce_only=self._kit_venue_reduce_only(reduce_only, side, leg), tags=tags,
                exec_algorithm_id=self.kit_exec_algorithm_id,
            )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, entry.position_ids[leg], None)
        return order

    def submit_validated(
        self, order: Any, position_side: Any = None, params: dict[str, Any] | None = None,
    ) -> Any:
        """Validate and send an order built with ``self.order_factory`` (``params`` may hold
        ``close_position`` / ``price_match`` as the adapter takes them)."""
        try:
            entry = self._kit_entry(order.instrument_id)
            leg = self._kit_pipeline.admit(
                entry, self._kit_intent_of_order(entry, order, params), position_side,
            )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, entry.position_ids[leg], params)
        return order

    def modify(
        self,
        order: Any,
        quantity: NumberLike | None = None,
        price: NumberLike | None = None,
        trigger_price: NumberLike | None = None,
    ) -> bool:
        """Amend an open order, if the venue can (Binance futures: LIMIT only)."""
        try:
            check_modifiable(ORDER_TYPE[order.order_type], self._kit_caps)
            entry = self._kit_entry(order.instrument_id)
            rules = entry.rules
            qty = coerce_quantity(rules, quantity) if quantity is not None else None
            px = coerce_price(rules, price) if price is not None else None
            tpx = (
                coerce_price(rules, trigger_price, "trigger_price")
                if trigger_price is not None else None
            )
        except OrderValidationError as error:
            self._kit_invalid_order(error)
            return False
        if self._kit_gated:
            self._kit_refuse(order.client_order_id, "amended")
        self.modify_order(order.client_order_id, qty, px, tpx)
        return True

    def cancel(self, order: Any) -> None:
        """Cancel an order (v2's ``cancel_order`` takes its client order ID)."""
        self.cancel_order(order.client_order_id)

    def cancel_order(
        self, client_order_id: Any, client_id: Any = None, params: Any = None,
    ) -> None:
        """Nautilus' ``cancel_order``; an order the kit holds (never sent yet: a close_position
        order through a flip, an order behind an earlier one's answer) is cancelled here and
        never sent (no ``OrderCanceled`` event: Nautilus never saw it)."""
        if self._kit_held and self._kit_cancel_held(client_order_id.value):
            return
        super().cancel_order(client_order_id, client_id, params)  # type: ignore[misc]

    def cancel_orders(
        self, client_order_ids: Any, client_id: Any = None, params: Any = None,
    ) -> None:
        """Nautilus' ``cancel_orders``; held orders are cancelled here."""
        if self._kit_held:
            client_order_ids = [
                coid for coid in client_order_ids if not self._kit_cancel_held(coid.value)
            ]
            if not client_order_ids:
                return
        super().cancel_orders(client_order_ids, client_id, params)  # type: ignore[misc]

    def cancel_all_orders(
        self, instrument_id: Any, order_side: Any = None, client_id: Any = None,
        strategy_only: bool = True, params: Any = None,
    ) -> None:
        """Nautilus' ``cancel_all_orders``, held orders on the instrument (of ``order_side``,
        if given) included."""
        if self._kit_held:
            side = None if order_side in (None, nt.OrderSide.NO_ORDER_SIDE) else SIDE[order_side]
            for order, _, _ in self._kit_held.cancel_instrument(instrument_id, side):
                self._kit_log_cancelled_held(order.client_order_id)
            self._kit_sync_hooks()
        super().cancel_all_orders(  # type: ignore[misc]
            instrument_id, order_side, client_id, strategy_only, params,
        )

    # -- close helpers -------------------------------------------------------------------------

    def close_long(self, instrument_id: Any, quantity: NumberLike | None = None) -> Any:
        """Close (part of) the long position with a market order; never over-closes."""
        return self._kit_close(instrument_id, vocab.PositionSide.LONG, quantity)

    def close_short(self, instrument_id: Any, quantity: NumberLike | None = None) -> Any:
        """Close (part of) the short position with a market order; never over-closes."""
        return self._kit_close(instrument_id, vocab.PositionSide.SHORT, quantity)

    def close_all(self, instrument_id: Any = None) -> list[Any]:
        """Close every open position of this strategy (on one instrument, or all), as the
        venue holds it: a leg the venue liquidated sends nothing (:mod:`.risk_events`)."""
        if not self._kit_bound:
            self._kit_bind()
        # every instrument the strategy holds or trades, each leg as the venue holds it
        instruments = dict.fromkeys(
            position.instrument_id
            for position in self._kit_cache.positions_open(
                instrument_id=instrument_id, strategy_id=self._kit_strategy_id,
            )
        )
        instruments.update(dict.fromkeys(iid for iid, _ in self._kit_ledger.legs()))
        instruments.update(dict.fromkeys(self._kit_entries))
        orders = []
        for iid in instruments:
            if instrument_id is not None and iid != instrument_id:
                continue
            for leg in self._kit_entry(iid).position_ids:
                side = self._kit_entry(iid).holding(leg).side
                if side is None:
                    continue
                order = self._kit_close(iid, side, None)
                if order is not None:
                    orders.append(order)
        return orders

    # -- internals -----------------------------------------------------------------------------

    def _kit_send(self, order: Any, position_id: Any, params: dict[str, Any] | None) -> None:
        """Every helper-built order leaves through the error policy's gate. Live, it may wait
        first: for the start-up position check's verdict (:meth:`_kit_hold_for_check`; a
        failed check refuses it), then as :meth:`_kit_route` says."""
        if self._kit_gated:
            if self._kit_position_verdict is not None:
                self._kit_refuse(order.client_order_id)
            self._kit_hold_for_check(order, position_id, params)
        else:
            self._kit_route(order, position_id, params)
        self._kit_submits[order.order_type] += 1

    def _kit_route(self, order: Any, position_id: Any, params: dict[str, Any] | None) -> None:
        """Send an order through the error policy; live, a close_position order sent during a
        flip waits for the flip (:meth:`_kit_hold_close`), an order behind an earlier one
        still in flight for that one's answer (:meth:`_kit_hold_in_sequence`)."""
        if not (
            (params and params.get("close_position")
             and self._kit_hold_close(order, position_id, params))
            or (self._kit_sequencing and self._kit_hold_in_sequence(order, position_id, params))
        ):
            self._kit_policy.submit(order, position_id, params)

    def _kit_hold_for_check(
        self, order: Any, position_id: Any, params: dict[str, Any] | None,
    ) -> None:
        """Hold an order sent before the start-up position check has its verdict: sent when it
        passes (:meth:`_kit_settle_held`), refused when it halts or gives no verdict within
        :attr:`position_check_hold_max_ms`. Why: the verdict comes about a second after
        start, and a strategy that sends at start (``on_start``, the first quotes) must not
        lose those orders, nor trade before the node's positions are known to match."""
        self._kit_hold(
            order, position_id, params,
            f"({ORDER_TYPE[order.order_type].name} {SIDE[order.side].name}) held until the "
            f"start-up position check has its verdict (it reads the venue "
            f"{STARTUP_CHECK_DELAY_MS} ms after start): sent if the node's positions match the "
            "venue's, refused if not",
            kind=HoldKind.POSITION_CHECK,
        )

    def _kit_hold_close(
        self, order: Any, position_id: Any, params: dict[str, Any],
    ) -> bool:
        """Hold a live one-way close_position order while the venue would refuse it (its leg
        is on the side it would increase) and the strategy's order that flips the leg is under
        way (the core's :func:`~nautilus_exec_kit.core.close_hold.must_hold`). Why: v2's
        adapter does not keep a tick's orders in order (market orders over the WS API,
        conditional ones over REST, each from its own task), so a flip's new stop can reach
        Binance before the close of the old position, and Binance refuses it (-2022).
        Simulated venues (not reduce-only: emulated) and hedge mode never hold."""
        if not order.is_reduce_only or self._kit_hedge:
            return False
        iid = order.instrument_id
        side = SIDE[order.side]
        holding = self._kit_entry(iid).holding("BOTH").side
        if not must_hold(side, holding, self._kit_mode, partial(self._kit_flip_under_way, iid)):
            return False
        self._kit_hold(
            order, position_id, params,
            f"(close_position {side.name}) held until the {iid} "
            f"{holding.name if holding is not None else ''} position the strategy is closing "
            "is gone: Binance refuses a closePosition order that would increase a position "
            "(-2022)",
        )
        return True

    def _kit_hold_in_sequence(
        self, order: Any, position_id: Any, params: dict[str, Any] | None,
    ) -> bool:
        """Hold a live order while an earlier order on its instrument that it must not
        overtake has no answer from the venue (the core's
        :func:`~nautilus_exec_kit.core.close_hold.waits_behind`: a flip's entry behind the
        reduce-only close of the old position). Why: v2's adapter sends each order from its
        own task and does not keep them in order; an entry that overtakes its close takes the
        close's position, Binance refuses the close (-2022) and the strategy ends flat
        instead of flipped. Sent once every such earlier order is answered
        (:meth:`_kit_release_held`), or at the bound."""
        traits = _traits(order)
        if traits.reduce_only or not traits.trades_on_arrival:
            return False
        earlier = self._kit_earlier(order.instrument_id)
        if not earlier:
            return False
        behind = leaders(traits, earlier, self._kit_mode)
        if not behind:
            return False
        self._kit_hold(
            order, position_id, params,
            f"({traits.order_type.name} {traits.side.name}) held behind "
            f"{', '.join(map(str, behind))} until the venue answers: sent first, it would take "
            "the position that reduce-only order closes and Binance would refuse that order "
            "(-2022)",
            behind,
        )
        return True

    def _kit_hold(
        self, order: Any, position_id: Any, params: dict[str, Any] | None, why: str,
        behind: list[Any] | None = None, kind: HoldKind | None = None,
    ) -> None:
        """Put an order in the hold book (logged with ``why``) and look at it again at the
        bound, at the latest."""
        self._kit_log.info(f"exec-kit: {order.client_order_id} {why}")
        now = self._kit_clock.timestamp_ns()
        iid = order.instrument_id
        kind = self._kit_held.hold(
            order.client_order_id.value, iid, SIDE[order.side], (order, position_id, params),
            now, behind or (), kind=kind,
        )
        self._kit_release_seq += 1
        self._kit_clock.set_time_alert_ns(
            f"exec-kit-hold-{self._kit_release_seq}", now + self._kit_held.bound_ns(kind),
            partial(self._kit_hold_bound, iid), True,
        )
        self._kit_sync_hooks()

    def _kit_hold_bound(self, instrument_id: Any, _event: Any = None) -> None:
        """A held order reached the bound: look at the instrument's held orders now."""
        if instrument_id in self._kit_held.instruments():
            self._kit_release_due.add(instrument_id)
            self._kit_release_held()

    def _kit_earlier(self, instrument_id: Any) -> list[tuple[Hashable, SendTraits]]:
        """The strategy's orders on the instrument that a new order may have to wait for: held
        ones, ones the policy queued, and reduce-only ones sent within the bound that the
        venue has not answered yet (answered ones are forgotten here)."""
        earlier: list[tuple[Hashable, SendTraits]] = [
            (key, _traits(payload[0])) for key, payload in self._kit_held.held_on(instrument_id)
        ]
        for order, _ in self._kit_policy.unsent_orders():
            if order.instrument_id == instrument_id:
                earlier.append((order.client_order_id.value, _traits(order)))
        if self._kit_reducing:
            self._kit_forget_answered()
            for key, (order, _) in self._kit_reducing.items():
                if order.instrument_id == instrument_id:
                    earlier.append((key, _traits(order)))
        return earlier

    def _kit_forget_answered(self) -> None:
        """Forget the reduce-only orders the venue answered, or sent longer ago than the bound
        (a later order does not wait for an answer that is that late)."""
        oldest = self._kit_clock.timestamp_ns() - self._kit_held.max_wait_ns
        unsent = self._kit_unsent_ids()
        for key, (_, sent_ns) in list(self._kit_reducing.items()):
            if sent_ns < oldest or self._kit_answered(key, unsent):
                del self._kit_reducing[key]

    def _kit_unsent_ids(self) -> frozenset[str]:
        """The client order IDs the policy still holds, read once per pass over the orders a
        hold waits behind (nothing is sent during such a pass)."""
        return frozenset(order.client_order_id.value
                         for order, _ in self._kit_policy.unsent_orders())

    def _kit_answered(self, key: Hashable, unsent: frozenset[str]) -> bool:
        """Whether the venue answered an order the kit sent (accepted, filled, rejected,
        canceled, ...; a denial too): not held by the policy (``unsent``:
        :meth:`_kit_unsent_ids`), and past SUBMITTED in the cache. An order never sent (queued
        and dropped) has nothing to wait for."""
        if key in unsent:
            return False
        cached = self._kit_cache.order(nt.ClientOrderId(str(key)))
        return cached is None or cached.status not in _UNACKNOWLEDGED

    def _kit_flip_under_way(self, instrument_id: Any, closing_side: vocab.OrderSide) -> bool:
        """Whether the strategy has a market / limit order on ``closing_side`` that will end
        soon (the core's ``flip_under_way``): one the policy queued, or one of the latest sent
        that the venue has not acknowledged yet, or is still open."""
        return flip_under_way(closing_side, self._kit_flip_orders(instrument_id, closing_side))

    def _kit_flip_orders(
        self, instrument_id: Any, closing_side: vocab.OrderSide,
    ) -> Iterator[tuple[vocab.OrderSide, vocab.OrderType, bool]]:
        """``(side, type, in_flight)`` of the strategy's live market / limit orders on the
        instrument's ``closing_side``."""
        for order, _ in self._kit_policy.unsent_orders():
            if order.instrument_id == instrument_id and SIDE[order.side] is closing_side:
                yield closing_side, ORDER_TYPE[order.order_type], True
        cache = self._kit_cache
        for order in self._kit_recent:
            if order.instrument_id != instrument_id or SIDE[order.side] is not closing_side:
                continue
            cached = cache.order(order.client_order_id)
            if cached is None or cached.status in _UNACKNOWLEDGED:
                yield closing_side, ORDER_TYPE[order.order_type], True
            elif cached.is_open:
                yield closing_side, ORDER_TYPE[order.order_type], False

    def _kit_release_soon(self, instrument_id: Any) -> None:
        """Look at the instrument's held orders on a time alert (right away): the event that
        calls this may arrive inside a ``submit_order``, where v2 refuses a send."""
        if instrument_id not in self._kit_held.instruments():
            return
        first = not self._kit_release_due
        self._kit_release_due.add(instrument_id)
        if first:
            self._kit_release_seq += 1
            clock = self._kit_clock
            clock.set_time_alert_ns(
                f"exec-kit-release-{self._kit_release_seq}",
                clock.timestamp_ns() + _RELEASE_AFTER_NS,
                self._kit_release_held, True,
            )

    def _kit_release_held(self, _event: Any = None) -> None:
        """Send the held orders that may go now (their flip is done or no longer under way,
        the orders they waited behind are answered, or they reached the bound), in send order,
        through the error policy as any first send; a refusal there is logged, not lost
        silently. One that waited for the position check's verdict in vain is refused."""
        due, self._kit_release_due = self._kit_release_due, set()
        for iid in due:
            try:
                holding = self._kit_entry(iid).holding("BOTH").side
                released = self._kit_held.release(
                    iid, holding, self._kit_mode, partial(self._kit_flip_under_way, iid),
                    partial(self._kit_answered, unsent=self._kit_unsent_ids()),
                    self._kit_clock.timestamp_ns(),
                )
            except Exception as exc:
                self._kit_log.error(f"exec-kit: held orders on {iid}: {exc!r}")
                continue
            self._kit_carry_out(released, self._kit_policy.submit)
        self._kit_sync_hooks()

    def _kit_carry_out(
        self, released: list[Released], send: Callable[[Any, Any, Any], None],
    ) -> None:
        """Send each held order out of the book with ``send``, or refuse it (``refused``),
        logged either way; a send that fails is logged, not lost silently."""
        for item in released:
            order, position_id, params = item.payload
            if item.refused:
                self._kit_log_refused(order, item)
                continue
            self._kit_log_released(order, item)
            try:
                send(order, position_id, params)
            except Exception as exc:
                self._kit_log.error(
                    f"exec-kit: held order {order.client_order_id} was not sent: {exc!r}",
                )

    def _kit_drop_held_at_stop(self) -> None:
        """The strategy stopped with orders still held (its ``on_stop`` did not cancel them):
        they are not sent after the stop; each is logged, and counted as cancelled."""
        try:
            for key, (order, _, _) in self._kit_held.held_on_all():
                self._kit_held.cancel(key)
                self._kit_log.warning(
                    f"exec-kit: {order.client_order_id} was held when the strategy stopped: "
                    "never sent",
                )
        except Exception as exc:
            self._kit_log.error(f"exec-kit: held orders at stop: {exc!r}")

    def _kit_settle_held(self, verdict: PositionVerdict) -> None:
        """The start-up position check has its verdict: the orders held for it go on, in send
        order, as any first send (:meth:`_kit_route`: a flip's orders may wait once more),
        or, when the check halts, are refused, one error line each."""
        try:
            settled = self._kit_held.settle_check(
                not verdict.halts, self._kit_clock.timestamp_ns())
        except Exception as exc:
            self._kit_log.error(f"exec-kit: orders held for the position check: {exc!r}")
            return
        self._kit_carry_out(settled, self._kit_route)
        self._kit_sync_hooks()

    def _kit_log_refused(self, order: Any, item: Released) -> None:
        """One error line per held order refused (never sent): the position check failed
        (ReconciliationMismatch), or gave no verdict within the bound (SubmissionsHalted)."""
        what = f"{ORDER_TYPE[order.order_type].name} {SIDE[order.side].name}"
        verdict = self._kit_position_verdict
        error: Exception
        if item.expired or verdict is None:
            error = SubmissionsHalted(
                f"{order.client_order_id} ({what}) not sent: the start-up position check gave "
                f"no verdict within {self.position_check_hold_max_ms} ms "
                "(position_check_hold_max_ms); the kit does not trade on an unverified position",
            )
        else:
            error = ReconciliationMismatch(
                f"{order.client_order_id} ({what}) held for the start-up position check, not "
                f"sent: {verdict.headline()}",
            )
        self._kit_log.error(f"exec-kit: {type(error).__name__}: {error}")

    def _kit_log_released(self, order: Any, item: Released) -> None:
        """One line per held order sent: how long it was held, and a warning when it went at
        the bound without what it waited for."""
        what = (
            "close_position" if item.kind is HoldKind.CLOSE_POSITION
            else f"{ORDER_TYPE[order.order_type].name} {SIDE[order.side].name}"
        )
        held = f"held {item.waited_ns / 1e6:.1f} ms"
        if not item.expired:
            self._kit_log.info(f"exec-kit: {order.client_order_id} ({what}) sent ({held})")
            return
        waited_for = _WAITED_FOR[item.kind]
        self._kit_log.warning(
            f"exec-kit: {order.client_order_id} ({what}) sent ({held}) without {waited_for}: "
            f"the hold's bound ({self.order_hold_max_ms} ms) passed, the venue decides",
        )

    def _kit_cancel_held(self, coid: str) -> bool:
        """Cancel a held order (never sent); False if not held."""
        order = self._kit_held.cancel(coid)
        if order is None:
            return False
        self._kit_log_cancelled_held(order[0].client_order_id)
        self._kit_sync_hooks()
        return True

    def _kit_log_cancelled_held(self, client_order_id: Any) -> None:
        self._kit_log.info(
            f"exec-kit: {client_order_id} cancelled while held: never sent (no OrderCanceled "
            "event: Nautilus never saw it)",
        )

    def _kit_attach_position_check(self, check: StartupPositionCheck) -> None:
        """The live node factory's start-up position check (:mod:`.reconciliation`)."""
        self._kit_position_check = check

    def _kit_start_position_check(self) -> None:
        check = self._kit_position_check
        if check is None:
            return
        self._kit_gated = True  # nothing is sent before the verdict
        cache = self._kit_cache
        try:
            check.start(self._kit_clock, lambda: node_positions(cache),
                        self._kit_on_position_verdict)
        except Exception as exc:
            self._kit_on_position_verdict(PositionVerdict(None, repr(exc), check.action))

    def _kit_on_position_verdict(self, verdict: PositionVerdict) -> None:
        self._kit_position_verdict = verdict
        self._kit_gated = verdict.halts
        if verdict.ok:
            self._kit_log.info(f"exec-kit: {verdict.describe()}")
        else:
            self._kit_log.error(f"exec-kit: {verdict.describe()}")
        if self._kit_held:
            self._kit_settle_held(verdict)
        try:
            self.on_position_check(verdict)
        except Exception as exc:
            self._kit_log.error(f"on_position_check raised: {exc!r}")

    def _kit_refuse(self, client_order_id: Any, action: str = "sent") -> NoReturn:
        """Raise why the helpers send nothing now: the start-up position check found the
        node's positions differ from the venue's, or (a modify) it is still pending."""
        verdict = self._kit_position_verdict
        if verdict is None:
            raise SubmissionsHalted(
                f"{client_order_id}: not {action}, the start-up position check is pending (it "
                f"reads the venue {STARTUP_CHECK_DELAY_MS} ms after start): amend from "
                "on_position_check, or from market data that arrives after it",
            )
        raise ReconciliationMismatch(
            f"{client_order_id}: not {action}, {verdict.describe()}",
            verdict.check.mismatches if verdict.check is not None else (),
        )

    def _kit_transmit(self, order: Any, position_id: Any, params: dict[str, Any] | None) -> None:
        """Hand an order to Nautilus 2 (first sends and policy retries alike)."""
        order_type = ORDER_TYPE[order.order_type]
        if order_type in self._kit_algo_types or params is not None:
            # before the send: the books must read every event of the order
            coid = order.client_order_id.value
            if params is not None and params.get("close_position"):
                self._kit_close_book.add(coid, str(position_id), order.side)
                position_id = _checked_position_id(order, position_id)
            self._kit_algo.on_sent(coid, order.instrument_id, order_type)
            self._kit_sync_hooks()
        if order_type in FLIP_ORDERS:
            self._kit_recent.append(order)
        if self._kit_sequencing and order.is_reduce_only:
            self._kit_note_reducing(order)
        self.submit_order(order, position_id, None, params)

    def _kit_note_reducing(self, order: Any) -> None:
        """Remember a reduce-only order sent live until the venue answers it (a later order
        on its side may have to wait: :meth:`_kit_hold_in_sequence`)."""
        if len(self._kit_reducing) >= _REDUCING_SWEEP:
            self._kit_forget_answered()
        self._kit_reducing[order.client_order_id.value] = (
            order, self._kit_clock.timestamp_ns(),
        )

    def _kit_balance_of(self, venue: Any, currency: Any) -> _FreeBalance:
        """One free-balance bound per venue and currency, shared by the instruments on it."""
        key = (venue, currency.code)
        balance = self._kit_balances.get(key)
        if balance is None:
            balance = self._kit_balances[key] = _FreeBalance(
                self._kit_portfolio, self._kit_clock, venue, currency,
            )
        return balance

    def _kit_entry(self, instrument_id: Any) -> _InstrumentEntry:
        entry = self._kit_entries.get(instrument_id)
        if entry is None:
            if not self._kit_bound:
                self._kit_bind()
            instrument = self._kit_cache.instrument(instrument_id)
            if instrument is None:
                raise ConfigurationError(
                    f"instrument {instrument_id} is not in the cache; add it to the engine or "
                    "load it with the instrument provider before submitting orders",
                )
            validator = OrderValidator(
                rules_of(instrument), self._kit_caps, hedge_mode=self._kit_hedge,
            )
            entry = _InstrumentEntry(self, instrument, validator, self._kit_mode)
            self._kit_entries[instrument_id] = entry
        return entry

    def _kit_limit_price(
        self, entry: _InstrumentEntry, side: Any, price: Any, price_match: str | None,
    ) -> nt.Price:
        """The caller's price, or the book's for price_match (always on a simulated venue;
        :func:`~nautilus_exec_kit.core.emulation.book_price_match`)."""
        emulating = self.emulating_venue_params
        book_match = book_price_match(price, price_match, emulating)
        if book_match is None:
            return entry.price(price)
        quote = self._kit_cache.quote(entry.instrument_key)
        if quote is None:
            raise no_quote_for(book_match, entry.instrument_key)
        if emulating:
            self._kit_emulated["price_match"] += 1
        raw = price_match_quote_raw(
            SIDE[side], book_match, int(quote.bid_price.raw), int(quote.ask_price.raw),
            entry.rules.price_grid.inc_raw,
        )
        return nt.Price.from_raw(raw, entry.rules.price_precision)

    def _kit_submit_triggered(
        self,
        order_type: Any,
        instrument_id: Any,
        side: Any,
        quantity: NumberLike | None,
        price: NumberLike | None,
        trigger_price: NumberLike,
        *,
        trigger_type: Any = nt.TriggerType.DEFAULT,
        time_in_force: Any = nt.TimeInForce.GTC,
        expire_time: Any = None,
        post_only: bool = False,
        reduce_only: bool = False,
        display_qty: NumberLike | None = None,
        price_match: str | None = None,
        close_position: bool = False,
        position_side: Any = None,
        tags: list[str] | None = None,
    ) -> Any:
        """Every triggered order type: STOP_MARKET / MARKET_IF_TOUCHED (no limit price) and
        STOP_LIMIT / LIMIT_IF_TOUCHED (a limit price, or price_match)."""
        with_limit = order_type in (nt.OrderType.STOP_LIMIT, nt.OrderType.LIMIT_IF_TOUCHED)
        try:
            entry = self._kit_entry(instrument_id)
            if close_position and not with_limit:
                qty = self._kit_close_position_quantity(entry, side, quantity, position_side)
            elif quantity is None:
                raise ParamError(
                    "quantity", None, "is required unless close_position=True",
                    "pass a quantity, or close_position=True to close the whole position",
                )
            else:
                qty = entry.quantity(quantity)
            px = self._kit_limit_price(entry, side, price, price_match) if with_limit else None
            tpx = entry.price(trigger_price, "trigger_price")
            disp = entry.quantity(display_qty, "display_qty") if display_qty else None
            expire_ns = nanos_of(expire_time)
            intent = OrderIntent(
                ORDER_TYPE[order_type], SIDE[side], int(qty.raw),
                None if px is None else int(px.raw), int(tpx.raw),
                trigger_type=TRIGGER_TYPE[trigger_type],
                time_in_force=TIME_IN_FORCE[time_in_force], expire_time_ns=expire_ns,
                post_only=post_only, reduce_only=reduce_only,
                display_qty=None if disp is None else int(disp.raw),
                close_position=close_position, price_match=price_match,
            )
            leg = self._kit_pipeline.admit(entry, intent, position_side)
            common = {
                "trigger_type": trigger_type, "time_in_force": time_in_force,
                "expire_time": expire_ns,
                # v2's Binance adapter refuses a close_position order whose Nautilus order is
                # not reduce-only ("VALIDATION_FAILED"); it sends closePosition, not
                # reduceOnly. The intent keeps the caller's flag (Binance refuses both); the
                # order goes without a position ID (_checked_position_id), or v2's risk engine
                # would deny it before its entry fills. On a simulated venue the kit's
                # emulation sizes the order instead.
                "reduce_only": self._kit_venue_reduce_only(reduce_only, side, leg)
                or (close_position and not self.emulating_venue_params),
                "tags": tags,
                "exec_algorithm_id": self.kit_exec_algorithm_id,
            }
            factory = self._kit_factory
            if order_type == nt.OrderType.STOP_MARKET:
                order = factory.stop_market(instrument_id, side, qty, tpx, **common)
            elif order_type == nt.OrderType.MARKET_IF_TOUCHED:
                order = factory.market_if_touched(instrument_id, side, qty, tpx, **common)
            else:
                build = (
                    factory.stop_limit if order_type == nt.OrderType.STOP_LIMIT
                    else factory.limit_if_touched
                )
                order = build(
                    instrument_id, side, qty, px, tpx, post_only=post_only, display_qty=disp,
                    **common,
                )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, entry.position_ids[leg], adapter_params(intent))
        return order

    def _kit_venue_reduce_only(self, reduce_only: bool, side: Any, leg: str) -> bool:
        """The Nautilus order's reduce-only flag. In hedge mode, live, v2's adapter picks an
        order's leg (positionSide) from its side and this flag, and denies an order whose
        position ID names the other leg (``INVALID_POSITION_ID``): an order that closes its
        leg (SELL on LONG, BUY on SHORT) must be reduce-only for it. The adapter never sends
        reduceOnly in hedge mode. The caller's flag was checked by the core (refused there in
        hedge mode); on a simulated venue the position ID names the leg."""
        if not self._kit_hedge or self.emulating_venue_params:
            return reduce_only
        return reduce_only or leg_for(self._kit_mode, SIDE[side], None, True) == leg

    def _kit_close_position_quantity(
        self, entry: _InstrumentEntry, side: Any, quantity: Any, position_side: Any,
    ) -> nt.Quantity:
        """The quantity a close_position order carries (the core's
        :func:`~nautilus_exec_kit.core.emulation.close_position_start_raw`)."""
        leg = self._kit_leg(SIDE[side], position_side, closing=True)
        holding = entry.holding(leg)
        held = 0
        if holding.side is not None and CLOSING_SIDE[holding.side] is SIDE[side]:
            held = holding.quantity_raw
        requested = int(entry.quantity(quantity).raw) if quantity is not None else None
        raw = close_position_start_raw(held, requested, entry.rules)
        return nt.Quantity.from_raw(raw, entry.rules.size_precision)

    def _kit_leg(self, side: vocab.OrderSide, position_side: Any, *, closing: bool) -> str:
        name = normalize_position_side(position_side) if position_side is not None else None
        return leg_for(self._kit_mode, side, name, closing)  # type: ignore[arg-type]

    def _kit_close(
        self, instrument_id: Any, position_side: vocab.PositionSide, quantity: Any,
    ) -> Any:
        try:
            entry = self._kit_entry(instrument_id)
            leg = position_side.name if self._kit_hedge else "BOTH"
            pid = entry.position_ids[leg]
            holding = entry.holding(leg)
            size = Decimal(0)
            if holding.side is position_side:
                size = nt.Quantity.from_raw(
                    holding.quantity_raw, entry.rules.size_precision,
                ).as_decimal()
            closing_side = CLOSING_SIDE[position_side]
            committed = self._kit_committed_close(instrument_id, pid, closing_side)
            step = Decimal(1).scaleb(-entry.rules.size_precision)
            closable = max(size - committed, Decimal(0)).quantize(step)
            if quantity is None:
                if closable <= 0:
                    self._kit_log.info(f"close_{leg.lower()}: nothing to close on {pid}")
                    return None
                qty = nt.Quantity.from_str(str(closable))  # quantized to the size precision
            else:
                qty = entry.quantity(quantity)
                check_close_quantity(leg, qty.as_decimal(), closable)
            intent = OrderIntent(_CORE_MARKET, closing_side, int(qty.raw), reduce_only=True)
            self._kit_pipeline.admit(entry, intent, leg if self._kit_hedge else None, closing=True)
            # One-way: a reduce-only close, as on v1. Hedge mode: v2's live adapter picks the
            # leg (positionSide) from side + reduce_only and never sends reduceOnly there; a
            # closing SELL that is not reduce-only would be the SHORT leg's, and it denies the
            # order's -LONG position ID. The simulated venue takes the leg from the ID.
            # One-way, when v2 booked part of the venue's position elsewhere (a venue close,
            # a restart: entry.holding), the node's -BOTH may be smaller than the close or
            # have the other side: Nautilus would deny a reduce-only close there
            # (REDUCE_ONLY_WOULD_INCREASE_POSITION), so the close goes without the flag,
            # sized by the venue's holding.
            venue_reduce_only = not self._kit_hedge or not self.emulating_venue_params
            if not self._kit_hedge:
                venue_reduce_only = reduce_only_allowed(
                    entry.own_signed_raw(leg), position_side, int(qty.raw),
                )
            order = self._kit_factory.market(
                instrument_id, NT_SIDE[closing_side], qty,
                reduce_only=venue_reduce_only,
                exec_algorithm_id=self.kit_exec_algorithm_id,
            )
        except OrderValidationError as error:
            return self._kit_invalid_order(error)
        self._kit_send(order, pid, None)
        return order

    def _kit_committed_close(
        self, instrument_id: Any, pid: Any, closing_side: vocab.OrderSide,
    ) -> Decimal:
        """What open, in-flight and held closing orders on ``pid`` already close (the core's
        :func:`~nautilus_exec_kit.core.positions.committed_close_quantity`, as on v1)."""
        cache = self._kit_cache
        unsent = [
            *self._kit_policy.unsent_orders(),  # queued by the policy, or held by the kit
            *((order, order_pid) for _, (order, order_pid, _) in self._kit_held.held_on(
                instrument_id)),
        ]
        held = {order.client_order_id.value: order_pid for order, order_pid in unsent}
        orders = [
            *cache.orders_open(instrument_id=instrument_id, strategy_id=self._kit_strategy_id),
            *cache.orders_inflight(
                instrument_id=instrument_id, strategy_id=self._kit_strategy_id,
            ),
            *(order for order, _ in unsent),
        ]
        return committed_close_quantity(
            (
                (SIDE[order.side], ORDER_TYPE[order.order_type], order.leaves_qty.as_decimal(),
                 str(held.get(coid) or cache.position_id(order.client_order_id)))
                for order in orders
                if (coid := order.client_order_id.value) not in self._kit_close_book
            ),
            str(pid),
            closing_side,
        )

    def _kit_intent_of_order(
        self, entry: _InstrumentEntry, order: Any, params: dict[str, Any] | None,
    ) -> OrderIntent:
        """The core's intent for an order built with v2's ``order_factory``."""
        close_position, price_match = parse_params(params)
        pg, sg = entry.rules.price_grid, entry.rules.size_grid
        offset = getattr(order, "trailing_offset", None)
        return OrderIntent(
            ORDER_TYPE[order.order_type], SIDE[order.side],
            fixed_raw(sg, order.quantity, "quantity"),
            fixed_raw(pg, getattr(order, "price", None), "price"),
            fixed_raw(pg, getattr(order, "trigger_price", None), "trigger_price"),
            trigger_type=TRIGGER_TYPE[
                getattr(order, "trigger_type", None) or nt.TriggerType.NO_TRIGGER
            ],
            time_in_force=TIME_IN_FORCE[order.time_in_force],
            expire_time_ns=getattr(order, "expire_time_ns", None) or None,
            post_only=bool(getattr(order, "is_post_only", False)),
            reduce_only=bool(order.is_reduce_only),
            display_qty=fixed_raw(sg, getattr(order, "display_qty", None), "display_qty"),
            quote_quantity=bool(order.is_quote_quantity),
            trailing_offset=None if offset is None else Decimal(str(offset)),
            trailing_offset_type=TRAILING_OFFSET_TYPE[
                getattr(order, "trailing_offset_type", None)
                or nt.TrailingOffsetType.NO_TRAILING_OFFSET
            ],
            activation_price=fixed_raw(
                pg, getattr(order, "activation_price", None), "activation_price",
            ),
            close_position=close_position,
            price_match=price_match,
        )

    def _kit_invalid_order(self, error: OrderValidationError) -> None:
        self._kit_invalid[type(error).__name__] += 1
        if not self._kit_settings.deny_invalid:
            raise error
        self._kit_log.error(f"order denied by exec-kit: {type(error).__name__}: {error}")
        try:
            self.on_order_invalid(error)
        except Exception as exc:
            self._kit_log.error(f"on_order_invalid raised {exc!r}")
        return None


__all__ = ["ORDER_HOOKS", "POSITION_HOOKS", "ExecutionMixin"]
