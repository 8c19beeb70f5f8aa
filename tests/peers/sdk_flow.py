"""The flow of Binance's official ``binance-sdk-derivatives-trading-usds-futures`` (REST, WS API,
WS streams), configured with its own ``Configuration*`` objects pointed at the sandbox."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from nautilus_exec_kit.sandbox import SandboxVenue
from tests.peers.flows import API_KEY, API_SECRET, StepResult, run_async_steps, run_steps

SYMBOL = "BTCUSDT"


def _data(response: Any) -> Any:
    """The SDK answers an ``ApiResponse``; ``data()`` is the parsed model (pydantic)."""
    return response.data()


def sdk_client(venue: SandboxVenue, api_key: str = API_KEY, api_secret: str = API_SECRET) -> Any:
    from binance_common.configuration import (
        ConfigurationRestAPI,
        ConfigurationWebSocketAPI,
        ConfigurationWebSocketStreams,
    )
    from binance_sdk_derivatives_trading_usds_futures import DerivativesTradingUsdsFutures

    return DerivativesTradingUsdsFutures(
        config_rest_api=ConfigurationRestAPI(api_key=api_key, api_secret=api_secret,
                                             base_path=venue.base_url_http, timeout=5000),
        config_ws_api=ConfigurationWebSocketAPI(api_key=api_key, api_secret=api_secret,
                                                stream_url=venue.base_url_ws_api),
        config_ws_streams=ConfigurationWebSocketStreams(stream_url=venue.base_url_ws),
    )


def sdk_rest_steps(venue: SandboxVenue) -> list[StepResult]:
    from binance_sdk_derivatives_trading_usds_futures.rest_api.models import (
        ChangeMarginTypeMarginTypeEnum,
        KlineCandlestickDataIntervalEnum,
        ModifyOrderSideEnum,
        NewAlgoOrderAlgoTypeEnum,
        NewAlgoOrderSideEnum,
        NewAlgoOrderTypeEnum,
        NewOrderSideEnum,
        NewOrderTimeInForceEnum,
        NewOrderTypeEnum,
    )

    rest = sdk_client(venue).rest_api
    ids: dict[str, Any] = {}
    buy, sell = NewOrderSideEnum["BUY"].value, NewOrderSideEnum["SELL"].value
    algo = NewAlgoOrderAlgoTypeEnum["CONDITIONAL"].value

    def order(key: str, **kw: Any) -> bool:
        ids[key] = _data(rest.new_order(symbol=SYMBOL, **kw)).order_id
        return bool(ids[key])

    def algo_order(key: str, **kw: Any) -> bool:
        ids[key] = _data(rest.new_algo_order(algo_type=algo, symbol=SYMBOL, **kw)).algo_id
        return bool(ids[key])

    def multiple() -> bool:
        from binance_sdk_derivatives_trading_usds_futures.rest_api.models import (
            PlaceMultipleOrdersBatchOrdersParameterInner as Inner,
        )
        batch = [Inner(symbol=SYMBOL, side="BUY", type="LIMIT", quantity=0.01, price=48000 + i,
                       time_in_force="GTC") for i in range(2)]
        rows = _data(rest.place_multiple_orders(batch_orders=batch))
        return len(rows) == 2

    limit = NewOrderTypeEnum["LIMIT"].value
    gtc = NewOrderTimeInForceEnum["GTC"].value
    steps = [
        ("check_server_time", lambda: _data(rest.check_server_time()).server_time > 0),
        ("exchange_information", lambda: _data(rest.exchange_information()).symbols[0].symbol
         == SYMBOL),
        ("get_current_position_mode", lambda: _data(
            rest.get_current_position_mode()).dual_side_position is False),
        ("change_position_mode_hedge", lambda: rest.change_position_mode(
            dual_side_position="true")),
        ("change_position_mode_one_way", lambda: rest.change_position_mode(
            dual_side_position="false")),
        ("change_initial_leverage", lambda: _data(rest.change_initial_leverage(
            symbol=SYMBOL, leverage=10)).leverage == 10),
        ("change_margin_type", lambda: rest.change_margin_type(
            symbol=SYMBOL, margin_type=ChangeMarginTypeMarginTypeEnum["ISOLATED"].value)),
        ("account_information_v3", lambda: _data(rest.account_information_v3())
         .total_wallet_balance == "10000"),
        ("futures_account_balance_v3", lambda: _data(rest.futures_account_balance_v3())[0]
         .asset == "USDT"),
        ("market", lambda: order("market", side=buy, type=NewOrderTypeEnum["MARKET"].value,
                                 quantity=0.01)),
        ("position_information_v3", lambda: _data(rest.position_information_v3(
            symbol=SYMBOL))[0].position_amt == "0.01"),
        ("position_information_v2", lambda: _data(rest.position_information_v2(
            symbol=SYMBOL))[0].leverage == "10"),
        ("limit", lambda: order("limit", side=buy, type=limit, quantity=0.01, price=49000,
                                time_in_force=gtc)),
        ("limit_post_only", lambda: order("gtx", side=buy, type=limit, quantity=0.01,
                                          price=48500, time_in_force="GTX")),
        ("limit_price_match", lambda: order("match", side=buy, type=limit, quantity=0.01,
                                            price_match="OPPONENT_5", time_in_force=gtc)),
        ("reduce_only", lambda: order("reduce", side=sell, type="MARKET", quantity=0.005,
                                      reduce_only="true")),
        ("algo_stop_market", lambda: algo_order(
            "stop", side=NewAlgoOrderSideEnum["SELL"].value,
            type=NewAlgoOrderTypeEnum["STOP_MARKET"].value, quantity=0.005,
            trigger_price=45000)),
        ("algo_take_profit", lambda: algo_order(
            "tp", side="SELL", type="TAKE_PROFIT", quantity=0.005, price=55000,
            trigger_price=54000, time_in_force="GTC")),
        ("algo_trailing_stop", lambda: algo_order(
            "trail", side="SELL", type="TRAILING_STOP_MARKET", quantity=0.005,
            callback_rate=1.0)),
        ("algo_close_position", lambda: algo_order(
            "close", side="SELL", type="STOP_MARKET", trigger_price=44000,
            close_position="true")),
        ("query_algo_order", lambda: _data(rest.query_algo_order(algo_id=ids["stop"]))
         .algo_status == "NEW"),
        ("current_all_algo_open_orders", lambda: len(_data(
            rest.current_all_algo_open_orders(symbol=SYMBOL))) == 4),
        ("cancel_algo_order", lambda: rest.cancel_algo_order(algo_id=ids["stop"])),
        ("query_order", lambda: _data(rest.query_order(symbol=SYMBOL, order_id=ids["limit"]))
         .status == "NEW"),
        ("query_current_open_order", lambda: _data(rest.query_current_open_order(
            symbol=SYMBOL, order_id=ids["limit"])).order_id == ids["limit"]),
        ("modify_order", lambda: _data(rest.modify_order(
            symbol=SYMBOL, side=ModifyOrderSideEnum["BUY"].value, quantity=0.01, price=49100,
            order_id=ids["limit"])).price == "49100"),
        ("get_order_modify_history", lambda: len(_data(rest.get_order_modify_history(
            symbol=SYMBOL, order_id=ids["limit"]))) == 1),
        ("current_all_open_orders", lambda: len(_data(
            rest.current_all_open_orders(symbol=SYMBOL))) >= 2),
        ("place_multiple_orders", multiple),
        ("cancel_order", lambda: _data(rest.cancel_order(symbol=SYMBOL, order_id=ids["limit"]))
         .status == "CANCELED"),
        ("cancel_all_open_orders", lambda: rest.cancel_all_open_orders(symbol=SYMBOL)),
        ("cancel_all_algo_open_orders", lambda: rest.cancel_all_algo_open_orders(
            symbol=SYMBOL)),
        ("all_orders", lambda: len(_data(rest.all_orders(symbol=SYMBOL))) >= 5),
        ("account_trade_list", lambda: len(_data(rest.account_trade_list(symbol=SYMBOL))) >= 2),
        ("user_commission_rate", lambda: _data(rest.user_commission_rate(symbol=SYMBOL))
         .taker_commission_rate == "0.0005"),
        ("notional_and_leverage_brackets", lambda: len(_data(
            rest.notional_and_leverage_brackets(symbol=SYMBOL)).actual_instance.brackets) == 12),
        ("order_book", lambda: len(_data(rest.order_book(symbol=SYMBOL, limit=5)).bids) == 5),
        ("kline_candlestick_data", lambda: len(_data(rest.kline_candlestick_data(
            symbol=SYMBOL, interval=KlineCandlestickDataIntervalEnum["INTERVAL_1m"].value,
            limit=5))) >= 1),
        ("symbol_price_ticker", lambda: rest.symbol_price_ticker(symbol=SYMBOL)),
        ("symbol_order_book_ticker", lambda: rest.symbol_order_book_ticker(symbol=SYMBOL)),
        ("ticker24hr_price_change_statistics", lambda: rest.ticker24hr_price_change_statistics(
            symbol=SYMBOL)),
        ("mark_price", lambda: rest.mark_price(symbol=SYMBOL)),
        ("get_funding_rate_history", lambda: len(_data(rest.get_funding_rate_history(
            symbol=SYMBOL, limit=3))) == 3),
        ("get_funding_rate_info", lambda: rest.get_funding_rate_info()),
        ("new_order_second_symbol", lambda: _data(rest.new_order(
            symbol="ETHUSDT", side=sell, type="MARKET", quantity=0.1)).order_id > 0),
        ("get_income_history_funding", lambda: venue.settle_funding("ETHUSDT") == 1 and [
            r.symbol for r in _data(rest.get_income_history(
                symbol="ETHUSDT", income_type="FUNDING_FEE"))] == ["ETHUSDT"]),
        ("position_information_v3_every_symbol", lambda: {
            r.symbol for r in _data(rest.position_information_v3())} == {
            s.symbol for s in venue.config.symbols}),
        ("start_user_data_stream", lambda: bool(_data(rest.start_user_data_stream()).listen_key)),
        ("keepalive_user_data_stream", lambda: rest.keepalive_user_data_stream()),
        ("close_user_data_stream", lambda: rest.close_user_data_stream()),
    ]
    return run_steps("sdk-rest", steps)


async def _sdk_ws_steps(venue: SandboxVenue) -> list[StepResult]:
    client = sdk_client(venue)
    api = await client.websocket_api.create_connection()
    streams = await client.websocket_streams.create_connection()
    seen: dict[str, list[Any]] = {"book": [], "agg": [], "kline": [], "mark": [], "user": []}
    ids: dict[str, Any] = {}

    async def subscribe(key: str, handle: Any) -> bool:
        handle.on("message", seen[key].append)
        return await _arrived(seen[key])

    async def ws_order(**kw: Any) -> bool:
        ids["limit"] = _data(await api.new_order(symbol=SYMBOL, **kw)).result.order_id
        return bool(ids["limit"])

    async def user_fill() -> bool:
        key = _data(await api.start_user_data_stream()).result.listen_key
        handle = await streams.user_data(key)
        handle.on("message", seen["user"].append)
        await asyncio.sleep(0.3)
        await api.new_order(symbol=SYMBOL, side="BUY", type="MARKET", quantity=0.01)
        return await _arrived(seen["user"])

    steps = [
        ("ws_api_account_information", lambda: _result(api.account_information())),
        ("ws_api_futures_account_balance", lambda: _result(api.futures_account_balance())),
        ("ws_api_position_information", lambda: _result(api.position_information(
            symbol=SYMBOL))),
        ("ws_api_new_order", lambda: ws_order(side="BUY", type="LIMIT", quantity=0.01,
                                              price=49000, time_in_force="GTC")),
        ("ws_api_query_order", lambda: _result(api.query_order(symbol=SYMBOL,
                                                               order_id=ids["limit"]))),
        ("ws_api_modify_order", lambda: _result(api.modify_order(
            symbol=SYMBOL, side="BUY", quantity=0.01, price=49100, order_id=ids["limit"]))),
        ("ws_api_cancel_order", lambda: _result(api.cancel_order(symbol=SYMBOL,
                                                                 order_id=ids["limit"]))),
        ("ws_api_new_algo_order", lambda: _result(api.new_algo_order(
            algo_type="CONDITIONAL", symbol=SYMBOL, side="SELL", type="STOP_MARKET",
            quantity=0.01, trigger_price=45000))),
        ("ws_api_order_book", lambda: _result(api.order_book(symbol=SYMBOL, limit=5))),
        ("ws_api_symbol_price_ticker", lambda: _result(api.symbol_price_ticker(symbol=SYMBOL))),
        ("stream_book_ticker", lambda: _subscribe_handle(
            subscribe, "book", streams.individual_symbol_book_ticker_streams(symbol=SYMBOL))),
        ("stream_aggregate_trades", lambda: _subscribe_handle(
            subscribe, "agg", streams.aggregate_trade_streams(symbol=SYMBOL))),
        ("stream_kline", lambda: _subscribe_handle(
            subscribe, "kline", streams.kline_candlestick_streams(symbol=SYMBOL,
                                                                  interval="1m"))),
        ("stream_mark_price", lambda: _subscribe_handle(
            subscribe, "mark", streams.mark_price_stream(symbol=SYMBOL))),
        ("stream_user_data_fill", user_fill),
    ]
    try:
        return await run_async_steps("sdk-ws", steps)
    finally:
        await api.close_connection()
        await streams.close_connection()


async def _result(call: Any) -> bool:
    model = _data(await call)
    model = getattr(model, "actual_instance", None) or model  # oneOf answers (one or a list)
    return model.result is not None


async def _subscribe_handle(subscribe: Any, key: str, handle: Any) -> bool:
    return bool(await subscribe(key, await handle))


async def _arrived(messages: list[Any], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not messages and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return bool(messages)


def sdk_ws_steps(venue: SandboxVenue) -> list[StepResult]:
    return asyncio.run(_sdk_ws_steps(venue))
