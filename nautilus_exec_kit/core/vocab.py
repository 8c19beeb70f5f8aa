"""The core's words for orders: sides, types, time in force, triggers, trailing offsets, legs.

Why the core has its own: it imports no Nautilus, and Nautilus 1 (Cython ``IntFlag`` enums) and
Nautilus 2 (PyO3 enums) spell these differently in Python while naming every member the same.
So the members here carry exactly Nautilus' names, and a binding converts by name once, into a
dict it reads per order (:func:`by_name`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any


class _Word(enum.Enum):
    """A core enum: members are singletons, so identity is equality and the hash is the C one
    (``enum.Enum`` hashes by name in Python: the pipeline hashes several members per order)."""

    __hash__ = object.__hash__


class OrderSide(_Word):
    NO_ORDER_SIDE = 0
    BUY = 1
    SELL = 2


class OrderType(_Word):
    MARKET = 1
    LIMIT = 2
    STOP_MARKET = 3
    STOP_LIMIT = 4
    MARKET_TO_LIMIT = 5
    MARKET_IF_TOUCHED = 6
    LIMIT_IF_TOUCHED = 7
    TRAILING_STOP_MARKET = 8
    TRAILING_STOP_LIMIT = 9


class TimeInForce(_Word):
    GTC = 1
    IOC = 2
    FOK = 3
    GTD = 4
    DAY = 5
    AT_THE_OPEN = 6
    AT_THE_CLOSE = 7


class TriggerType(_Word):
    NO_TRIGGER = 0
    DEFAULT = 1
    BID_ASK = 2
    LAST_PRICE = 3
    DOUBLE_LAST = 4
    DOUBLE_BID_ASK = 5
    LAST_OR_BID_ASK = 6
    MID_POINT = 7
    MARK_PRICE = 8
    INDEX_PRICE = 9


class TrailingOffsetType(_Word):
    NO_TRAILING_OFFSET = 0
    PRICE = 1
    BASIS_POINTS = 2
    TICKS = 3
    PRICE_TIER = 4


class PositionSide(_Word):
    NO_POSITION_SIDE = 0
    FLAT = 1
    LONG = 2
    SHORT = 3


def by_name[E: enum.Enum](core: type[E], members: Iterable[Any]) -> Mapping[Any, E]:
    """``{binding member: core member}`` for a binding's enum members of the same names.

    Raises ``KeyError`` naming the member when a binding has a name the core lacks: a new
    Nautilus member must be added here before the kit can reason about it.
    """
    return {member: core[member.name] for member in members}


def invert[K, V](table: Mapping[K, V]) -> dict[V, K]:
    """The inverse of a :func:`by_name` table: ``{core member: binding member}``."""
    return {value: key for key, value in table.items()}


__all__ = [
    "OrderSide",
    "OrderType",
    "PositionSide",
    "TimeInForce",
    "TrailingOffsetType",
    "TriggerType",
    "by_name",
    "invert",
]
