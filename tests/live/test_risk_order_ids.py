"""Unit tests of the v1 renaming of reused ADL client order IDs (``risk_order_ids.py``); the real
node against the sandbox is ``tests/e2e/test_adl_ids_live.py``."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.reports import ExecutionMassStatus, FillReport, OrderStatusReport
from nautilus_trader.model.enums import (
    LiquiditySide,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from nautilus_trader.model.identifiers import (
    AccountId,
    ClientId,
    ClientOrderId,
    InstrumentId,
    TradeId,
    Venue,
    VenueOrderId,
)
from nautilus_trader.model.objects import Money, Price, Quantity

from nautilus_exec_kit.risk_order_ids import (
    MASS_STATUS_ENDPOINT,
    REPORT_ENDPOINT,
    DistinctRiskOrderIds,
    rename_mass_status,
)

IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
ACCOUNT = AccountId("BINANCE-001")


def status(coid: str | None, voi: str) -> OrderStatusReport:
    return OrderStatusReport(
        account_id=ACCOUNT, instrument_id=IID, venue_order_id=VenueOrderId(voi),
        order_side=OrderSide.SELL, order_type=OrderType.MARKET, time_in_force=TimeInForce.IOC,
        order_status=OrderStatus.FILLED, quantity=Quantity.from_str("0.100"),
        filled_qty=Quantity.from_str("0.100"), report_id=UUID4(), ts_accepted=0, ts_last=0,
        ts_init=0, client_order_id=ClientOrderId(coid) if coid else None,
        avg_px=Decimal(50_000),
    )


def fill(coid: str | None, voi: str) -> FillReport:
    return FillReport(
        account_id=ACCOUNT, instrument_id=IID, venue_order_id=VenueOrderId(voi),
        trade_id=TradeId(f"T{voi}"), order_side=OrderSide.SELL,
        last_qty=Quantity.from_str("0.100"), last_px=Price.from_str("50000.00"),
        commission=Money.from_str("0 USDT"),
        liquidity_side=LiquiditySide.TAKER, report_id=UUID4(), ts_event=0, ts_init=0,
        client_order_id=ClientOrderId(coid) if coid else None,
    )


def mass_status() -> ExecutionMassStatus:
    mass = ExecutionMassStatus(client_id=ClientId("BINANCE"), account_id=ACCOUNT,
                               venue=Venue("BINANCE"), report_id=UUID4(), ts_init=0)
    mass.add_order_reports([status("adl_autoclose", "7"), status("adl_autoclose", "8"),
                            status("autoclose-1700000000000", "9"), status("O-1", "10")])
    mass.add_fill_reports([fill("adl_autoclose", "7"), fill(None, "8")])
    return mass


def test_a_mass_status_books_each_adl_under_its_own_id_and_leaves_the_rest() -> None:
    mass = mass_status()
    assert rename_mass_status(mass) == 3
    names = {voi.value: r.client_order_id.value for voi, r in mass.order_reports.items()}
    assert names == {"7": "adl_autoclose-7", "8": "adl_autoclose-8",
                     "9": "autoclose-1700000000000", "10": "O-1"}
    [fill7] = mass.fill_reports[VenueOrderId("7")]
    [fill8] = mass.fill_reports[VenueOrderId("8")]
    assert fill7.client_order_id == ClientOrderId("adl_autoclose-7")
    assert fill8.client_order_id is None  # a REST trade: the engine finds it by venue order ID
    assert rename_mass_status(mass) == 0  # idempotent


class _Bus:
    def __init__(self) -> None:
        self.endpoints: dict[str, Any] = {}

    def register(self, endpoint: str, handler: Any) -> None:
        assert endpoint not in self.endpoints
        self.endpoints[endpoint] = handler

    def deregister(self, endpoint: str, handler: Any) -> None:
        assert self.endpoints.pop(endpoint) == handler


class _Engine:
    def __init__(self, client: Any) -> None:
        self._clients = {ClientId("BINANCE"): client}
        self.seen: list[Any] = []

    def reconcile_execution_report(self, report: Any) -> bool:
        self.seen.append(("report", report.client_order_id.value))
        return True

    def reconcile_execution_mass_status(self, mass: Any) -> None:
        self.seen.append(("mass", sorted(r.client_order_id.value
                                         for r in mass.order_reports.values())))


class _Client:
    """Answers as the adapter's report methods do (Nautilus' open-order and missing-fill
    checks apply these answers without the endpoints)."""

    async def generate_mass_status(self, lookback_mins: int | None = None) -> ExecutionMassStatus:
        return mass_status()

    async def generate_order_status_report(self, command: Any) -> OrderStatusReport | None:
        return status("adl_autoclose", "21") if command else None

    async def generate_order_status_reports(self, command: Any) -> list[OrderStatusReport]:
        return [status("adl_autoclose", "22"), status("O-2", "23")]

    async def generate_fill_reports(self, command: Any) -> list[FillReport]:
        return [fill("adl_autoclose", "22"), fill(None, "24")]


def test_every_path_into_the_engine_is_renamed_before_the_engine_reads_it() -> None:
    client = _Client()
    engine = _Engine(client)
    bus = _Bus()
    bus.register(REPORT_ENDPOINT, engine.reconcile_execution_report)
    bus.register(MASS_STATUS_ENDPOINT, engine.reconcile_execution_mass_status)
    original = client.generate_mass_status
    ids = DistinctRiskOrderIds(bus, engine)
    assert client.generate_mass_status is not original

    assert bus.endpoints[REPORT_ENDPOINT](status("adl_autoclose", "11")) is True
    bus.endpoints[REPORT_ENDPOINT](fill("adl_autoclose", "11"))
    bus.endpoints[MASS_STATUS_ENDPOINT](mass_status())
    startup = asyncio.run(client.generate_mass_status(60))
    assert engine.seen == [
        ("report", "adl_autoclose-11"), ("report", "adl_autoclose-11"),
        ("mass", ["O-1", "adl_autoclose-7", "adl_autoclose-8", "autoclose-1700000000000"])]
    assert {r.client_order_id.value for r in startup.order_reports.values()} >= {
        "adl_autoclose-7", "adl_autoclose-8"}
    assert ids.renamed == 2 + 3 + 3
    assert asyncio.run(client.generate_order_status_report(None)) is None
    single = asyncio.run(client.generate_order_status_report("query"))
    listed = asyncio.run(client.generate_order_status_reports("all"))
    fills = asyncio.run(client.generate_fill_reports("trades"))
    assert single is not None and single.client_order_id == ClientOrderId("adl_autoclose-21")
    assert [r.client_order_id.value for r in listed] == ["adl_autoclose-22", "O-2"]
    assert [f.client_order_id for f in fills] == [ClientOrderId("adl_autoclose-22"), None]
    assert ids.renamed == 2 + 3 + 3 + 3

    # a second node on the same client object does not wrap its mass status twice
    other, bus2 = _Engine(client), _Bus()
    bus2.register(REPORT_ENDPOINT, other.reconcile_execution_report)
    bus2.register(MASS_STATUS_ENDPOINT, other.reconcile_execution_mass_status)
    DistinctRiskOrderIds(bus2, other)
    asyncio.run(client.generate_mass_status(60))
    assert ids.renamed == 2 + 3 + 3 + 3 + 3
