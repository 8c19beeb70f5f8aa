"""The kit's check of the node's open orders: ask the venue about the orders in doubt, one by one.

Why: an order whose fill frames were lost stays open in the node until something asks the venue.
Nautilus 1.231's periodic open-order check (``LiveExecEngineConfig.open_check_*``) either asks for
open orders only (``open_check_open_only=True``: an order the venue no longer lists is never
resolved, docs/production.md section 3) or adds ``allOrders`` + ``allAlgoOrders`` for every active
symbol to each round (weight 5 each, about 60 a minute per symbol at 10 s: 35 symbols would eat the
whole 2400 limit). After every user-stream reconnect the adapter also fetches a full mass status:
``openOrders`` and ``openAlgoOrders`` without a symbol (40 each), then ``allOrders``,
``allAlgoOrders`` and ``userTrades`` per active symbol. Both cost in proportion to the symbols.

This check costs in proportion to the orders in doubt instead:

* **In doubt** is an open order the venue holds (ACCEPTED, TRIGGERED, PARTIALLY_FILLED; in-flight
  orders are the engine's in-flight check's) that the node has not heard of for ``quiet_secs``
  (``prompt_secs`` for MARKET / IOC / FOK orders, which the venue finishes at once), or whose
  last event says the venue disagreed (a cancel or modify it refused). Each time the venue confirms
  the node's view the quiet time of that order doubles, up to ``max_quiet_secs``: a resting order
  costs one query per ``max_quiet_secs``, an order nobody doubts costs nothing.
* **Asking**: one ``GET /fapi/v1/order`` (weight 1; an algo order takes a second query to
  ``/fapi/v1/algoOrder``), or, when a symbol has more orders in doubt than that costs, the symbol's
  open regular and algo orders (7, :data:`QUERY_ROUTES`) and single queries for those missing
  from them. The venue's answer goes to the engine's own ``reconcile_execution_report`` endpoint,
  exactly as its in-flight check does; when the venue filled more than the node knows, the order's
  trades go first (``userTrades``, 5: by ``orderId``, or once for a symbol with several such
  orders), so the node books the real fills, not a fill inferred at the average price (which
  Nautilus skips altogether for an order canceled after a partial fill). Past ``slow_pct`` of the
  weight budget the trades wait: the report alone then puts the node right.
* **Budget**: before each query the :class:`~nautilus_exec_kit.live.weight.RequestWeightMeter`
  decides: past ``slow_pct`` of the limit only urgent questions go out, past ``stop_pct`` none.
* **After a user-stream reconnect** (``replace_reconnect_reconciliation``) the adapter's full mass
  status is replaced by: every open order of the node asked about (as above), the venue's
  positions (``positionRisk``, 5), and, only for instruments whose position still differs from
  the node's, that instrument's full order and trade history as a mass status (what the adapter
  would have fetched, for those instruments). The :class:`~nautilus_exec_kit.reconciliation.
  ReconciliationGuard` then checks every position, as it does after a full reconciliation.

Set ``LiveExecEngineConfig.open_check_interval_secs=None`` when this check runs (``plan_node``
does). Proven by ``tests/restart/test_faults.py::test_lost_fills_that_cancel_out_are_still_found``
(which fails with the check off) and the fault soaks (``benchmarks/fault_soak.py``,
``benchmarks/multi_symbol_soak.py``).
"""

from __future__ import annotations

import asyncio
import enum
import functools
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
from nautilus_trader.adapters.binance.common.constants import BINANCE_FUTURES_ALGO_ORDER_TYPES
from nautilus_trader.common.component import Logger
from nautilus_trader.common.enums import LogLevel
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.messages import (
    GenerateFillReports,
    GenerateOrderStatusReport,
    GenerateOrderStatusReports,
    GeneratePositionStatusReports,
)
from nautilus_trader.execution.reports import (
    ExecutionMassStatus,
    FillReport,
    OrderStatusReport,
    PositionStatusReport,
)
from nautilus_trader.model.enums import OrderStatus, OrderType, TimeInForce
from nautilus_trader.model.events import OrderCancelRejected, OrderModifyRejected
from nautilus_trader.model.identifiers import ClientOrderId, InstrumentId

