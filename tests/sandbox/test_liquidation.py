"""Liquidation by Binance's brackets: positionRisk shows the liquidation price of the formula, the
venue liquidates when the mark crosses it (not before), closes with an ``autoclose-<ms>`` fill,
and takes the clearance fee from the margin that is left. Prices by hand from Binance's formula:

    LP = (WB - TMM1 + UPNL1 + cum - side x qty x EP) / (qty x mmr - side x qty)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nautilus_exec_kit.sandbox import MatchingEngine, SandboxConfig
from nautilus_exec_kit.sandbox._market import set_price
from nautilus_exec_kit.sandbox.symbols import preset

NOW = 1_800_000_000_000
TAKER = Decimal("0.0005")
CENT = Decimal("0.01")


def _engine(usdt: str, leverage: int = 20) -> MatchingEngine:
    config = SandboxConfig(symbols=(preset("BTCUSDT"), preset("ETHUSDT")), leverage=leverage,
                           balances=(("USDT", Decimal(usdt)),))
    return MatchingEngine(config, lambda: NOW)


def _market(eng: MatchingEngine, symbol: str, side: str, qty: str) -> None:
    eng.new_order({"symbol": symbol, "side": side, "type": "MARKET", "quantity": qty})


def _mark(eng: MatchingEngine, symbol: str, mark: Decimal) -> list[Any]:
    set_price(eng.books[symbol], mark, mark)
    return eng.on_market(symbol) + eng.check_liquidations()


def _risk(eng: MatchingEngine, symbol: str) -> dict[str, Any]:
    [row] = eng.position_risk(symbol)
    return row


def _autoclose(events: list[Any]) -> list[dict[str, Any]]:
    return [e.frame["o"] for e in events if e.frame["e"] == "ORDER_TRADE_UPDATE"
            and e.frame["o"]["c"].startswith("autoclose-") and e.frame["o"]["x"] == "CALCULATED"]


def test_cross_long_is_liquidated_at_the_formulas_price_and_not_before() -> None:
    eng = _engine("1000")
    _market(eng, "BTCUSDT", "BUY", "0.3")              # fills at the ask, 50000.1
    entry, qty = Decimal("50000.1"), Decimal("0.3")
    wallet = Decimal(1000) - (qty * entry * TAKER).quantize(Decimal("1E-8"))
    assert eng.wallet == wallet
    # tier 1 of BTCUSDT (notional < 50 000): mmr 0.4 %, cum 0
    price = (wallet - qty * entry) / (qty * Decimal("0.004") - qty)
    assert round(price, 2) == Decimal("46879.28")
    assert _risk(eng, "BTCUSDT")["liquidationPrice"] == str(price.quantize(Decimal("1E-8")))
    eng.new_order({"symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01",
                   "price": "2900", "timeInForce": "GTC"})

    assert _mark(eng, "BTCUSDT", price + CENT) == []
    assert eng.position("BTCUSDT", "BOTH").amt == qty
    events = _mark(eng, "BTCUSDT", price - CENT)
    [fill] = _autoclose(events)
    assert (fill["S"], fill["q"], fill["X"]) == ("SELL", "0.3", "FILLED")
    assert Decimal(fill["L"]) == (price - CENT).quantize(Decimal("1E-8"))
    assert eng.position("BTCUSDT", "BOTH").amt == 0
    # every open order of the account was cancelled first
    assert not eng.working_orders()
    # the clearance fee (1.25 % of the notional) is more than the margin left: it takes it all,
    # and the wallet ends at zero, never below
    assert eng.wallet == 0
    clear = [i.amount for i in eng.income if i.kind == "INSURANCE_CLEAR"]
    assert len(clear) == 1 and clear[0] < 0
    reasons = [e.frame["a"]["m"] for e in events if e.frame["e"] == "ACCOUNT_UPDATE"]
    assert reasons == ["ORDER", "INSURANCE_CLEAR"]


def test_isolated_short_loses_its_margin_only() -> None:
    eng = _engine("10000", leverage=10)
    eng.set_margin_type({"symbol": "BTCUSDT", "marginType": "ISOLATED"})
    _market(eng, "BTCUSDT", "SELL", "0.1")             # fills at the bid, 50000
    qty, entry = Decimal("0.1"), Decimal("50000")
    held = qty * entry / 10                            # isolated wallet: 500
    assert eng.position("BTCUSDT", "BOTH").isolated_wallet == held
    row = _risk(eng, "BTCUSDT")
    assert (row["marginType"], row["isolatedWallet"]) == ("isolated", "500")
    price = (held + qty * entry) / (qty * Decimal("0.004") + qty)   # side -1: a short
    assert row["liquidationPrice"] == str(price.quantize(Decimal("1E-8")))
    wallet = eng.wallet

    assert _mark(eng, "BTCUSDT", price - CENT) == []
    [fill] = _autoclose(_mark(eng, "BTCUSDT", price + CENT))
    assert fill["S"] == "BUY" and eng.position("BTCUSDT", "BOTH").amt == 0
    # close, fee, clearance fee: what is lost is the isolated margin, to the 8th decimal
    assert abs(eng.wallet - (wallet - held)) <= Decimal("1E-8")


def test_cross_liquidation_price_counts_the_other_contracts() -> None:
    eng = _engine("2000")
    _market(eng, "BTCUSDT", "BUY", "0.3")
    _market(eng, "ETHUSDT", "BUY", "2")                # at 3000.01
    set_price(eng.books["ETHUSDT"], Decimal("3100"), Decimal("3100"))
    wallet, qty, entry = eng.wallet, Decimal("0.3"), Decimal("50000.1")
    eth_mm = Decimal(2) * Decimal(3100) * Decimal("0.004")           # ETH tier 1
    eth_upnl = Decimal(2) * (Decimal(3100) - Decimal("3000.01"))
    price = (wallet - eth_mm + eth_upnl - qty * entry) / (qty * Decimal("0.004") - qty)
    assert _risk(eng, "BTCUSDT")["liquidationPrice"] == str(price.quantize(Decimal("1E-8")))
    assert _mark(eng, "BTCUSDT", price + CENT) == []
    events = _mark(eng, "BTCUSDT", price - CENT)
    # cross: the whole account goes, ETHUSDT too
    assert sorted(f["s"] for f in _autoclose(events)) == ["BTCUSDT", "ETHUSDT"]
    assert eng.open_positions() == [] and eng.wallet >= 0


def test_a_gap_past_bankruptcy_leaves_the_wallet_at_zero() -> None:
    eng = _engine("1000")
    _market(eng, "BTCUSDT", "BUY", "0.3")
    [fill] = _autoclose(_mark(eng, "BTCUSDT", Decimal("40000")))   # far below bankruptcy
    assert fill["X"] == "FILLED" and eng.wallet == 0
    covered = [i.amount for i in eng.income if i.kind == "INSURANCE_CLEAR" and i.amount > 0]
    assert len(covered) == 1  # the insurance fund took the loss beyond the margin


def test_no_liquidation_while_margin_covers_the_maintenance() -> None:
    eng = _engine("10000")
    _market(eng, "BTCUSDT", "BUY", "0.1")
    assert _risk(eng, "BTCUSDT")["liquidationPrice"] == "0"   # never: the wallet covers it all
    assert _mark(eng, "BTCUSDT", Decimal("1000")) == []
    assert eng.position("BTCUSDT", "BOTH").amt == Decimal("0.1")


def test_hedge_mode_legs_share_one_cross_liquidation_price() -> None:
    config = SandboxConfig(symbols=(preset("BTCUSDT"),), dual_side_position=True,
                           balances=(("USDT", Decimal(1500)),))
    eng = MatchingEngine(config, lambda: NOW)
    eng.new_order({"symbol": "BTCUSDT", "side": "BUY", "positionSide": "LONG",
                   "type": "MARKET", "quantity": "0.3"})        # at 50000.1
    eng.new_order({"symbol": "BTCUSDT", "side": "SELL", "positionSide": "SHORT",
                   "type": "MARKET", "quantity": "0.1"})        # at 50000
    wallet = eng.wallet
    long_qty, long_ep, short_qty, short_ep = (Decimal("0.3"), Decimal("50000.1"),
                                              Decimal("0.1"), Decimal("50000"))
    mmr = Decimal("0.004")  # both legs in tier 1 near the price
    price = ((wallet - long_qty * long_ep + short_qty * short_ep)
             / (long_qty * mmr + short_qty * mmr - long_qty + short_qty))
    rows = {r["positionSide"]: r["liquidationPrice"] for r in eng.position_risk("BTCUSDT")}
    assert rows == {"LONG": str(price.quantize(Decimal("1E-8"))),
                    "SHORT": str(price.quantize(Decimal("1E-8")))}
    assert _mark(eng, "BTCUSDT", price + CENT) == []
    closed = _autoclose(_mark(eng, "BTCUSDT", price - CENT))
    assert sorted((f["ps"], f["S"]) for f in closed) == [("LONG", "SELL"), ("SHORT", "BUY")]
    assert eng.open_positions() == []


def test_two_liquidations_in_one_millisecond_get_distinct_client_ids() -> None:
    """One price move liquidates both legs of a hedge account (the same ``now``): Binance's
    ``autoclose-<ms>``, then ``-2``, as the kit's backtest venue names them. Nautilus keys an
    order by its client id alone; under one id it would book the second fill as an overfill of
    the first (NautilusTrader 1.231 rejects it) and the node would keep a leg the venue closed.
    """
    config = SandboxConfig(symbols=(preset("BTCUSDT"),), dual_side_position=True,
                           balances=(("USDT", Decimal(1500)),))
    eng = MatchingEngine(config, lambda: NOW)
    eng.new_order({"symbol": "BTCUSDT", "side": "BUY", "positionSide": "LONG",
                   "type": "MARKET", "quantity": "0.3"})
    eng.new_order({"symbol": "BTCUSDT", "side": "SELL", "positionSide": "SHORT",
                   "type": "MARKET", "quantity": "0.1"})
    closed = _autoclose(_mark(eng, "BTCUSDT", Decimal("42000")))  # LP: 42 843
    ids = sorted(f["c"] for f in closed)
    assert ids == [f"autoclose-{NOW}", f"autoclose-{NOW}-2"]
    # each id finds its own order (the adapters classify by the prefix: still liquidations)
    legs = {eng.find_order({"origClientOrderId": cid}, "BTCUSDT").position_side for cid in ids}
    assert legs == {"LONG", "SHORT"}
    # an admin liquidation in the same millisecond comes next
    assert eng.autoclose_id(NOW) == f"autoclose-{NOW}-3"
    assert eng.autoclose_id(NOW + 1) == f"autoclose-{NOW + 1}"


def test_two_symbols_liquidated_together_get_distinct_client_ids() -> None:
    """Nautilus' client order ids are unique across instruments: a cross liquidation of two
    symbols in one millisecond names them apart too."""
    eng = _engine("2000")
    _market(eng, "BTCUSDT", "BUY", "0.3")
    _market(eng, "ETHUSDT", "BUY", "2")
    closed = _autoclose(_mark(eng, "BTCUSDT", Decimal("40000")))
    assert sorted((f["s"], f["c"]) for f in closed) == [
        ("BTCUSDT", f"autoclose-{NOW}"), ("ETHUSDT", f"autoclose-{NOW}-2")]
