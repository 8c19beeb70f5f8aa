"""The kit's strategy configuration: a ``StrategyConfig`` with the execution settings added.

It is a msgspec struct like every Nautilus config, so it works with ``ImportableStrategyConfig``,
``BacktestNode`` and ``TradingNode`` files unchanged. Users subclass it for their own fields::

    class TrendConfig(ExecKitConfig, frozen=True):
        instrument_id: InstrumentId
        trade_size: Decimal = Decimal("0.010")

Why ``oms_type`` defaults to ``"HEDGING"``: the live Binance futures exec client is a HEDGING-OMS
client and reports positions as ``{instrument_id}-BOTH`` (one-way) or ``-LONG``/``-SHORT`` (hedge).
The kit uses the same OMS and position IDs in backtests so a strategy sees identical positions in
both worlds (see docs/position_modes.md).

Enum fields take names: ``order_type: OrderType`` set to ``"STOP_MARKET"`` (any case) in a config
file, in ``--config`` JSON or in code works, and a wrong name fails with
:class:`~nautilus_exec_kit.errors.InvalidConfigValue` saying what to write. msgspec itself takes
only an ``IntEnum``'s number (see :mod:`nautilus_exec_kit.core.enum_names`), so
:meth:`ExecKitConfig.parse` turns names into members before decoding, and ``__post_init__`` does
it for a config built in code. :func:`enum_names_to_members` does the same for any msgspec config
class (the node config file loader uses it for strategies whose config is not an
``ExecKitConfig``).
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from nautilus_trader.common.config import msgspec_encoding_hook
from nautilus_trader.trading.config import StrategyConfig

from nautilus_exec_kit.core.enum_names import enum_member, members_of
from nautilus_exec_kit.core.settings import DEFAULTS

#: ``convert(value, field_name) -> value`` for one field's type.
_Converter = Callable[[Any, str], Any]
_SEQUENCES: tuple[type, ...] = (list, tuple, set, frozenset)


def _converter(tp: Any) -> _Converter | None:
    """How to turn names into members for a field of type ``tp``: an enum, ``E | None``, or a
    list / tuple / set / frozenset / dict (values) of one; ``None`` for any other type."""
    members = members_of(tp)
    if members is not None:
        type_name = tp.__name__

        def member(value: Any, field: str) -> Any:
            return enum_member(value, members, field=field, type_name=type_name)

        return member
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        arms = [arg for arg in args if arg is not type(None)]
        inner = _converter(arms[0]) if len(arms) == 1 and len(args) == 2 else None
        if inner is None:
            return None
        return lambda value, field: None if value is None else inner(value, field)
    if origin in _SEQUENCES and args:
        element = _converter(args[0])
        if element is None or (origin is tuple and not (len(args) == 2 and args[1] is ...)):
            return None
        return lambda value, field: (
            [element(v, f"{field}[{i}]") for i, v in enumerate(value)]
            if isinstance(value, list | tuple | set | frozenset) else value
        )
    if origin is dict and len(args) == 2:
        inner_value = _converter(args[1])
        if inner_value is None:
            return None
        return lambda value, field: (
            {k: inner_value(v, f"{field}[{k!r}]") for k, v in value.items()}
            if isinstance(value, Mapping) else value
        )
    return None


@functools.cache
def enum_fields(config_cls: type[msgspec.Struct]) -> tuple[tuple[str, _Converter], ...]:
    """The fields of a msgspec config class whose type holds an enum, with their converter."""
    fields = []
    for info in msgspec.structs.fields(config_cls):
        convert = _converter(info.type)
        if convert is not None:
            fields.append((info.encode_name, convert))
    return tuple(fields)


def enum_names_to_members(
    config_cls: type[msgspec.Struct], data: Mapping[str, Any], prefix: str = "",
) -> dict[str, Any]:
    """``data`` (a config's fields as plain values) with every enum field's name turned into its
    member; raises :class:`~nautilus_exec_kit.errors.InvalidConfigValue` for a name that is no
    member (``prefix`` goes in front of the field name in the message)."""
    converted = dict(data)
    for name, convert in enum_fields(config_cls):
        if name in converted:
            converted[name] = convert(converted[name], prefix + name)
    return converted


class ExecKitConfig(StrategyConfig, kw_only=True, frozen=True):
    """Execution settings of an :class:`~nautilus_exec_kit.ExecutionMixin` strategy.

    Parameters
    ----------
    position_mode : {"ONE_WAY", "HEDGE"}, default "ONE_WAY"
        Binance position mode of the account. ONE_WAY orders use position ID ``{iid}-BOTH``;
        HEDGE orders use ``{iid}-LONG`` / ``{iid}-SHORT``.
    account_type : {"USDT_FUTURES", "COIN_FUTURES", "SPOT", "PERMISSIVE"}, default "USDT_FUTURES"
        Which capability profile orders are checked against. "PERMISSIVE" checks only the
        instrument's filters (for venues the kit has no profile for).
    on_invalid_order : {"raise", "deny"}, default "raise"
        "raise": a helper raises the typed :class:`~nautilus_exec_kit.errors.OrderValidationError`
        at the call site. "deny": the helper logs the error, counts it, calls
        ``on_order_invalid(error)`` and returns ``None``.
    leverage : float, optional
        Leverage used by the pre-trade margin check. ``None`` reads it from the account
        (backtest venue leverage, or the live account's leverage for the instrument).
    margin_check : bool, default True
        Refuse orders whose initial margin (notional / leverage) exceeds the free balance.
    emulate_venue_params : bool, optional
        Give ``close_position`` / ``price_match`` their Binance meaning on a simulated venue.
        ``None`` (default) means: on when the strategy runs in a backtest.
    error_policy : dict[str, str], optional
        Overrides of the error policy: ``{"-2019": "skip", "rate_limit": "backoff", ...}``
        (keys: Binance codes or categories; values: skip, backoff, reconcile, fail_fast, halt).
    fail_fast : {"stop", "raise"}, default "stop"
        What a fail-fast decision does: stop the strategy, or raise
        :class:`~nautilus_exec_kit.errors.VenueError` (useful in tests).
    orders_per_10s / orders_per_minute : int
        The kit's submit rate budget (Binance USDT-M: 300 / 10 s and 1200 / min per account).
    reduce_only_probe_ms : int, optional
        Reduce-only mode (-4400, -4401, ...): how long after it began, on the strategy clock,
        the next order that would increase exposure goes out as a probe (0: never; the mode then
        ends only with ``exit_reduce_only_mode()``). ``None``: the error policy's (300 000).
    """

    oms_type: str | None = DEFAULTS.oms_type
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

    @classmethod
    def parse(cls, raw: bytes | str) -> Any:
        """Decode a config from JSON (what ``ImportableStrategyConfig``, ``BacktestNode``,
        ``TradingNode`` and ``exec-kit backtest --config`` call), enum fields given by name."""
        data = msgspec.json.decode(raw)
        if isinstance(data, dict):
            raw = msgspec.json.encode(
                enum_names_to_members(cls, data), enc_hook=msgspec_encoding_hook,
            )
        return super().parse(raw)

    def __post_init__(self) -> None:
        """A config built in code keeps what it was given: turn enum names into members."""
        for name, convert in enum_fields(type(self)):
            value = getattr(self, name)
            converted = convert(value, name)
            if converted is not value and converted != value:
                msgspec.structs.force_setattr(self, name, converted)
