"""Start-up consistency check: do the node's positions equal the venue's after reconciliation?

Why: Nautilus reconciles at start-up (and after every user-stream reconnect) and then trusts the
result. If that result is wrong, a strategy trades on a position that does not exist - the
known case is nautilus_trader #3104 (hedge mode: LONG and SHORT on the venue, one position in the
node). The kit checks the outcome instead of trusting it, and says so loudly.

Two pieces:

* :func:`check_positions` - the comparison of the node's open positions (from the cache, all
  owners, EXTERNAL included) with the venue's (:class:`VenuePosition`, built from Nautilus
  ``PositionStatusReport`` s or from Binance ``positionRisk``-shaped rows such as the sandbox's
  truth). The decision itself (legs, what counts as a mismatch, the message) is the core's,
  :mod:`nautilus_exec_kit.core.reconciliation`, shared with the v2 binding; this module turns
  Nautilus 1 positions and reports into its values.
* :class:`ReconciliationGuard` - installed on a built ``TradingNode`` before it runs. It listens
  to the ``ExecutionMassStatus`` the execution engine publishes right after it reconciled
  (before any strategy starts), runs the check against the venue's own position reports, logs
  an ERROR per mismatch, stores the verdict in the cache (:func:`reconciliation_verdict`) and,
  by default, sets the risk engine to ``HALTED`` so no order is sent on a wrong position.

Example::

    node = TradingNode(config)
    node.build()
    guard = ReconciliationGuard.install(node, hedge_mode=True)   # on_mismatch="halt"
    node.run()
    # in a strategy: verdict = reconciliation_verdict(self.cache)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from nautilus_trader.common.component import Logger
from nautilus_trader.execution.reports import (
    ExecutionMassStatus,
    FillReport,
    PositionStatusReport,
)
from nautilus_trader.model.enums import OrderStatus, TradingState
from nautilus_trader.model.events import OrderRejected
from nautilus_trader.model.identifiers import InstrumentId, TradeId, Venue

from nautilus_exec_kit.core import reconciliation as _core
from nautilus_exec_kit.core.policy.codes import ErrorCategory
from nautilus_exec_kit.core.policy.reasons import parse_reason
from nautilus_exec_kit.core.reconciliation import (
    POSITION_SIDES,
    MismatchAction,
    MismatchKind,
    NodeFill,
    NodePosition,
    PositionCheck,
    PositionMismatch,
    VenuePosition,
)
from nautilus_exec_kit.validation import SIDE

#: Cache key (``cache.add`` / ``cache.get``) holding the last verdict as JSON.
VERDICT_CACHE_KEY: Final[str] = "exec_kit.reconciliation.verdict"

#: Message bus topic the guard publishes every :class:`PositionCheck` on.
VERDICT_TOPIC: Final[str] = "exec_kit.reconciliation"

#: Where the execution engine publishes reconciliation reports (mass status: ``...{venue}``).
MASS_STATUS_TOPIC_PATTERN: Final[str] = "reports.execution.*"


def binance_perpetual(symbol: str) -> InstrumentId:
    """``BTCUSDT`` -> ``BTCUSDT-PERP.BINANCE`` (how the adapter names USDT-M perpetuals)."""
    return InstrumentId.from_str(_core.binance_instrument_id(symbol))


def venue_positions_from_rows(
    rows: Iterable[Mapping[str, Any]],
    instrument_for_symbol: Callable[[str], Any] = binance_perpetual,
) -> list[VenuePosition]:
    """Positions from Binance ``positionRisk``-shaped rows (``symbol``, ``positionSide``,
    ``positionAmt``) - the venue's REST answer or the sandbox's ``truth()["positions"]``.

    Flat rows are dropped, as the adapter does.
    """
    return _core.venue_positions_from_rows(rows, instrument_for_symbol)


def venue_positions_from_reports(reports: Iterable[PositionStatusReport]) -> list[VenuePosition]:
    """Positions from Nautilus ``PositionStatusReport`` s (what the exec client reconciles from).

    A report with a ``venue_position_id`` (``...-LONG`` / ``...-SHORT``) is a hedge leg; one
    without it is the one-way (BOTH) net position.
    """
    positions = []
    for report in reports:
        qty = Decimal(report.signed_decimal_qty)
        if qty == 0:
            continue
        side = "BOTH"
        if report.venue_position_id is not None:
            side = report.venue_position_id.value.rsplit("-", 1)[-1]
        positions.append(VenuePosition(report.instrument_id, side, qty))
    return positions


def node_position(position: Any) -> NodePosition:
    """A Nautilus 1 ``Position`` as the core's value: its ID, signed quantity and fills (the
    core counts a liquidation's fill on the leg it closed, whatever ID Nautilus booked it to)."""
    fills = [NodeFill(f.client_order_id.value, SIDE[f.order_side], f.last_qty.as_decimal())
             for f in position.events]
    return NodePosition(position.instrument_id, position.id.value,
                        Decimal(position.signed_decimal_qty()), fills)


