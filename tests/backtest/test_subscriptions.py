"""A strategy subscribed to data the run does not contain is warned about by name."""

from __future__ import annotations

import warnings

import pytest
from nautilus_trader.model.data import BarType
from nautilus_trader.trading.strategy import Strategy, StrategyConfig

from nautilus_exec_kit.backtest.round_trip_strategy import RoundTripConfig, RoundTripStrategy
from nautilus_exec_kit.backtest.runner import BacktestRunner, RunnerConfig
from nautilus_exec_kit.backtest.subscriptions import TOPIC_OF_KIND, UnfedSubscriptionWarning
from nautilus_exec_kit.backtest.tape import TapeSpec, default_instrument, synthetic_tape

IID = default_instrument().id
BARS_1M = BarType.from_str(f"{IID}-1-MINUTE-LAST-EXTERNAL")


class Subscriber(Strategy):
    """Subscribes to what it is told in on_start (bar types, quotes, trades, marks, funding)."""

    def __init__(self, what: list[str], bars: list[str] = ()) -> None:  # type: ignore[assignment]
        super().__init__(StrategyConfig(log_events=False, log_commands=False))
        self.what, self.bars = what, bars

    def on_start(self) -> None:
        subscribe = {
            "quotes": self.subscribe_quote_ticks, "trades": self.subscribe_trade_ticks,
            "marks": self.subscribe_mark_prices, "funding": self.subscribe_funding_rates,
        }
        for kind in self.what:
            subscribe[kind](IID)
        for bar_type in self.bars:
            self.subscribe_bars(BarType.from_str(bar_type))


def _warnings(strategy: Strategy, data: list[object]) -> tuple[list[str], list[str]]:
    runner = BacktestRunner(RunnerConfig(batches=3))
    try:
        runner.add_strategies(strategy)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            runner.run(data)
    finally:
        runner.dispose()
    issued = [str(w.message) for w in caught if w.category is UnfedSubscriptionWarning]
    return runner.data_warnings, issued


TAPE = synthetic_tape(TapeSpec(ticks=1_500, with_trades=True, with_bars=True))


def test_a_quote_strategy_on_bars_only_is_named() -> None:
    strategy = RoundTripStrategy(RoundTripConfig(instrument_id=IID, log_events=False,
                                                 log_commands=False))
    kept, issued = _warnings(strategy, TAPE.bars)
    assert kept == issued == [
        "RoundTripStrategy-000 subscribed to quote ticks of BTCUSDT-PERP.BINANCE, but the run "
        "has none (it has: bars BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL); that handler will "
        "never be called"
    ]


def test_every_unfed_kind_is_named_once() -> None:
    strategy = Subscriber(["quotes", "trades", "marks", "funding"],
                          [f"{IID}-1-HOUR-LAST-EXTERNAL"])
    kept, _ = _warnings(strategy, TAPE.quotes)
    assert sorted(m.split(" subscribed to ")[1].split(", but")[0] for m in kept) == [
        "bars of BTCUSDT-PERP.BINANCE-1-HOUR-LAST-EXTERNAL",
        "funding rates of BTCUSDT-PERP.BINANCE",
        "mark prices of BTCUSDT-PERP.BINANCE",
        "trade ticks of BTCUSDT-PERP.BINANCE",
    ]


@pytest.mark.parametrize(
    ("bar_type", "data", "fed"),
    [
        (f"{IID}-5-MINUTE-LAST-INTERNAL@1-MINUTE-EXTERNAL", TAPE.bars, True),  # composite
        (f"{IID}-5-MINUTE-MID-INTERNAL", TAPE.quotes, True),  # from quotes
        (f"{IID}-5-MINUTE-LAST-INTERNAL", TAPE.trades, True),  # from trades
        (f"{IID}-5-MINUTE-LAST-INTERNAL", TAPE.quotes, False),  # LAST needs trades
        (f"{IID}-5-MINUTE-MID-INTERNAL", TAPE.bars, False),
    ],
)
def test_bars_nautilus_aggregates_count_as_fed_when_their_source_is(
    bar_type: str, data: list[object], fed: bool
) -> None:
    kept, _ = _warnings(Subscriber([], [bar_type]), data)
    assert (kept == []) is fed, kept


def test_no_warning_when_everything_is_fed() -> None:
    kept, issued = _warnings(Subscriber(["quotes", "trades"], [str(BARS_1M)]), TAPE.data())
    assert kept == issued == []


def test_topics_are_nautilus_own() -> None:
    from nautilus_trader.common.data_topics import TopicCache

    topics = TopicCache()
    assert TOPIC_OF_KIND["quote ticks"](str(IID)) == topics.get_quotes_topic(IID)
    assert TOPIC_OF_KIND["bars"](str(BARS_1M)) == topics.get_bars_topic(BARS_1M)