from nautilus_exec_kit.live.weight import RequestWeightMeter, request_weight_of
from nautilus_exec_kit.reconciliation import (
    MASS_STATUS_TOPIC_PATTERN,
    check_positions,
    venue_positions_from_reports,
)

#: The engine's endpoints for one report and for a mass status (what the adapter sends to).
RECONCILE_REPORT_ENDPOINT: Final[str] = "ExecEngine.reconcile_execution_report"
RECONCILE_MASS_STATUS_ENDPOINT: Final[str] = "ExecEngine.reconcile_execution_mass_status"

#: Order states the venue holds; the check asks about these. In-flight states (SUBMITTED,
#: PENDING_*) belong to the engine's in-flight check.
CHECKED_STATUSES: Final[frozenset[OrderStatus]] = frozenset(
    {OrderStatus.ACCEPTED, OrderStatus.TRIGGERED, OrderStatus.PARTIALLY_FILLED}
)
#: In-flight states: the engine's in-flight check asks about these; after a reconnect the kit
#: asks too, so a fill whose frames were lost with the stream is not taken for a position
#: mismatch.
IN_FLIGHT_STATUSES: Final[frozenset[OrderStatus]] = frozenset(
    {OrderStatus.SUBMITTED, OrderStatus.PENDING_UPDATE, OrderStatus.PENDING_CANCEL}
)
#: Orders the venue finishes at once (fill or expire): in doubt after ``prompt_secs``.
PROMPT_ORDER_TYPES: Final[frozenset[OrderType]] = frozenset({OrderType.MARKET})
PROMPT_TIME_IN_FORCE: Final[frozenset[TimeInForce]] = frozenset({TimeInForce.IOC, TimeInForce.FOK})
#: An order whose last event is one of these: the venue disagreed with the node (e.g. -2011
#: "Unknown order" to a cancel of an order the node holds open). In doubt at once.
DISPUTED_EVENTS: Final[tuple[type, ...]] = (OrderCancelRejected, OrderModifyRejected)


class QueryKind(enum.StrEnum):
    """The ways the check asks the venue."""

    ORDER = "order"
    ALGO_ORDER = "algo_order"
    SYMBOL_OPEN_ORDERS = "symbol_open_orders"
    ORDER_TRADES = "order_trades"
    POSITIONS = "positions"
    SYMBOL_HISTORY = "symbol_history"


#: The REST requests each way of asking sends through the 1.231 adapter (weights come from
#: Binance's published table, :func:`~nautilus_exec_kit.live.weight.request_weight_of`).
QUERY_ROUTES: Final[Mapping[QueryKind, tuple[tuple[str, str, Mapping[str, str]], ...]]] = {
    QueryKind.ORDER: (("GET", "/fapi/v1/order", {"symbol": "X"}),),
    # The adapter asks /fapi/v1/order first (-2013 for an algo order), then the algo route.
    QueryKind.ALGO_ORDER: (
        ("GET", "/fapi/v1/order", {"symbol": "X"}),
        ("GET", "/fapi/v1/algoOrder", {}),
    ),
    # GenerateOrderStatusReports(instrument_id, open_only=True): the symbol's position (the
    # adapter's "active symbols"), its open orders and its open algo orders.
    QueryKind.SYMBOL_OPEN_ORDERS: (
        ("GET", "/fapi/v2/positionRisk", {"symbol": "X"}),
        ("GET", "/fapi/v1/openOrders", {"symbol": "X"}),
        ("GET", "/fapi/v1/openAlgoOrders", {"symbol": "X"}),
    ),
    QueryKind.ORDER_TRADES: (("GET", "/fapi/v1/userTrades", {"symbol": "X", "orderId": "1"}),),
    # What an instrument whose position still differs after a reconnect costs: its order and
    # algo-order history (GenerateOrderStatusReports(instrument_id, open_only=False)) and trades.
    QueryKind.SYMBOL_HISTORY: (
        ("GET", "/fapi/v2/positionRisk", {"symbol": "X"}),
        ("GET", "/fapi/v1/openOrders", {"symbol": "X"}),
        ("GET", "/fapi/v1/allOrders", {"symbol": "X"}),
        ("GET", "/fapi/v1/openAlgoOrders", {"symbol": "X"}),
        ("GET", "/fapi/v1/allAlgoOrders", {"symbol": "X"}),
        ("GET", "/fapi/v1/userTrades", {"symbol": "X"}),
    ),
    QueryKind.POSITIONS: (("GET", "/fapi/v2/positionRisk", {}),),
}