def node_positions(
    positions: Iterable[Any], hedge_mode: bool,
) -> dict[tuple[str, str], Decimal]:
    """Signed open quantity per (instrument, leg) from Nautilus ``Position`` objects."""
    return _core.node_totals(
        (node_position(p) for p in positions if p.is_open), hedge_mode,
    )


def check_positions(
    node: Iterable[Any],
    venue: Iterable[VenuePosition],
    *,
    hedge_mode: bool,
    instrument_ids: Iterable[InstrumentId] | None = None,
) -> PositionCheck:
    """Compare the node's open ``Position`` s with the venue's positions (the core's
    :func:`~nautilus_exec_kit.core.reconciliation.check_positions`).

    ``instrument_ids`` limits the check (default: every instrument either side holds). In hedge
    mode, a missing leg while the venue holds both legs of an instrument is reported as
    :attr:`MismatchKind.HEDGE_LEG_LOST` (the #3104 case).
    """
    return _core.check_positions(
        [node_position(p) for p in node if p.is_open], venue,
        hedge_mode=hedge_mode, instrument_ids=instrument_ids,
    )


def deduplicate_fill_reports(reports: Iterable[FillReport]) -> list[FillReport]:
    """``reports`` with each (instrument, trade id) kept once, first seen wins.

    Why: at a restart with a persisted cache, the Binance adapter of nautilus_trader 1.231.0
    queries ``userTrades`` once per "active symbol", and its active-symbol set mixes the cache's
    Nautilus symbol (``BTCUSDT-PERP``) with the venue's (``BTCUSDT``): every fill comes back twice.
    The engine's partial-window fill adjustment then sees twice the traded quantity and invents
    an opposite EXTERNAL fill - the node shows a flat position while the venue is long
    (``tests/restart/test_kill_restart.py``).
    """
    seen: set[tuple[InstrumentId, TradeId]] = set()
    unique = []
    for report in reports:
        key = (report.instrument_id, report.trade_id)
        if key not in seen:
            seen.add(key)
            unique.append(report)
    return unique


def install_fill_report_dedup(exec_client: Any) -> bool:
    """Wrap ``exec_client.generate_fill_reports`` with :func:`deduplicate_fill_reports`.

    Returns False if the client has no such coroutine method (nothing patched). Idempotent.
    """
    original = getattr(exec_client, "generate_fill_reports", None)
    if original is None or getattr(original, "_exec_kit_dedup", False):
        return False

    async def generate_fill_reports(command: Any) -> list[FillReport]:
        return deduplicate_fill_reports(await original(command))

    generate_fill_reports._exec_kit_dedup = True  # type: ignore[attr-defined]
    exec_client.generate_fill_reports = generate_fill_reports
    return True


def install_venue_symbol_set(exec_client: Any) -> bool:
    """Make the adapter's "active symbols" from the cache Binance symbols (``BTCUSDT``), so a
    symbol the node holds and the venue reports is asked about once, not twice.

    Why: at a restart the 1.231.0 adapter unites the cache's Nautilus symbols (``BTCUSDT-PERP``)
    with ``positionRisk``'s Binance symbols (``BTCUSDT``) and sends ``allOrders``,
    ``allAlgoOrders`` and ``userTrades`` (weight 5 each) once per entry: every symbol with a
    position twice, 30 weight per symbol instead of 15, and every fill comes back twice (see
    :func:`deduplicate_fill_reports`). Returns False if the client has no such method. Idempotent.
    """
    original = getattr(exec_client, "_get_cache_active_symbols", None)
    if original is None or getattr(original, "_exec_kit_venue_symbols", False):
        return False
    from nautilus_trader.adapters.binance.common.symbol import BinanceSymbol

    def venue_symbols() -> set[str]:
        return {str(BinanceSymbol(symbol)) for symbol in original()}

    venue_symbols._exec_kit_venue_symbols = True  # type: ignore[attr-defined]
    exec_client._get_cache_active_symbols = venue_symbols
    return True


#: The execution engine's event endpoint every exec client sends its order events to.
EXEC_EVENT_ENDPOINT: Final[str] = "ExecEngine.process"


