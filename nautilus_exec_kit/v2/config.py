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
on Nautilus 1, and takes a name (``"HEDGING"``) or an ``OmsType``.
"""

from __future__ import annotations

from typing import Any, Final

from nautilus_trader.model import OmsType
from nautilus_trader.trading import StrategyConfig

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


def _oms(value: Any) -> Any:
    if isinstance(value, str):
        return getattr(OmsType, value.upper())
    return value


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

    def __new__(cls, **kwargs: Any) -> ExecKitConfig:
        base = {key: kwargs[key] for key in STRATEGY_CONFIG_FIELDS & kwargs.keys()}
        base["oms_type"] = _oms(base.get("oms_type", DEFAULTS.oms_type))
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
        for key, value in kwargs.items():
            if key not in STRATEGY_CONFIG_FIELDS:
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