@functools.cache
def query_cost(kind: QueryKind) -> int:
    """The request weight of one way of asking."""
    return sum(request_weight_of(method, path, params) for method, path, params in
               QUERY_ROUTES[kind])


class CheckOutcome(enum.StrEnum):
    """What one question about one order found (metrics label, ``OrderCheck.stats`` key)."""

    #: The venue agrees with the node.
    CONFIRMED = "confirmed"
    #: The venue knew more (a fill, a cancel, ...); the engine applied it.
    CHANGED = "changed"
    #: The venue did not answer with the order (absent, or the query failed).
    NOT_FOUND = "not_found"
    #: In doubt, but not asked this round (the weight budget or the per-round cap).
    DEFERRED = "deferred"


@attrs.frozen
class OrderCheckSettings:
    """How the kit checks the node's open orders (see the module docstring).

    ``enabled=False`` leaves the checking to Nautilus' own open-order check
    (``open_check_interval_secs=10``, ``open_check_open_only=False``) and the adapter's full
    reconciliation after reconnects, the kit's previous set-up.
    """

    enabled: bool = True
    #: How often the check looks for orders in doubt (no request unless one is).
    interval_secs: float = attrs.field(default=1.0, validator=attrs.validators.gt(0))
    #: An open order the node has not heard of for this long is in doubt.
    quiet_secs: float = attrs.field(default=10.0, validator=attrs.validators.gt(0))
    #: MARKET / IOC / FOK orders: the venue finishes them at once.
    prompt_secs: float = attrs.field(default=2.0, validator=attrs.validators.gt(0))
    #: The longest quiet time of an order the venue keeps confirming (the quiet time doubles).
    max_quiet_secs: float = attrs.field(default=120.0, validator=attrs.validators.gt(0))
    #: Questions per round (the rest wait for the next round); not applied after a reconnect.
    max_queries_per_round: int = attrs.field(default=25, validator=attrs.validators.gt(0))
    #: Questions in flight at once.
    concurrency: int = attrs.field(default=4, validator=attrs.validators.gt(0))
    #: Fetch the trades of an order the venue filled further than the node knows.
    fetch_fills: bool = True
    #: Replace the adapter's full mass status after a user-stream reconnect by this check.
    replace_reconnect_reconciliation: bool = True

    def __attrs_post_init__(self) -> None:
        if self.max_quiet_secs < max(self.quiet_secs, self.prompt_secs):
            raise ValueError("max_quiet_secs must be at least quiet_secs and prompt_secs")


@attrs.define
class _Track:
    """What the check knows about one open order."""

    #: When the venue last confirmed the node's view (ns); 0: never asked.
    confirmed_ns: int = 0
    #: Confirmations in a row (each doubles the quiet time).
    confirmations: int = 0
    #: "Not found" answers in a row.
    misses: int = 0


@attrs.frozen
class _Question:
    """One request to send: about one order, or about one symbol's open orders."""

    kind: QueryKind
    orders: tuple[Any, ...]
    urgent: bool

    @property
    def cost(self) -> int:
        return query_cost(self.kind)


def _is_algo(order: Any) -> bool:
    return order.order_type in BINANCE_FUTURES_ALGO_ORDER_TYPES


def _kind_of(order: Any) -> QueryKind:
    return QueryKind.ALGO_ORDER if _is_algo(order) else QueryKind.ORDER