class UnknownOutcomeHold:
    """Holds back ``OrderRejected`` events that only mean "execution status unknown".

    Why: on -1007 ("send status unknown"), a 5xx page, or the -4116 "duplicated" answer to the
    adapter's own retry of a submit that WAS placed, the adapter emits ``OrderRejected``. The
    engine then closes the order although the venue may hold it - a lost order (the strategy
    also resubmits, a duplicate). This hold sits on the engine's event endpoint and drops such
    rejects: the order stays SUBMITTED (or keeps the state the venue's own events gave it), and
    the engine's in-flight check queries the venue and settles it with the venue's answer
    (accepted/filled, or ``OrderRejected("UNKNOWN")`` once its queries brought no report - the order
    is absent, or the queries failed too: not proof, see docs/production.md section 5;
    which passes through). Needs the in-flight check on (``inflight_check_interval_ms`` > 0, the
    default). Proven in ``tests/restart/test_faults.py::test_unknown_1007_*``.
    """

    def __init__(self, msgbus: Any, exec_engine: Any, log: Any = None, cache: Any = None) -> None:
        self._forward = exec_engine.process
        self._cache = cache
        self._log = log if log is not None else Logger(type(self).__name__)
        # The latest held rejects, for inspection (bounded: a node runs for months).
        self.held: deque[OrderRejected] = deque(maxlen=1_000)
        msgbus.deregister(EXEC_EVENT_ENDPOINT, exec_engine.process)
        msgbus.register(EXEC_EVENT_ENDPOINT, self.process)

    @staticmethod
    def is_unknown_outcome(event: Any) -> bool:
        """True for a reject whose reason leaves open whether the venue has the order."""
        if not isinstance(event, OrderRejected) or event.reason == INFLIGHT_VERDICT:
            return False
        return parse_reason(event.reason).category is ErrorCategory.UNKNOWN_STATUS

    def rejects_an_acknowledged_order(self, event: Any) -> bool:
        """True for a reject of an order the venue acknowledged (ACCEPTED, TRIGGERED, PARTIALLY
        FILLED in the cache). The 1.231 adapter sends one after three failed order queries
        (``generate_order_status_report``: a 503, a -1003, a timestamp error), and the engine
        then closes an order the venue still holds. Held, the order stays open and the next
        order check (``live/order_check.py``) settles it with the venue's answer, also when the
        venue really did reject it."""
        if self._cache is None or not isinstance(event, OrderRejected):
            return False
        order = self._cache.order(event.client_order_id)
        return order is not None and order.status in _ACKNOWLEDGED

    def process(self, event: Any) -> None:
        """The endpoint handler: forward everything but unknown-outcome rejects."""
        if self.is_unknown_outcome(event) or self.rejects_an_acknowledged_order(event):
            self.held.append(event)
            self._log.warning(
                f"exec-kit: held back reject of {event.client_order_id} ({event.reason}): the "
                "venue may have the order; the engine's in-flight check or the kit's order "
                "check will settle it"
            )
            return
        self._forward(event)


#: Order states in which the venue has acknowledged the order.
_ACKNOWLEDGED: Final[frozenset[OrderStatus]] = frozenset(
    {OrderStatus.ACCEPTED, OrderStatus.TRIGGERED, OrderStatus.PARTIALLY_FILLED}
)

#: The reason the engine's in-flight check gives after its queries brought no report (the order is
#: absent, or the queries failed: not proof of absence).
INFLIGHT_VERDICT: Final[str] = "UNKNOWN"


def reconciliation_verdict(cache: Any) -> PositionCheck | None:
    """The last verdict a :class:`ReconciliationGuard` stored in ``cache`` (None: no check yet)."""
    data = cache.get(VERDICT_CACHE_KEY)
    return PositionCheck.from_json(data) if data else None


#: The trading state each action puts the risk engine into (None: leave it alone).
ACTION_TRADING_STATE: Final[Mapping[MismatchAction, TradingState | None]] = {
    MismatchAction.LOG: None,
    MismatchAction.REDUCE: TradingState.REDUCING,
    MismatchAction.HALT: TradingState.HALTED,
}


