"""The kit's settings of one strategy, checked once, for every binding.

Why here: a wrong kit configuration must fail at construction with the same message on either
Nautilus generation (a NETTING OMS, hedge mode on a spot account, a typo in a switch), not as
a venue reject later. Each binding's ``ExecKitConfig`` carries the same fields; the binding's
mixin hands its config to :meth:`KitSettings.from_config` and keeps the answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from nautilus_exec_kit.core.capabilities import VenueCapabilities, capabilities_for
from nautilus_exec_kit.core.errors import ConfigurationError, PositionModeMismatch
from nautilus_exec_kit.core.policy.table import ErrorPolicy
from nautilus_exec_kit.core.positions import PositionMode, parse_position_mode

#: Accepted values of the config's string switches (anything else is a ConfigurationError).
CONFIG_CHOICES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "on_invalid_order": frozenset({"raise", "deny"}),
        "fail_fast": frozenset({"stop", "raise"}),
    }
)


@attrs.frozen
class ConfigDefaults:
    """The default of each kit setting: both generations' ``ExecKitConfig`` take their field
    defaults from :data:`DEFAULTS` (the meaning of each is documented on the v1 config)."""

    oms_type: str = "HEDGING"
    position_mode: str = "ONE_WAY"
    account_type: str = "USDT_FUTURES"
    on_invalid_order: str = "raise"
    leverage: float | None = None
    margin_check: bool = True
    emulate_venue_params: bool | None = None
    fail_fast: str = "stop"
    orders_per_10s: int = 300
    orders_per_minute: int = 1200
    #: None: the error policy's own (``ErrorPolicy.reduce_only_probe_ms``, 300 s)
    reduce_only_probe_ms: int | None = None


DEFAULTS: Final = ConfigDefaults()


@attrs.frozen
class KitSettings:
    """What the kit reads from a strategy's config, validated."""

    mode: PositionMode
    capabilities: VenueCapabilities
    deny_invalid: bool
    margin_check: bool
    leverage: float | None
    emulate_venue_params: bool | None
    error_policy: Mapping[str, str]
    fail_fast: str
    orders_per_10s: int
    orders_per_minute: int
    reduce_only_probe_ms: int | None = None

    @property
    def hedge(self) -> bool:
        return self.mode is PositionMode.HEDGE

    def policy(self, base: ErrorPolicy | None = None) -> ErrorPolicy:
        """The strategy's error policy: its class's ``error_policy`` (``base``; the default
        one when ``None``) with the config's ``error_policy`` overrides and
        ``reduce_only_probe_ms`` applied."""
        policy = (base or ErrorPolicy.default()).with_overrides(self.error_policy)
        probe_ms = self.reduce_only_probe_ms
        if probe_ms is None:
            return policy
        return attrs.evolve(
            policy,
            reduce_only_probe_ms=probe_ms,
            reduce_only_probe_max_ms=max(policy.reduce_only_probe_max_ms, probe_ms),
        )

    @classmethod
    def from_config(cls, config: Any) -> KitSettings:
        """Check an ``ExecKitConfig`` of either generation (read by attribute name)."""
        for key, choices in CONFIG_CHOICES.items():
            value = getattr(config, key)
            if value not in choices:
                raise ConfigurationError(
                    f"{key}={value!r} is not valid; use one of {sorted(choices)}",
                )
        mode = parse_position_mode(config.position_mode)
        oms = config.oms_type
        oms_name = str(getattr(oms, "name", oms)).upper()
        if oms_name != "HEDGING":
            raise PositionModeMismatch(
                f"oms_type={oms_name!r} with position_mode={mode.value}: the Binance futures "
                "client is a HEDGING-OMS client and the kit uses its position IDs "
                "(-BOTH/-LONG/-SHORT), which a NETTING OMS denies; set oms_type='HEDGING'",
            )
        try:
            capabilities = capabilities_for(config.account_type)
        except ConfigurationError:
            raise
        except (KeyError, ValueError) as exc:
            raise ConfigurationError(
                f"account_type={config.account_type!r} is not known; use 'USDT_FUTURES', "
                "'COIN_FUTURES', 'SPOT' or 'PERMISSIVE'",
            ) from exc
        if mode is PositionMode.HEDGE and not capabilities.reduce_only:
            raise PositionModeMismatch(
                f"position_mode=HEDGE with account_type={config.account_type!r}: hedge mode "
                "exists only on futures accounts; use position_mode='ONE_WAY'",
            )
        leverage = config.leverage
        if leverage is not None and leverage <= 0:
            raise ConfigurationError(f"leverage={leverage!r} must be > 0 (or None)")
        probe_ms = getattr(config, "reduce_only_probe_ms", None)
        if probe_ms is not None and (
            isinstance(probe_ms, bool) or not isinstance(probe_ms, int) or probe_ms < 0
        ):
            raise ConfigurationError(
                f"reduce_only_probe_ms={probe_ms!r} must be a whole number of milliseconds >= 0 "
                "(0: no automatic probe) or None (the error policy's own, 300000)",
            )
        return cls(
            mode=mode,
            capabilities=capabilities,
            deny_invalid=config.on_invalid_order == "deny",
            margin_check=bool(config.margin_check),
            leverage=None if leverage is None else float(leverage),
            emulate_venue_params=config.emulate_venue_params,
            error_policy=MappingProxyType(dict(config.error_policy or {})),
            fail_fast=config.fail_fast,
            orders_per_10s=int(config.orders_per_10s),
            orders_per_minute=int(config.orders_per_minute),
            reduce_only_probe_ms=probe_ms,
        )


__all__ = ["CONFIG_CHOICES", "DEFAULTS", "ConfigDefaults", "KitSettings"]
