"""Config values written as names (core, no Nautilus): any case, dotted, or the member's number;
a wrong one says exactly what to write."""

from __future__ import annotations

import enum

import pytest

from nautilus_exec_kit.core.enum_names import enum_member, members_of
from nautilus_exec_kit.core.errors import ConfigurationError, InvalidConfigValue
from nautilus_exec_kit.core.vocab import OrderType


class Side(enum.IntEnum):  # the shape of a NautilusTrader 1 enum
    BUY = 1
    SELL = 2


class FakePyO3Enum:
    """The shape of a NautilusTrader 2 (PyO3) enum: members from ``variants()``."""

    def __init__(self, name: str, value: int) -> None:
        self.name, self.value = name, value

    @classmethod
    def variants(cls) -> list[FakePyO3Enum]:
        return [cls("GTC", 1), cls("IOC", 2)]


MEMBERS = members_of(OrderType)


@pytest.mark.parametrize(
    "value",
    ["STOP_MARKET", "stop_market", " Stop_Market ", "OrderType.STOP_MARKET", "stop-market", 3,
     OrderType.STOP_MARKET],
)
def test_names_in_any_case_numbers_and_members(value: object) -> None:
    assert MEMBERS is not None
    assert enum_member(value, MEMBERS, field="order_type", type_name="OrderType") is (
        OrderType.STOP_MARKET
    )


def test_members_of_both_generations_shapes() -> None:
    assert members_of(Side) == {"BUY": Side.BUY, "SELL": Side.SELL}
    pyo3 = members_of(FakePyO3Enum)
    assert pyo3 is not None and list(pyo3) == ["GTC", "IOC"]
    assert enum_member("ioc", pyo3, field="tif", type_name="TimeInForce").value == 2
    assert members_of(int) is None and members_of("STOP_MARKET") is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("STOP_MARKT", "did you mean 'STOP_MARKET'?"),
        ("stopmarket", "did you mean 'STOP_MARKET'?"),
        ("BANANA", "write one of its names (any case): 'MARKET', 'LIMIT', 'STOP_MARKET'"),
        (99, "order_type=99 names no OrderType"),
        (True, "order_type=True names no OrderType"),
        ("3", "order_type='3' names no OrderType"),
    ],
)
def test_a_wrong_value_says_what_to_write(value: object, fragment: str) -> None:
    assert MEMBERS is not None
    with pytest.raises(InvalidConfigValue) as info:
        enum_member(value, MEMBERS, field="order_type", type_name="OrderType")
    assert fragment in str(info.value)
    assert isinstance(info.value, ConfigurationError) and isinstance(info.value, ValueError)
    assert (info.value.field, info.value.value) == ("order_type", value)
