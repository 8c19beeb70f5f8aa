"""Reading the venue's truth and the node's state the same way in every restart test."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from nautilus_trader.model.identifiers import InstrumentId

from nautilus_exec_kit.reconciliation import (
    PositionCheck,
    VenuePosition,
    binance_perpetual,
    venue_positions_from_rows,
)
from nautilus_exec_kit.sandbox import PriceProcess, SandboxConfig, SandboxVenue

from .driver import API_KEY, API_SECRET

IID = binance_perpetual("BTCUSDT")


def sandbox_config(hedge: bool = False, **extra: Any) -> SandboxConfig:
    """A frozen-price sandbox with the test credentials."""
    return SandboxConfig(
        prices=PriceProcess(volatility_bps=0, mark_basis_bps=0),
        gtd_min_lead_ms=0,
        market_data_interval_ms=100,
        algo_event_gap_ms=30,
        api_key=API_KEY,
        api_secret=API_SECRET,
        dual_side_position=hedge,
        **extra,
    )


def venue_client_ids(venue: SandboxVenue) -> Counter[str]:
    """How many venue orders (regular + algo) carry each client id."""
    truth = venue.truth()
    ids: Counter[str] = Counter(o["clientOrderId"] for o in truth["orders"])
    ids.update(a["clientAlgoId"] for a in truth["algo_orders"])
    return ids


def venue_open_ids(venue: SandboxVenue) -> set[str]:
    truth = venue.truth()
    ids = {o["clientOrderId"] for o in truth["orders"]
           if o["status"] in ("NEW", "PARTIALLY_FILLED")}
    ids |= {a["clientAlgoId"] for a in truth["algo_orders"] if a["algoStatus"] == "NEW"}
    return ids


def venue_positions(venue: SandboxVenue) -> list[VenuePosition]:
    return venue_positions_from_rows(venue.truth()["positions"])


def venue_amount(venue: SandboxVenue, side: str = "BOTH") -> Decimal:
    for pos in venue.truth()["positions"]:
        if pos["positionSide"] == side:
            return Decimal(pos["positionAmt"])
    return Decimal(0)


def node_open_ids(state: dict[str, Any]) -> set[str]:
    return {o["coid"] for o in state["orders"] if o["is_open"]}


def node_order_status(state: dict[str, Any], coid: str) -> str | None:
    """The node's status of one order (by client order ID) in a state dump, or None."""
    return next((str(o["status"]) for o in state["orders"] if o["coid"] == coid), None)


def node_net(state: dict[str, Any], side: str | None = None) -> Decimal:
    """Sum of the node's open positions (optionally only ids ending in ``-side``)."""
    return sum((Decimal(p["qty"]) for p in state["positions"]
                if side is None or p["id"].endswith(f"-{side}")), Decimal(0))


def node_vs_venue(state: dict[str, Any], venue: SandboxVenue, hedge: bool) -> PositionCheck:
    """The kit's own comparison, fed with the node's published positions and the venue truth."""
    from nautilus_exec_kit.reconciliation import check_positions

    class _Pos:
        def __init__(self, row: dict[str, Any]) -> None:
            self.id = _Id(row["id"])
            self.instrument_id = (InstrumentId.from_str(row["instrument_id"])
                                  if row.get("instrument_id") else IID)
            self.is_open = True
            self._qty = Decimal(row["qty"])
            self.side = None
            self.events = ()  # the state dump has no fills

        def signed_decimal_qty(self) -> Decimal:
            return self._qty

    class _Id:
        def __init__(self, value: str) -> None:
            self.value = value

    return check_positions([_Pos(r) for r in state["positions"]], venue_positions(venue),
                           hedge_mode=hedge)


SUBMIT_PATHS = ("/fapi/v1/order", "/fapi/v1/algoOrder")


def submit_posts(venue: SandboxVenue, client_id: str, accepted_only: bool = True) -> int:
    """How many order/algo POSTs for ``client_id`` the venue answered (200 only by default)."""
    total = 0
    for entry in venue.truth()["request_log"]:
        if entry["method"] != "POST" or entry["path"] not in SUBMIT_PATHS:
            continue
        params = entry["params"]
        if client_id in (params.get("newClientOrderId"), params.get("clientAlgoId")) and (
            not accepted_only or entry["status"] == 200
        ):
            total += 1
    return total