def plan_questions(doubts: Sequence[tuple[Any, bool]]) -> list[_Question]:
    """The cheapest questions about ``doubts`` ((order, urgent) pairs), urgent ones first.

    Per instrument: single queries, or the symbol's open orders when the singles would cost more.
    """
    by_instrument: dict[InstrumentId, list[tuple[Any, bool]]] = {}
    for order, urgent in doubts:
        by_instrument.setdefault(order.instrument_id, []).append((order, urgent))
    questions: list[_Question] = []
    for items in by_instrument.values():
        singles = sum(query_cost(_kind_of(order)) for order, _ in items)
        if singles > query_cost(QueryKind.SYMBOL_OPEN_ORDERS):
            questions.append(_Question(QueryKind.SYMBOL_OPEN_ORDERS,
                                       tuple(o for o, _ in items), any(u for _, u in items)))
        else:
            questions += [_Question(_kind_of(o), (o,), u) for o, u in items]
    return sorted(questions, key=lambda q: not q.urgent)


def _changed(order: Any, report: OrderStatusReport) -> bool:
    """The engine's own test (``_reconcile_order_reports``): open state or filled quantity; for
    an in-flight order also its status (what the engine's in-flight check hands on)."""
    return bool(report.is_open != order.is_open or report.filled_qty != order.filled_qty
                or (order.status in IN_FLIGHT_STATUSES and report.order_status != order.status))


