"""Binance JSON shapes the adapter decodes strictly (msgspec): one function per shape.

Kept apart from the matching engine so the schema landmines of the wire protocol notes (§9) live
in one place: algo-cancel ``code`` is a string, ``callbackRate`` is never ``""``, ``priceRate`` only
on trailing rows, numbers as strings, enum values Nautilus knows.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from nautilus_exec_kit.core.perpetuals import Bracket, maintenance_margin

if TYPE_CHECKING:
    from nautilus_exec_kit.sandbox._engine import AlgoOrder, Position, VenueOrder


def num(value: Decimal | int) -> str:
    """A Binance number string: plain notation, no exponent, no trailing-zero noise."""
    d = Decimal(value)
    text = format(d.normalize(), "f") if d != 0 else "0"
    return text


def text(value: Any) -> str:
    """A JSON value as the text a form parameter carries (``true``, ``0.001``, ``BUY``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


#: Binance's entry prices carry at most this many decimals (it rounds the average to them).
ENTRY_PRICE_QUANTUM = Decimal("0.00000001")


def entry_price(value: Decimal) -> str:
    """An average entry price as Binance shows it: rounded half-up to 8 decimals."""
    return num(Decimal(value).quantize(ENTRY_PRICE_QUANTUM, ROUND_HALF_UP))


def error(code: int, msg: str) -> dict[str, Any]:
    """The body of every Binance error answer."""
    return {"code": code, "msg": msg}


def order_row(o: VenueOrder) -> dict[str, Any]:
    """``/fapi/v1/order`` answers and openOrders/allOrders rows."""
    row: dict[str, Any] = {
        "orderId": o.order_id,
        "symbol": o.symbol,
        "status": o.status,
        "clientOrderId": o.client_order_id,
        "price": num(o.price),
        "avgPrice": num(o.avg_price),
        "origQty": num(o.qty),
        "executedQty": num(o.executed_qty),
        "cumQty": num(o.executed_qty),
        "cumQuote": num(o.cum_quote),
        "timeInForce": o.tif,
        "type": o.type,
        "reduceOnly": o.reduce_only,
        "closePosition": o.close_position,
        "side": o.side,
        "positionSide": o.position_side,
        "stopPrice": num(o.stop_price),
        "workingType": o.working_type,
        "priceProtect": False,
        "origType": o.orig_type,
        "priceMatch": o.price_match,
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": o.gtd,
        "time": o.time,
        "updateTime": o.update_time,
    }
    return row


def algo_row(a: AlgoOrder) -> dict[str, Any]:
    """``/fapi/v1/algoOrder`` answers and openAlgoOrders/allAlgoOrders rows."""
    row: dict[str, Any] = {
        "algoId": a.algo_id,
        "clientAlgoId": a.client_algo_id,
        "algoType": "CONDITIONAL",
        "orderType": a.order_type,
        "symbol": a.symbol,
        "side": a.side,
        "positionSide": a.position_side,
        "timeInForce": a.tif,
        # closePosition orders have no quantity; the adapter skips rows with an empty one.
        "quantity": num(a.qty) if a.qty is not None else "",
        "algoStatus": a.status,
        "triggerPrice": num(a.trigger_price),
        "price": num(a.price),
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": a.working_type,
        "priceMatch": a.price_match,
        "closePosition": a.close_position,
        "priceProtect": False,
        "reduceOnly": a.reduce_only,
        "createTime": a.create_time,
        "updateTime": a.update_time,
        "triggerTime": a.trigger_time,
        "goodTillDate": a.gtd,
    }
    if a.actual_order_id:
        row["actualOrderId"] = str(a.actual_order_id)
        row["actualPrice"] = num(a.avg_price)
    if a.callback_rate is not None:  # never "" (landmine §9.2)
        row["callbackRate"] = num(a.callback_rate)
        row["activatePrice"] = num(a.activate_price or 0)
    return row


def order_update(
    o: VenueOrder,
    execution: str,
    now: int,
    *,
    last_qty: Decimal = Decimal(0),
    last_px: Decimal = Decimal(0),
    trade_id: int = 0,
    commission: Decimal | None = None,
    maker: bool = False,
    realized: Decimal = Decimal(0),
) -> dict[str, Any]:
    """An ``ORDER_TRADE_UPDATE`` user-stream frame."""
    inner: dict[str, Any] = {
        "s": o.symbol,
        "c": o.client_order_id,
        "S": o.side,
        "o": o.type,
        "f": o.tif,
        "q": num(o.qty),
        "p": num(o.price),
        "ap": num(o.avg_price),
        "sp": num(o.stop_price),
        "x": execution,
        "X": o.status,
        "i": o.order_id,
        "l": num(last_qty),
        "z": num(o.executed_qty),
        "L": num(last_px),
        "T": now,
        "t": trade_id,
        "b": "0",
        "a": "0",
        "m": maker,
        "R": o.reduce_only,
        "wt": o.working_type,
        "ot": o.orig_type,
        "ps": o.position_side,
        "cp": o.close_position,
        "pP": False,
        "si": 0,
        "ss": 0,
        "rp": num(realized),
        "V": "EXPIRE_MAKER",
        "pm": o.price_match,
        "gtd": o.gtd,
    }
    if commission is not None:
        inner["N"] = "USDT"
        inner["n"] = num(commission)
    return {"e": "ORDER_TRADE_UPDATE", "E": now, "T": now, "o": inner}


def algo_update(a: AlgoOrder, now: int) -> dict[str, Any]:
    """An ``ALGO_UPDATE`` user-stream frame."""
    inner: dict[str, Any] = {
        "caid": a.client_algo_id,
        "aid": a.algo_id,
        "at": "CONDITIONAL",
        "o": a.order_type,
        "s": a.symbol,
        "S": a.side,
        "ps": a.position_side,
        "f": a.tif,
        "q": num(a.qty) if a.qty is not None else "0",
        "X": a.status,
        "ai": str(a.actual_order_id) if a.actual_order_id else "",
        "ap": num(a.avg_price),
        "aq": num(a.executed_qty),
        "act": "0",
        "tp": num(a.trigger_price),
        "p": num(a.price),
        "V": "EXPIRE_MAKER",
        "wt": a.working_type,
        "pm": a.price_match,
        "cp": a.close_position,
        "pP": False,
        "R": a.reduce_only,
        "tt": a.trigger_time,
        "gtd": a.gtd,
    }
    if a.callback_rate is not None:
        inner["cr"] = num(a.callback_rate)
    return {"e": "ALGO_UPDATE", "E": now, "T": now, "o": inner}


def position_row(p: Position, mark: Decimal, now: int, *, leverage: int, margin_type: str,
                 brackets: tuple[Bracket, ...], max_notional: Decimal,
                 liquidation_price: Decimal | None) -> dict[str, Any]:
    """A ``/fapi/v2|v3/positionRisk`` row with every field either version sends."""
    upnl = p.unrealized(mark)
    notional = p.amt * mark
    initial = abs(notional) / leverage
    maint = maintenance_margin(brackets, notional)
    isolated = margin_type == "ISOLATED"
    return {
        "symbol": p.symbol,
        "positionSide": p.side,
        "positionAmt": num(p.amt),
        "entryPrice": entry_price(p.entry_price),
        "breakEvenPrice": entry_price(p.entry_price),
        "markPrice": num(mark),
        "unRealizedProfit": num(upnl),
        "liquidationPrice": entry_price(liquidation_price or Decimal(0)),
        "leverage": str(leverage),
        "maxNotionalValue": num(max_notional),
        "marginType": "isolated" if isolated else "cross",
        "isAutoAddMargin": "false",
        "isolatedMargin": num(p.isolated_wallet + upnl) if isolated and p.amt else "0",
        "notional": num(notional),
        "marginAsset": "USDT",
        "isolatedWallet": num(p.isolated_wallet) if isolated else "0",
        "initialMargin": num(initial),
        "maintMargin": num(maint),
        "positionInitialMargin": num(initial),
        "openOrderInitialMargin": "0",
        "adl": 0,
        "bidNotional": "0",
        "askNotional": "0",
        "updateTime": now,
    }


#: Binance's wallet amounts (funding, fees) carry 8 decimals.
MONEY = Decimal("0.00000001")


def account_update(wallet: Decimal, cross_wallet: Decimal, positions: list[Position],
                   reason: str, now: int, *, marks: dict[str, Decimal], isolated: set[str],
                   balance_change: Decimal = Decimal(0)) -> dict[str, Any]:
    """An ``ACCOUNT_UPDATE`` user-stream frame: the wallet (``wb``), the cross wallet (``cw``),
    the change that is neither PnL nor commission (``bc``: funding, clearance fee) and the
    positions it concerns (``m`` is the reason: ORDER, FUNDING_FEE, INSURANCE_CLEAR...)."""
    return {
        "e": "ACCOUNT_UPDATE",
        "E": now,
        "T": now,
        "a": {
            "m": reason,
            "B": [{"a": "USDT", "wb": num(wallet), "cw": num(cross_wallet),
                   "bc": num(balance_change)}],
            "P": [
                {
                    "s": p.symbol,
                    "pa": num(p.amt),
                    "ep": num(p.entry_price),
                    "bep": num(p.entry_price),
                    "cr": num(p.realized),
                    "up": num(p.unrealized(marks[p.symbol])),
                    "mt": "isolated" if p.symbol in isolated else "cross",
                    "iw": num(p.isolated_wallet) if p.symbol in isolated else "0",
                    "ps": p.side,
                }
                for p in positions
            ],
        },
    }
