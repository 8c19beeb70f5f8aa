"""Config enum fields written as names on NautilusTrader 2, as on 1.231: v2's StrategyConfig
refuses text for its own enum fields with a bare TypeError and keeps it as text for a subclass's;
the kit's ExecKitConfig turns names (any case) into members, and a wrong one says what to write."""

from __future__ import annotations

import pytest
from nautilus_trader import model as nt

from nautilus_exec_kit.core.errors import InvalidConfigValue
from nautilus_exec_kit.v2.config import ExecKitConfig


class NamedConfig(ExecKitConfig):
    entry_type: nt.OrderType = nt.OrderType.MARKET
    side: nt.OrderSide | None = None


def test_names_in_any_case_become_members() -> None:
    config = NamedConfig(
        entry_type="stop_market", side="Sell", market_exit_time_in_force="ioc",
        oms_type="hedging",
    )
    assert config.entry_type == nt.OrderType.STOP_MARKET
    assert config.side == nt.OrderSide.SELL
    assert config.market_exit_time_in_force == nt.TimeInForce.IOC
    assert config.oms_type == nt.OmsType.HEDGING
    assert NamedConfig().entry_type == nt.OrderType.MARKET
    assert NamedConfig(entry_type=nt.OrderType.LIMIT, side=None).side is None


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"entry_type": "STOP_MARKT"}, "entry_type='STOP_MARKT' names no OrderType; did you "
                                       "mean 'STOP_MARKET'?"),
        ({"market_exit_time_in_force": "GTX"}, "market_exit_time_in_force='GTX' names no "
                                               "TimeInForce"),
        ({"oms_type": "HEDGE"}, "did you mean 'HEDGING'?"),
    ],
)
def test_a_wrong_name_says_what_to_write(fields: dict[str, str], fragment: str) -> None:
    with pytest.raises(InvalidConfigValue) as info:
        NamedConfig(**fields)
    assert fragment in str(info.value)
