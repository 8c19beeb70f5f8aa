"""The kit's strategy configuration on NautilusTrader 2: a v2 ``StrategyConfig`` with the kit's
settings added (the same names, defaults and meaning as on Nautilus 1; see
:class:`nautilus_exec_kit.config.ExecKitConfig` for each one).

Why it looks different: v2's ``StrategyConfig`` is a PyO3 class that takes its own fields in
``__new__``; it is not a msgspec struct. A subclass declares its fields as annotated class
attributes with defaults, and passes every field by keyword::

    class TrendConfig(ExecKitConfig):
        instrument_id: InstrumentId = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
        trade_size: Decimal = Decimal("0.010")

    TrendConfig(strategy_id=StrategyId("TREND-001"), trade_size=Decimal("0.020"))

A keyword that is neither a ``StrategyConfig`` field nor a declared field is a ``TypeError``
(a typo would otherwise be a silently ignored setting). ``oms_type`` defaults to HEDGING, as
on Nautilus 1.

Enum fields take names, in any case, as on Nautilus 1: ``oms_type="hedging"``,
``market_exit_time_in_force="IOC"`` and a declared ``order_type: OrderType`` set to
``"STOP_MARKET"`` become the members (v2's ``StrategyConfig`` refuses text for its own fields
with a bare ``TypeError`` and keeps it for a subclass's); a wrong name fails with
:class:`~nautilus_exec_kit.errors.InvalidConfigValue` saying what to write
(:mod:`nautilus_exec_kit.core.enum_names`).
"""

from __future__ import annotations

import typing
from typing import Any, Final

from nautilus_trader.model import OmsType, TimeInForce
from nautilus_trader.trading import StrategyConfig

from nautilus_exec_kit.core.enum_names import enum_member, members_of
from nautilus_exec_kit.core.settings import DEFAULTS

#: The keywords v2's StrategyConfig takes itself.
STRATEGY_CONFIG_FIELDS: Final = frozenset(
    {
        "strategy_id",
        "order_id_tag",
        "oms_type",
        "external_order_instrument_ids",
        "manage_contingent_orders",
        "manage_gtd_expiry",
        "manage_stop",
        "market_exit_interval_ms",
        "market_exit_max_attempts",
        "market_exit_time_in_force",
        "market_exit_reduce_only",
        "use_uuid_client_order_ids",
        "use_hyphens_in_client_order_ids",
        "log_events",
        "log_commands",
        "log_rejected_due_post_only_as_warning",
    }
)


#: The enum types of v2's own StrategyConfig fields (not annotated on the PyO3 class).
BASE_ENUM_FIELDS: Final[dict[str, Any]] = {
    "oms_type": OmsType,
    "market_exit_time_in_force": TimeInForce,
}


def _member(field: str, enum_type: Any, value: Any) -> Any:
    members = members_of(enum_type)
    if members is None or value is None:
        return value
    return enum_member(value, members, field=field, type_name=enum_type.__name__)


_ENUM_TYPES: dict[type, dict[str, Any]] = {}


def _declared_enum_types(cls: type) -> dict[str, Any]:
    """The declared fields of a config class whose annotation is an enum (or ``E | None``);
    read once per class."""
    found = _ENUM_TYPES.get(cls)
    if found is not None:
        return found
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # an annotation that cannot be resolved: leave its value as given
        hints = {}
    found = {}
    for name, hint in hints.items():
        arms = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
        if len(arms) == 1 and members_of(arms[0]) is not None:
            found[name] = arms[0]
    _ENUM_TYPES[cls] = found
    return found


class ExecKitConfig(StrategyConfig):  # type: ignore[misc]
    """Execution settings of a v2 :class:`~nautilus_exec_kit.v2.mixin.ExecutionMixin`
    strategy (same fields as the Nautilus 1 ``ExecKitConfig``)."""

    position_mode: str = DEFAULTS.position_mode
    account_type: str = DEFAULTS.account_type
    on_invalid_order: str = DEFAULTS.on_invalid_order
    leverage: float | None = DEFAULTS.leverage
    margin_check: bool = DEFAULTS.margin_check
    emulate_venue_params: bool | None = DEFAULTS.emulate_venue_params
    error_policy: dict[str, str] | None = None
    fail_fast: str = DEFAULTS.fail_fast
    orders_per_10s: int = DEFAULTS.orders_per_10s
    orders_per_minute: int = DEFAULTS.orders_per_minute
    reduce_only_probe_ms: int | None = DEFAULTS.reduce_only_probe_ms

    def __new__(cls, **kwargs: Any) -> ExecKitConfig:
        base = {key: kwargs[key] for key in STRATEGY_CONFIG_FIELDS & kwargs.keys()}
        base.setdefault("oms_type", DEFAULTS.oms_type)
        for key, enum_type in BASE_ENUM_FIELDS.items():
            if key in base:
                base[key] = _member(key, enum_type, base[key])
        unknown = sorted(
            key for key in kwargs.keys() - STRATEGY_CONFIG_FIELDS
            if key.startswith("_") or not hasattr(cls, key) or callable(getattr(cls, key))
        )
        if unknown:
            raise TypeError(
                f"{cls.__name__} got unknown field(s) {unknown}; declare them on the class "
                "(name: type = default) or check the spelling",
            )
        return super().__new__(cls, **base)  # type: ignore[no-any-return]

    def __init__(self, **kwargs: Any) -> None:
        enum_types = _declared_enum_types(type(self))
        for key, value in kwargs.items():
            if key not in STRATEGY_CONFIG_FIELDS:
                if key in enum_types:
                    value = _member(key, enum_types[key], value)
                object.__setattr__(self, key, value)

    def __repr__(self) -> str:
        fields = {
            name: getattr(self, name)
            for klass in reversed(type(self).__mro__)
            for name in getattr(klass, "__annotations__", {})
            if not name.startswith("_")
        }
        body = ", ".join(f"{k}={v!r}" for k, v in fields.items())
        return f"{type(self).__name__}(strategy_id={self.strategy_id}, {body})"


__all__ = ["STRATEGY_CONFIG_FIELDS", "ExecKitConfig"]
