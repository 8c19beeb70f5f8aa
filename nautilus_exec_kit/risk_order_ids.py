"""One client order ID per auto-deleverage on a NautilusTrader 1.231 node.

Why: Binance names every ADL order ``adl_autoclose``, the same ID each time (its user-data stream
documentation; a liquidation is ``autoclose-<ms>``). The 1.231 adapter turns each into an
``OrderStatusReport`` plus a ``FillReport`` under that client order ID, and the execution engine
keys orders by it: the second ADL of a node's life is taken for the first (FILLED already), its
fill is rejected as an overfill and the leg it closed stays open in the node, where no risk event
and no ``kit_holding`` correction ever see it (measured against the sandbox,
``tests/e2e/test_adl_ids_live.py``). A reused ID (the core's
:data:`~nautilus_exec_kit.core.risk.REUSED_CLIENT_ORDER_IDS`) is booked as
``adl_autoclose-<venue order ID>`` instead
(:func:`~nautilus_exec_kit.core.risk.distinct_client_order_id`): unique, the same in every
report of that order (stream, REST, restart), still an ADL by prefix.

Where: reports reach the engine through its two reconciliation endpoints
(``ExecEngine.reconcile_execution_report`` and ``...mass_status``: the adapter's stream
handler, the in-flight and order checks), or straight from an exec client's report methods
(start-up ``generate_mass_status``; Nautilus' own open-order and missing-fill checks call
``generate_order_status_report(s)`` and ``generate_fill_reports`` and apply the answer).
:class:`DistinctRiskOrderIds` renames the reports on all of these paths before the engine reads
them (renaming is idempotent, so a report that takes two of them is renamed once);
``install_kit_components`` installs it on every node the kit builds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Final

from nautilus_trader.execution.reports import ExecutionMassStatus
from nautilus_trader.model.identifiers import ClientOrderId

from nautilus_exec_kit.core.risk import distinct_client_order_id

#: The engine's endpoints every runtime report and mass status is sent to.
REPORT_ENDPOINT: Final[str] = "ExecEngine.reconcile_execution_report"
MASS_STATUS_ENDPOINT: Final[str] = "ExecEngine.reconcile_execution_mass_status"


def rename_report(report: Any) -> bool:
    """Give ``report`` (an order status or fill report) its distinct client order ID, in place.
    Returns True if it was renamed."""
    client_order_id = getattr(report, "client_order_id", None)
    venue_order_id = getattr(report, "venue_order_id", None)
    if client_order_id is None or venue_order_id is None:
        return False
    distinct = distinct_client_order_id(client_order_id.value, venue_order_id.value)
    if distinct is None:
        return False
    report.client_order_id = ClientOrderId(distinct)
    return True


def rename_mass_status(mass_status: Any) -> int:
    """Rename every order status and fill report in ``mass_status``; returns how many."""
    if not isinstance(mass_status, ExecutionMassStatus):
        return 0
    fills: Iterable[Any] = (f for fs in mass_status.fill_reports.values() for f in fs)
    return sum(map(rename_report, [*mass_status.order_reports.values(), *fills]))


#: The exec client methods whose answers the engine may apply without the endpoints.
REPORT_SOURCES: Final[tuple[str, ...]] = (
    "generate_mass_status",
    "generate_order_status_report",
    "generate_order_status_reports",
    "generate_fill_reports",
)


def rename_answer(answer: Any) -> int:
    """Rename what one of :data:`REPORT_SOURCES` answered (a mass status, a report, a list of
    reports, or None); returns how many reports were renamed."""
    if answer is None:
        return 0
    if isinstance(answer, ExecutionMassStatus):
        return rename_mass_status(answer)
    if isinstance(answer, list):
        return sum(map(rename_report, answer))
    return int(rename_report(answer))


class DistinctRiskOrderIds:
    """Renames reused venue client order IDs on every path a report takes into the engine."""

    #: One instance per message bus (a second install on the same node returns the first).
    _installed: ClassVar[dict[int, DistinctRiskOrderIds]] = {}

    def __init__(self, msgbus: Any, exec_engine: Any) -> None:
        self._msgbus = msgbus
        #: How many reports were renamed (a node that saw no ADL: 0).
        self.renamed = 0
        self._forward_report = self._take(REPORT_ENDPOINT, exec_engine.reconcile_execution_report,
                                          self._on_report)
        self._forward_mass_status = self._take(
            MASS_STATUS_ENDPOINT, exec_engine.reconcile_execution_mass_status,
            self._on_mass_status)
        # ``_clients`` is a readonly attribute of the engine; there is no public getter in 1.231.
        for client in exec_engine._clients.values():
            for name in REPORT_SOURCES:
                self._wrap_source(client, name)

    @classmethod
    def install(cls, node: Any) -> DistinctRiskOrderIds:
        """Attach to a built ``TradingNode`` (after ``node.build()``, before ``run()``).
        Idempotent per node."""
        kernel = node.kernel
        existing = cls._installed.get(id(kernel.msgbus))
        if existing is not None and existing._msgbus is kernel.msgbus:
            return existing
        ids = cls(kernel.msgbus, kernel.exec_engine)
        cls._installed[id(kernel.msgbus)] = ids
        return ids

    def _take(self, endpoint: str, original: Callable[[Any], Any],
              handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
        self._msgbus.deregister(endpoint, original)
        self._msgbus.register(endpoint, handler)
        return original

    def _on_report(self, report: Any) -> Any:
        self.renamed += rename_report(report)
        return self._forward_report(report)

    def _on_mass_status(self, mass_status: Any) -> Any:
        self.renamed += rename_mass_status(mass_status)
        return self._forward_mass_status(mass_status)

    def _wrap_source(self, client: Any, name: str) -> None:
        """Make ``client.<name>`` (a coroutine method) rename its answer."""
        original = getattr(client, name, None)
        if original is None or getattr(original, "_exec_kit_distinct_ids", False):
            return

        async def renaming(*args: Any, **kwargs: Any) -> Any:
            answer = await original(*args, **kwargs)
            self.renamed += rename_answer(answer)
            return answer

        renaming._exec_kit_distinct_ids = True  # type: ignore[attr-defined]
        setattr(client, name, renaming)


__all__ = [
    "MASS_STATUS_ENDPOINT",
    "REPORT_ENDPOINT",
    "REPORT_SOURCES",
    "DistinctRiskOrderIds",
    "rename_answer",
    "rename_mass_status",
    "rename_report",
]