class ReconciliationGuard:
    """Checks every reconciliation outcome against the venue's own position reports.

    It subscribes to the execution engine's mass-status topic, so the check runs inside the
    reconciliation step - after the engine applied the reports and before any strategy starts
    (start-up), or right after a user-stream reconnect (listenKey expiry, socket drop).
    """

    def __init__(
        self,
        msgbus: Any,
        cache: Any,
        *,
        hedge_mode: bool,
        risk_engine: Any = None,
        on_mismatch: MismatchAction | str = MismatchAction.HALT,
        log: Any = None,
    ) -> None:
        self._msgbus = msgbus
        self._cache = cache
        self._risk_engine = risk_engine
        self.hedge_mode = hedge_mode
        self.on_mismatch = MismatchAction(on_mismatch)
        self._log = log if log is not None else Logger(type(self).__name__)
        self.checks: list[PositionCheck] = []
        self._seen_reports: set[Any] = set()
        # mass-status id -> the instruments it covers (the order check's partial repairs)
        self._partial: dict[Any, frozenset[InstrumentId]] = {}
        self.unknown_hold: UnknownOutcomeHold | None = None
        msgbus.subscribe(topic=MASS_STATUS_TOPIC_PATTERN, handler=self._on_report)

    @classmethod
    def install(
        cls,
        node: Any,
        *,
        hedge_mode: bool,
        on_mismatch: MismatchAction | str = MismatchAction.HALT,
        dedupe_fills: bool = True,
        hold_unknown_rejects: bool = True,
    ) -> ReconciliationGuard:
        """Attach a guard to a built ``TradingNode`` (after ``node.build()``, before ``run()``).

        ``dedupe_fills`` works around the restart double-count: every exec client asks about
        each symbol once (:func:`install_venue_symbol_set`) and its fill reports are
        de-duplicated (:func:`deduplicate_fill_reports`); ``hold_unknown_rejects`` installs
        :class:`UnknownOutcomeHold`.
        """
        kernel = node.kernel
        guard = cls(kernel.msgbus, kernel.cache, hedge_mode=hedge_mode,
                    risk_engine=kernel.risk_engine, on_mismatch=on_mismatch)
        if hold_unknown_rejects:
            guard.unknown_hold = UnknownOutcomeHold(kernel.msgbus, kernel.exec_engine,
                                                    cache=kernel.cache)
        if dedupe_fills:
            # ``_clients`` is a readonly attribute of the engine; there is no public getter.
            for client in kernel.exec_engine._clients.values():
                install_venue_symbol_set(client)
                install_fill_report_dedup(client)
        return guard

    @property
    def last(self) -> PositionCheck | None:
        """The most recent check, or None before the first reconciliation."""
        return self.checks[-1] if self.checks else None

    def _on_report(self, message: Any) -> None:
        if isinstance(message, ExecutionMassStatus) and message.id not in self._seen_reports:
            self._seen_reports.add(message.id)
            try:
                self.check_mass_status(message)
            except Exception as exc:  # never break the engine's reconciliation
                self._error(f"exec-kit reconciliation check failed: {exc!r}")

    def expect_partial(self, mass_status_id: Any, instrument_ids: Iterable[InstrumentId]) -> None:
        """The mass status ``mass_status_id`` covers ``instrument_ids`` only: check just those
        (the order check sends such mass statuses after a reconnect, ``live/order_check.py``)."""
        self._partial[mass_status_id] = frozenset(instrument_ids)

    def check_mass_status(self, mass_status: ExecutionMassStatus) -> PositionCheck:
        """Compare the cache with ``mass_status``'s position reports; act on the result."""
        reports = [r for rs in mass_status.position_reports.values() for r in rs]
        venue = venue_positions_from_reports(reports)
        return self.check(venue, mass_status.venue,
                          instrument_ids=self._partial.pop(mass_status.id, None))

    def check(
        self,
        venue: Iterable[VenuePosition],
        venue_id: Venue | None = None,
        *,
        instrument_ids: Iterable[InstrumentId] | None = None,
    ) -> PositionCheck:
        """Compare the cache's open positions (of ``venue_id``) with ``venue``; act on it.

        ``instrument_ids`` limits the comparison (default: every instrument either side holds).
        """
        positions = [p for p in self._cache.positions_open()
                     if venue_id is None or p.instrument_id.venue == venue_id]
        result = check_positions(positions, list(venue), hedge_mode=self.hedge_mode,
                                 instrument_ids=instrument_ids)
        self.checks.append(result)
        self._cache.add(VERDICT_CACHE_KEY, result.to_json())
        if result.ok:
            self._info(f"exec-kit: {result.describe()}")
        else:
            self._error(f"exec-kit: {result.describe()}")
            state = ACTION_TRADING_STATE[self.on_mismatch]
            if state is not None and self._risk_engine is not None:
                self._risk_engine.set_trading_state(state)
        self._msgbus.publish(topic=VERDICT_TOPIC, msg=result)
        return result

    def _info(self, text: str) -> None:
        self._log.info(text)

    def _error(self, text: str) -> None:
        self._log.error(text)


__all__ = [
    "ACTION_TRADING_STATE",
    "EXEC_EVENT_ENDPOINT",
    "INFLIGHT_VERDICT",
    "MASS_STATUS_TOPIC_PATTERN",
    "POSITION_SIDES",
    "VERDICT_CACHE_KEY",
    "VERDICT_TOPIC",
    "MismatchAction",
    "MismatchKind",
    "NodePosition",
    "PositionCheck",
    "PositionMismatch",
    "ReconciliationGuard",
    "UnknownOutcomeHold",
    "VenuePosition",
    "binance_perpetual",
    "check_positions",
    "deduplicate_fill_reports",
    "install_fill_report_dedup",
    "install_venue_symbol_set",
    "node_position",
    "node_positions",
    "reconciliation_verdict",
    "venue_positions_from_reports",
    "venue_positions_from_rows",
]
