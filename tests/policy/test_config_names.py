"""Strategy config enum fields written as names on NautilusTrader 1.231: in code, in JSON
(``ExecKitConfig.parse``: ImportableStrategyConfig, BacktestNode, TradingNode, ``exec-kit
backtest --config``), and in the kit's node config file (any msgspec config class). Before,
``"STOP_MARKET"`` failed with "Expected `int`, got `str`" and ``4`` silently meant STOP_LIMIT."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from nautilus_trader.config import ImportableStrategyConfig, StrategyConfig
from nautilus_trader.model.enums import OrderSide, OrderType, TimeInForce
from nautilus_trader.trading.config import StrategyFactory
from nautilus_trader.trading.strategy import Strategy

from nautilus_exec_kit.cli.backtest import build_strategy
from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.core.errors import ConfigurationError, InvalidConfigValue
from nautilus_exec_kit.live.config_file import parse_node_file
from nautilus_exec_kit.mixin import ExecutionMixin

HERE = __name__


class NamedConfig(ExecKitConfig, frozen=True):
    entry_type: OrderType = OrderType.MARKET
    side: OrderSide | None = None
    exits: list[OrderType] = []  # msgspec copies a mutable default per instance


class NamedStrategy(ExecutionMixin, Strategy):
    def __init__(self, config: NamedConfig) -> None:
        super().__init__(config)


class PlainConfig(StrategyConfig, frozen=True):
    """Not an ExecKitConfig: only the node config file loader turns its names into members."""

    entry_type: OrderType = OrderType.MARKET


class PlainStrategy(Strategy):
    def __init__(self, config: PlainConfig) -> None:
        super().__init__(config)


def parse(**fields: Any) -> NamedConfig:
    return NamedConfig.parse(msgspec.json.encode(fields))  # type: ignore[no-any-return]


@pytest.mark.parametrize("value", ["STOP_MARKET", "stop_market", "OrderType.STOP_MARKET", 3])
def test_json_takes_names_in_any_case_and_numbers(value: object) -> None:
    config = parse(entry_type=value, side="sell", exits=["limit", "Stop_Limit"])
    assert config.entry_type is OrderType.STOP_MARKET
    assert config.side is OrderSide.SELL
    assert config.exits == [OrderType.LIMIT, OrderType.STOP_LIMIT]


def test_nautilus_own_enum_fields_take_names_too() -> None:
    config = parse(market_exit_time_in_force="ioc")
    assert config.market_exit_time_in_force is TimeInForce.IOC


def test_a_config_built_in_code_converts_names() -> None:
    config = NamedConfig(entry_type="stop_market", side=None)  # type: ignore[arg-type]
    assert config.entry_type is OrderType.STOP_MARKET and config.side is None
    with pytest.raises(InvalidConfigValue, match="did you mean 'STOP_MARKET'"):
        NamedConfig(entry_type="STOP_MARKT")  # type: ignore[arg-type]


def test_a_wrong_name_says_exactly_what_to_write() -> None:
    with pytest.raises(InvalidConfigValue) as info:
        parse(entry_type="STOP_MARKT")
    message = str(info.value)
    assert "entry_type='STOP_MARKT' names no OrderType" in message
    assert "did you mean 'STOP_MARKET'?" in message and "'TRAILING_STOP_MARKET'" in message
    with pytest.raises(InvalidConfigValue, match=r"exits\[1\]='BOGUS'"):
        parse(exits=["LIMIT", "BOGUS"])


def test_importable_strategy_config_builds_with_names() -> None:
    """The path a TradingNode / BacktestNode takes (StrategyFactory.create)."""
    strategy = StrategyFactory.create(
        ImportableStrategyConfig(
            strategy_path=f"{HERE}:NamedStrategy",
            config_path=f"{HERE}:NamedConfig",
            config={"entry_type": "stop_market", "order_id_tag": "001"},
        ),
    )
    assert strategy.config.entry_type is OrderType.STOP_MARKET


@pytest.mark.parametrize("name", ["Named", "Plain"])
def test_the_node_config_file_converts_names_for_any_config_class(name: str) -> None:
    data = {
        "strategies": [{
            "strategy_path": f"{HERE}:{name}Strategy",
            "config_path": f"{HERE}:{name}Config",
            "config": {"entry_type": "Stop_Market"},
        }],
    }
    node_file = parse_node_file(data)
    [strategy] = node_file.strategies
    assert strategy.config["entry_type"] is OrderType.STOP_MARKET
    built = StrategyFactory.create(strategy)
    assert built.config.entry_type is OrderType.STOP_MARKET


def test_the_node_config_file_names_the_bad_value_and_its_place() -> None:
    data = {
        "strategies": [{
            "strategy_path": f"{HERE}:PlainStrategy",
            "config_path": f"{HERE}:PlainConfig",
            "config": {"entry_type": "STOPMARKET"},
        }],
    }
    with pytest.raises(ConfigurationError) as info:
        parse_node_file(data)
    assert "strategies[0].config.entry_type='STOPMARKET' names no OrderType; did you mean " \
        "'STOP_MARKET'?" in str(info.value)


def test_the_backtest_cli_config_takes_names() -> None:
    strategy = build_strategy(f"{HERE}:NamedStrategy", '{"entry_type": "limit"}')
    assert strategy.config.entry_type is OrderType.LIMIT
