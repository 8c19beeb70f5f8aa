"""Config values written as names: ``"STOP_MARKET"`` for an order-type field, in any case.

Why: a strategy config read from a JSON / TOML file (or built from one) carries enum fields as
text, and that is what a person writes. NautilusTrader 1's configs are msgspec structs whose
enum fields are ``IntEnum``: msgspec takes only the member's *number* there (``"STOP_MARKET"``
fails with "Expected `int`, got `str`", and ``4`` silently means STOP_LIMIT), and a config built
in code keeps the text as is. NautilusTrader 2's PyO3 ``StrategyConfig`` refuses text for its
own enum fields with a bare ``TypeError`` and keeps it for a subclass's. Both bindings' configs
turn names into members with :func:`enum_member`, which says exactly what to write when a value
is no member (did you mean ...?).

Nautilus-free: a binding passes its enum's members by name (:func:`members_of` reads a Python
``Enum`` or a PyO3 enum's ``variants()``).
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping
from typing import Any

from nautilus_exec_kit.core.errors import InvalidConfigValue


def members_of(enum_type: Any) -> Mapping[str, Any] | None:
    """``{NAME: member}`` of a Python ``Enum`` or a PyO3 enum (one with ``variants()``), or
    ``None`` when ``enum_type`` is neither."""
    if isinstance(enum_type, type) and issubclass(enum_type, enum.Enum):
        return {member.name: member for member in enum_type}
    variants = getattr(enum_type, "variants", None)
    if isinstance(enum_type, type) and callable(variants):
        try:
            return {member.name: member for member in variants()}
        except Exception:  # not a PyO3 enum after all
            return None
    return None


def _number_of(member: Any) -> int | None:
    value = getattr(member, "value", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def enum_member(value: Any, members: Mapping[str, Any], *, field: str, type_name: str) -> Any:
    """The member ``value`` names: a member itself, its name in any case (``"stop_market"``,
    ``"OrderType.STOP_MARKET"``), or its number (what msgspec and older configs take).

    Raises
    ------
    InvalidConfigValue
        The value names no member: the message lists the names and the closest one.
    """
    for member in members.values():
        if value is member:
            return member
    if isinstance(value, str):
        name = value.strip().rpartition(".")[2].upper().replace("-", "_").replace(" ", "_")
        if name in members:
            return members[name]
    elif isinstance(value, int) and not isinstance(value, bool):
        for member in members.values():
            if _number_of(member) == value:
                return member
    names = list(members)
    close = (
        difflib.get_close_matches(str(value).upper(), names, n=1, cutoff=0.6)
        if isinstance(value, str)
        else []
    )
    suggestion = f"did you mean {close[0]!r}? " if close else ""
    raise InvalidConfigValue(
        field,
        value,
        f"{field}={value!r} names no {type_name}; {suggestion}write one of its names (any "
        f"case): {', '.join(repr(n) for n in names)}",
    )


__all__ = ["enum_member", "members_of"]
