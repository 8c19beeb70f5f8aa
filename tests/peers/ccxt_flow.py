"""The ccxt ``binanceusdm`` REST flow: markets to cancel-all, every order type, as users do it."""

from __future__ import annotations

from typing import Any

from nautilus_exec_kit.sandbox import SandboxVenue
from tests.peers.flows import (
    API_KEY,
    API_SECRET,
    SYMBOL,
    StepResult,
    retarget,
    run_steps,
)

#: The account's second symbol in the flows (the venue lists the presets: sandbox.symbols).
SECOND_SYMBOL = "DOGE/USDT:USDT"


def ccxt_client(venue: SandboxVenue, api_key: str = API_KEY,
                secret: str = API_SECRET) -> Any:
    """A ``ccxt.binanceusdm`` on the sandbox: its URL table retargeted, spot currencies off."""
    import ccxt

    exchange = ccxt.binanceusdm({
        "apiKey": api_key, "secret": secret, "enableRateLimit": False,
        # fetchCurrencies reads spot's sapi (there is none on a futures venue)
        "options": {"fetchCurrencies": False, "fetchMarkets": {"types": ["linear"]}},
    })
    exchange.urls["api"] = retarget(exchange.urls["api"], venue)
    return exchange


def ccxt_steps(venue: SandboxVenue) -> list[StepResult]:
    ex = ccxt_client(venue)
    ids: dict[str, Any] = {}

    def place(key: str, *args: Any, **params: Any) -> bool:
        order = ex.create_order(SYMBOL, *args, params=params)
        ids[key] = order["id"]
        return bool(order["id"])

    def filled_market() -> bool:
        order = ex.create_order(SYMBOL, "market", "buy", 0.01)
        return order["status"] == "closed" and order["filled"] == 0.01

    def edit() -> bool:
        order = ex.edit_order(ids["limit"], SYMBOL, "limit", "buy", 0.01, 49100)
        return order["price"] == 49100

    def open_orders() -> bool:
        return {o["id"] for o in ex.fetch_open_orders(SYMBOL)} >= {ids["limit"], ids["post"]}

    def open_triggers() -> bool:
        found = {o["id"] for o in ex.fetch_open_orders(SYMBOL, params={"trigger": True})}
        return {ids["stop"], ids["stop_limit"], ids["tp"], ids["trailing"]} <= found

    steps = [
        ("load_markets", lambda: SYMBOL in ex.load_markets()),
        ("fetch_time", lambda: ex.fetch_time() > 0),
        ("fetch_position_mode", lambda: ex.fetch_position_mode(SYMBOL)["hedged"] is False),
        ("set_position_mode_hedge", lambda: ex.set_position_mode(True)),
        ("set_position_mode_one_way", lambda: ex.set_position_mode(False)),
        ("set_leverage", lambda: ex.set_leverage(5, SYMBOL)),
        ("set_margin_mode_isolated", lambda: ex.set_margin_mode("isolated", SYMBOL)),
        ("set_margin_mode_cross", lambda: ex.set_margin_mode("cross", SYMBOL)),
        ("fetch_balance", lambda: ex.fetch_balance()["USDT"]["total"] == 10000),
        ("market_buy", filled_market),
        ("fetch_positions", lambda: ex.fetch_positions([SYMBOL])[0]["contracts"] == 0.01),
        ("limit", lambda: place("limit", "limit", "buy", 0.01, 49000)),
        ("limit_post_only", lambda: place("post", "limit", "buy", 0.01, 48900, postOnly=True)),
        ("limit_price_match", lambda: place("match", "limit", "buy", 0.01, None,
                                            priceMatch="QUEUE", timeInForce="GTC")),
        ("stop_market", lambda: place("stop", "market", "sell", 0.01, None, stopPrice=48000)),
        ("stop_limit", lambda: place("stop_limit", "limit", "sell", 0.01, 47900,
                                     stopPrice=48000)),
        ("take_profit_market", lambda: place("tp", "market", "sell", 0.01, None,
                                             takeProfitPrice=52000)),
        ("take_profit_limit", lambda: place("tp_limit", "limit", "sell", 0.01, 52100,
                                            takeProfitPrice=52000)),
        ("trailing_stop", lambda: place("trailing", "market", "sell", 0.01, None,
                                        trailingPercent=1)),
        ("close_position_stop", lambda: place("close", "market", "sell", None, None,
                                              stopPrice=45000, closePosition=True)),
        ("reduce_only", lambda: place("reduce", "market", "sell", 0.005, None,
                                      reduceOnly=True)),
        ("fetch_order", lambda: ex.fetch_order(ids["limit"], SYMBOL)["status"] == "open"),
        ("fetch_trigger_order", lambda: ex.fetch_order(ids["stop"], SYMBOL,
                                                       params={"trigger": True})["id"]),
        ("edit_order", edit),
        ("fetch_open_orders", open_orders),
        ("fetch_open_trigger_orders", open_triggers),
        ("cancel_order", lambda: ex.cancel_order(ids["limit"], SYMBOL)["status"] == "canceled"),
        ("cancel_trigger_order", lambda: ex.cancel_order(ids["stop"], SYMBOL,
                                                         params={"trigger": True})),
        ("cancel_all_orders", lambda: ex.cancel_all_orders(SYMBOL) is not None),
        ("cancel_all_trigger_orders", lambda: ex.cancel_all_orders(
            SYMBOL, params={"trigger": True}) is not None),
        ("no_open_orders_left", lambda: ex.fetch_open_orders(SYMBOL) == []),
        ("fetch_my_trades", lambda: len(ex.fetch_my_trades(SYMBOL)) >= 2),
        ("fetch_order_book", lambda: len(ex.fetch_order_book(SYMBOL, 10)["bids"]) == 10),
        ("fetch_ticker", lambda: ex.fetch_ticker(SYMBOL)["last"] > 0),
        ("fetch_tickers", lambda: SYMBOL in ex.fetch_tickers()),
        ("fetch_bids_asks", lambda: SYMBOL in ex.fetch_bids_asks([SYMBOL])),
        ("fetch_trades", lambda: len(ex.fetch_trades(SYMBOL, limit=5)) >= 1),
        ("fetch_ohlcv", lambda: len(ex.fetch_ohlcv(SYMBOL, "1m", limit=5)) >= 1),
        ("fetch_funding_rate", lambda: ex.fetch_funding_rate(SYMBOL)["fundingRate"] is not None),
        ("fetch_funding_rate_history", lambda: len(ex.fetch_funding_rate_history(
            SYMBOL, limit=3)) == 3),
        ("fetch_leverage_tiers", lambda: len(ex.fetch_leverage_tiers([SYMBOL])[SYMBOL]) > 1),
        ("fetch_trading_fee", lambda: ex.fetch_trading_fee(SYMBOL)["taker"] == 0.0005),
        # a second symbol of the account, with its own filters (DOGE: step 1, tick 0.00001)
        ("market_sell_second_symbol", lambda: ex.create_order(
            SECOND_SYMBOL, "market", "sell", 1000)["filled"] == 1000),
        ("fetch_positions_both_symbols", lambda: {
            p["symbol"] for p in ex.fetch_positions() if p["contracts"]} == {SYMBOL,
                                                                             SECOND_SYMBOL}),
        ("fetch_funding_history", lambda: venue.settle_funding() and [
            f["amount"] > 0 for f in ex.fetch_funding_history(SECOND_SYMBOL)] == [True]),
    ]
    return run_steps("ccxt", steps)