class OrderCheck:
    """Asks the venue about the node's open orders in doubt; see the module docstring.

    Runs on the node's loop (a timer, :meth:`start`); :meth:`run_round` and
    :meth:`reconcile_after_reconnect` can also be awaited directly.
    """

    def __init__(
        self,
        kernel: Any,
        settings: OrderCheckSettings,
        meter: RequestWeightMeter,
        *,
        hedge_mode: bool,
        guard: Any = None,
        log: Any = None,
    ) -> None:
        self.settings = settings
        self.meter = meter
        self.hedge_mode = hedge_mode
        self._guard = guard
        self._cache = kernel.cache
        self._clock = kernel.clock
        self._msgbus = kernel.msgbus
        self._engine = kernel.exec_engine
        self._log = log if log is not None else Logger(type(self).__name__)
        self._tracks: dict[ClientOrderId, _Track] = {}
        self._lock = asyncio.Lock()
        self._ready = not self._engine.reconciliation
        self._loop: asyncio.AbstractEventLoop = kernel.loop
        # A timer, not a long-lived task: a node stopped with its loop leaves nothing pending.
        self._timer: asyncio.TimerHandle | None = None
        self._round: asyncio.Task[None] | None = None
        #: Counters: one per :class:`CheckOutcome`, plus ``queries``, ``fills_fetched``,
        #: ``fills_inferred`` (trades not fetched: weight budget), ``reconnects`` and
        #: ``repaired_instruments``.
        self.stats: Counter[str] = Counter()
        #: Called with each :class:`CheckOutcome` (metrics subscribe here).
        self.listeners: list[Callable[[CheckOutcome], None]] = []
        self._msgbus.subscribe(topic=MASS_STATUS_TOPIC_PATTERN, handler=self._on_report)

    @classmethod
    def install(
        cls,
        node: Any,
        settings: OrderCheckSettings,
        meter: RequestWeightMeter,
        *,
        hedge_mode: bool,
        guard: Any = None,
    ) -> OrderCheck:
        """Attach the check to a built ``TradingNode`` (after ``node.build()``): its round runs
        every ``interval_secs`` once start-up reconciliation is done, and (with
        ``replace_reconnect_reconciliation``) it answers every user-stream reconnect."""
        kernel = node.kernel
        check = cls(kernel, settings, meter, hedge_mode=hedge_mode, guard=guard)
        if settings.replace_reconnect_reconciliation:
            for client in check._clients():
                check._take_reconnect_hook(client)
        check.start()
        return check

    # -- wiring ---------------------------------------------------------------------------------

    def _clients(self) -> list[Any]:
        # ``_clients`` is a readonly attribute of the engine; there is no public getter in 1.231.
        return list(self._engine._clients.values())

    def _take_reconnect_hook(self, client: Any) -> bool:
        """Make the user-data stream of ``client`` call this check after a reconnect, in place of
        the adapter's full mass status (``_reconcile_after_resubscribe``). The stream holds its
        events back while the hook runs, so nothing newer is overwritten by the answers."""
        stream = getattr(client, "_ws_client", None)
        if stream is None or not hasattr(stream, "_on_resubscribe"):
            return False
        stream._on_resubscribe = functools.partial(self.reconcile_after_reconnect, client)
        return True

    def _on_report(self, message: Any) -> None:
        if not isinstance(message, ExecutionMassStatus):
            return
        # A mass status has just been reconciled: every open order was compared with the venue.
        now = self._clock.timestamp_ns()
        for order in self._cache.orders_open(venue=message.venue):
            track = self._tracks.setdefault(order.client_order_id, _Track())
            track.confirmed_ns = now
        self._ready = True

    # -- the periodic round ---------------------------------------------------------------------

    def start(self) -> None:
        """Run a round every ``interval_secs`` (once start-up reconciliation is done, while the
        execution engine runs; a round still going is not overtaken)."""
        self._timer = self._loop.call_later(self.settings.interval_secs, self._tick)

    def stop(self) -> None:
        """No further rounds."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self) -> None:
        idle = self._round is None or self._round.done()
        if idle and self._ready and self._engine.is_running:
            self._round = self._loop.create_task(self._guarded_round(),
                                                 name="exec-kit-order-check")
        self.start()

    async def _guarded_round(self) -> None:
        try:
            await self.run_round()
        except Exception as exc:  # never let one bad answer end the checking
            self._log.error(f"exec-kit order check failed: {exc!r}")

    async def run_round(self) -> Counter[CheckOutcome]:
        """Ask about the orders in doubt now, within the budget; return what was found."""
        found: Counter[CheckOutcome] = Counter()
        async with self._lock:
            for client in self._clients():
                found += await self._check_client(client, everything=False)
        return found

    def in_doubt(self, order: Any, now_ns: int) -> tuple[bool, bool]:
        """(in doubt now, urgent) for one open order."""
        track = self._tracks.get(order.client_order_id) or _Track()
        if isinstance(order.last_event, DISPUTED_EVENTS) and track.confirmed_ns < order.ts_last:
            return True, True
        prompt = (order.order_type in PROMPT_ORDER_TYPES
                  or order.time_in_force in PROMPT_TIME_IN_FORCE)
        base = self.settings.prompt_secs if prompt else self.settings.quiet_secs
        quiet = min(base * 2 ** min(track.confirmations, 32), self.settings.max_quiet_secs)
        heard = max(order.ts_last, track.confirmed_ns)
        return now_ns - heard >= int(quiet * 1e9), prompt

    async def _check_client(self, client: Any, *, everything: bool) -> Counter[CheckOutcome]:
        now = self._clock.timestamp_ns()
        orders = [o for o in self._cache.orders_open(venue=client.venue)
                  if o.status in CHECKED_STATUSES]
        if everything:  # SUBMITTED is in flight, not open, for the cache
            orders += self._cache.orders_inflight(venue=client.venue)
        self._forget_except({o.client_order_id for o in orders}, client.venue)
        doubts: list[tuple[Any, bool]] = []
        for order in orders:
            due, urgent = self.in_doubt(order, now)
            if everything or due:
                doubts.append((order, urgent))
        found: Counter[CheckOutcome] = Counter()
        if not doubts:
            return found
        asked: list[_Question] = []
        for question in plan_questions(doubts):
            within_round = len(asked) < self.settings.max_queries_per_round
            if everything or (within_round and self.meter.allows(question.cost,
                                                                 urgent=question.urgent)):
                asked.append(question)
            else:
                found[CheckOutcome.DEFERRED] += len(question.orders)
                self._note(CheckOutcome.DEFERRED, len(question.orders))
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def ask(question: _Question) -> list[tuple[Any, OrderStatusReport | None]]:
            async with gate:
                return await self._ask(client, question)

        answers = [pair for pairs in await asyncio.gather(*(ask(q) for q in asked))
                   for pair in pairs]
        return found + await self._settle(client, answers)

    def _forget_except(self, open_ids: set[ClientOrderId], venue: Any) -> None:
        for coid in [c for c in self._tracks if c not in open_ids]:
            order = self._cache.order(coid)
            if order is None or order.instrument_id.venue == venue:
                del self._tracks[coid]

    def _note(self, outcome: CheckOutcome, count: int = 1) -> None:
        self.stats[outcome.value] += count
        for listener in self.listeners:
            for _ in range(count):
                listener(outcome)

    # -- asking ---------------------------------------------------------------------------------

    async def _ask(self, client: Any,
                   question: _Question) -> list[tuple[Any, OrderStatusReport | None]]:
        """The venue's answer about each order of ``question`` (None: no answer)."""
        if question.kind is QueryKind.SYMBOL_OPEN_ORDERS:
            reports = await self._symbol_open_orders(client, question.orders[0].instrument_id)
            by_id = {r.client_order_id: r for r in reports if r.client_order_id is not None}
            answers: list[tuple[Any, OrderStatusReport | None]] = []
            for order in question.orders:
                report = by_id.get(order.client_order_id)
                if report is None:  # no longer open at the venue: ask what became of it
                    report = await self._order_report(client, order)
                answers.append((order, report))
            return answers
        order = question.orders[0]
        return [(order, await self._order_report(client, order))]

    async def _order_report(self, client: Any, order: Any) -> OrderStatusReport | None:
        self.stats["queries"] += 1
        # By client order ID for algo orders: their venue ID is the algoId, which
        # /fapi/v1/order (asked first) would read as a regular order's ID. The triggered child
        # of an algo order carries the clientAlgoId as its client order ID.
        venue_order_id = None if _is_algo(order) else order.venue_order_id
        command = GenerateOrderStatusReport(
            instrument_id=order.instrument_id,
            client_order_id=order.client_order_id,
            venue_order_id=venue_order_id,
            command_id=UUID4(),
            ts_init=self._clock.timestamp_ns(),
        )
        report: OrderStatusReport | None = await client.generate_order_status_report(command)
        return report

    async def _symbol_open_orders(self, client: Any,
                                  instrument_id: InstrumentId) -> list[OrderStatusReport]:
        self.stats["queries"] += 1
        command = GenerateOrderStatusReports(
            instrument_id=instrument_id,
            start=None,
            end=None,
            open_only=True,
            command_id=UUID4(),
            ts_init=self._clock.timestamp_ns(),
            log_receipt_level=LogLevel.DEBUG,
        )
        reports: list[OrderStatusReport] = await client.generate_order_status_reports(command)
        return reports

    def _judge(self, order: Any, report: OrderStatusReport | None) -> CheckOutcome:
        """What the venue's answer means for the node's view of ``order`` (and its backoff)."""
        track = self._tracks.setdefault(order.client_order_id, _Track())
        track.confirmed_ns = self._clock.timestamp_ns()
        if report is None or report.client_order_id not in (None, order.client_order_id):
            track.misses += 1
            track.confirmations += 1  # back off: the next question waits longer
            if track.misses == 3:
                self._log.error(
                    f"exec-kit: the venue did not answer with {order.client_order_id} "
                    f"({order.status_string()} in the node) three times in a row; check it on the "
                    "venue"
                )
            return CheckOutcome.NOT_FOUND
        track.misses = 0
        if not _changed(order, report):
            track.confirmations += 1
            return CheckOutcome.CONFIRMED
        track.confirmations = 0
        return CheckOutcome.CHANGED

    async def _settle(self, client: Any,
                      answers: Sequence[tuple[Any, OrderStatusReport | None]],
                      ) -> Counter[CheckOutcome]:
        """Hand the venue's answers that differ from the node's view to the engine, each
        order's missing trades first."""
        found: Counter[CheckOutcome] = Counter()
        changed: list[tuple[Any, OrderStatusReport]] = []
        for order, report in answers:
            outcome = self._judge(order, report)
            found[outcome] += 1
            self._note(outcome)
            if outcome is CheckOutcome.CHANGED and report is not None:
                changed.append((order, report))
        for order, report in changed:
            self._log.warning(
                f"exec-kit order check: {order.client_order_id} is {order.status_string()} "
                f"(filled {order.filled_qty}) in the node, {report.order_status.name} (filled "
                f"{report.filled_qty}) at the venue; reconciling"
            )
        filled_further = [(o, r) for o, r in changed
                          if self.settings.fetch_fills and r.filled_qty > o.filled_qty]
        fills = await self._fills_of(client, [r for _, r in filled_further])
        for order, report in filled_further:
            if order.venue_order_id is None and report.venue_order_id is not None:
                # The engine finds the order of a fill report by its venue ID (an order whose
                # acknowledgement was lost has none yet); it indexes reports the same way.
                self._cache.add_venue_order_id(order.client_order_id, report.venue_order_id)
        for _, report in changed:
            for fill in fills.get(report.venue_order_id, ()):
                self._send(RECONCILE_REPORT_ENDPOINT, fill)
            self._send(RECONCILE_REPORT_ENDPOINT, report)
        return found

    async def _fills_of(self, client: Any, reports: Sequence[OrderStatusReport],
                        ) -> dict[Any, list[FillReport]]:
        """The venue's trades of the reported orders, by venue order ID: one ``userTrades``
        per symbol (by ``orderId`` for a single order), while the weight budget is below
        ``slow_pct``. A missing entry: the engine infers the fill from the report."""
        wanted: dict[InstrumentId, set[int]] = {}
        for report in reports:
            if report.venue_order_id is not None:
                wanted.setdefault(report.instrument_id, set()).add(
                    int(report.venue_order_id.value))
        fills: dict[Any, list[FillReport]] = {}
        for instrument_id, order_ids in wanted.items():
            # A refinement, not a correction (the report alone puts the node right): it waits
            # for a minute with weight to spare.
            if not self.meter.allows(query_cost(QueryKind.ORDER_TRADES), urgent=False):
                self.stats["fills_inferred"] += len(order_ids)
                continue
            self.stats["fills_fetched"] += 1
            only = next(iter(order_ids)) if len(order_ids) == 1 else None
            for fill in await self._venue_fills(client, instrument_id, only) or []:
                if int(fill.venue_order_id.value) in order_ids:
                    fills.setdefault(fill.venue_order_id, []).append(fill)
        return fills

    async def _venue_fills(self, client: Any, instrument_id: InstrumentId,
                           order_id: int | None = None) -> list[FillReport] | None:
        """The venue's trades on one symbol (of one order), as the adapter parses them; None
        when the adapter has no such query or it failed."""
        http_account = getattr(client, "_http_account", None)
        if http_account is None:
            return None
        try:
            trades = await http_account.query_user_trades(
                symbol=instrument_id.symbol.value, order_id=order_id,
            )
        except Exception as exc:
            self._log.warning(f"exec-kit order check: trades of {instrument_id} "
                              f"{order_id or ''} not fetched ({exc!r})")
            return None
        now = self._clock.timestamp_ns()
        return [
            trade.parse_to_fill_report(
                account_id=client.account_id,
                instrument_id=instrument_id,
                report_id=UUID4(),
                ts_init=now,
                use_position_ids=client.use_position_ids,
            )
            for trade in trades
            if order_id is None or trade.orderId == order_id
        ]

    def _send(self, endpoint: str, message: Any) -> None:
        try:
            self._msgbus.send(endpoint=endpoint, msg=message)
        except Exception as exc:  # an invalid transition must not stop the other answers
            self._log.error(f"exec-kit order check: the engine refused {message}: {exc!r}")

    # -- after a user-stream reconnect ----------------------------------------------------------

    async def reconcile_after_reconnect(self, client: Any) -> None:
        """What the node may have missed while its user stream was down: every open order asked
        about, the positions compared, and a mass status for the instruments that still differ
        (then the guard's position check, as after any reconciliation)."""
        self.stats["reconnects"] += 1
        self._log.warning("exec-kit: user stream reconnected; checking the node's open orders "
                          "and positions with the venue")
        try:
            async with self._lock:
                await self._check_client(client, everything=True)
                reports = await self._positions(client)
                venue = venue_positions_from_reports(reports)
                nodes = self._cache.positions_open(venue=client.venue)
                differ = check_positions(nodes, venue, hedge_mode=self.hedge_mode)
                if not differ.ok:
                    await self._repair(client, {m.instrument_id for m in differ.mismatches},
                                       reports)
                if self._guard is not None:
                    self._guard.check(venue, client.venue)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._log.error(f"exec-kit: reconciliation after reconnect failed: {exc!r}")

    async def _positions(self, client: Any) -> list[PositionStatusReport]:
        command = GeneratePositionStatusReports(
            instrument_id=None, start=None, end=None, command_id=UUID4(),
            ts_init=self._clock.timestamp_ns(), log_receipt_level=LogLevel.DEBUG,
        )
        reports: list[PositionStatusReport] = await client.generate_position_status_reports(
            command)
        return reports

    async def _repair(self, client: Any, instrument_ids: Iterable[InstrumentId],
                      positions: Sequence[PositionStatusReport]) -> None:
        """The adapter's mass status, for ``instrument_ids`` only."""
        scope = frozenset(instrument_ids)
        self.stats["repaired_instruments"] += len(scope)
        self._log.warning(f"exec-kit: positions differ after reconnect for "
                          f"{', '.join(sorted(str(i) for i in scope))}; fetching their history")
        now = self._clock.timestamp_ns()
        mass_status = ExecutionMassStatus(
            client_id=client.id, account_id=client.account_id, venue=client.venue,
            report_id=UUID4(), ts_init=now,
        )
        fills: list[FillReport] = []
        for instrument_id in sorted(scope, key=str):
            mass_status.add_order_reports(await client.generate_order_status_reports(
                GenerateOrderStatusReports(
                    instrument_id=instrument_id, start=None, end=None, open_only=False,
                    command_id=UUID4(), ts_init=now, log_receipt_level=LogLevel.DEBUG,
                )))
            symbol_fills = await self._venue_fills(client, instrument_id)
            if symbol_fills is None:  # the adapter's own query: every active symbol's trades
                symbol_fills = await client.generate_fill_reports(GenerateFillReports(
                    instrument_id=instrument_id, venue_order_id=None, start=None, end=None,
                    command_id=UUID4(), ts_init=now,
                ))
            fills += [f for f in symbol_fills if f.instrument_id == instrument_id]
        mass_status.add_fill_reports(fills)
        mass_status.add_position_reports([p for p in positions if p.instrument_id in scope])
        if self._guard is not None:
            self._guard.expect_partial(mass_status.id, scope)
        self._send(RECONCILE_MASS_STATUS_ENDPOINT, mass_status)


def reconnect_hooks(clients: Iterable[Any]) -> dict[str, Callable[[], Awaitable[None]] | None]:
    """The reconnect hook each client's user stream calls now (diagnostics, tests)."""
    return {
        str(client.id): getattr(getattr(client, "_ws_client", None), "_on_resubscribe", None)
        for client in clients
    }


__all__ = [
    "CHECKED_STATUSES",
    "DISPUTED_EVENTS",
    "IN_FLIGHT_STATUSES",
    "PROMPT_ORDER_TYPES",
    "PROMPT_TIME_IN_FORCE",
    "QUERY_ROUTES",
    "RECONCILE_MASS_STATUS_ENDPOINT",
    "RECONCILE_REPORT_ENDPOINT",
    "CheckOutcome",
    "OrderCheck",
    "OrderCheckSettings",
    "QueryKind",
    "plan_questions",
    "query_cost",
    "reconnect_hooks",
]
