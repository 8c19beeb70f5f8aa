"""Node config files (JSON or TOML): load, check every key, and turn them into a :class:`NodePlan`.

Why the key check: Spec 015 FR-001 passes ``clock_sync_interval_secs``, ``warn_rate_limits``
and ``retry_delay_secs`` (and ``testnet``) to ``BinanceExecClientConfig``. The installed config
has none of them, and ``BinanceExecClientConfig(**spec_kwargs)`` dies with a bare ``TypeError`` on
the first. Here every unknown key of the whole file is reported at once, each with what to use
instead (:data:`KNOWN_REPLACEMENTS`) or the closest real field ("did you mean").

File layout (TOML shown; JSON has the same keys)::

    environment = "demo"                      # sandbox | demo | testnet | live
    account_type = "USDT_FUTURES"
    instrument_ids = ["BTCUSDT-PERP.BINANCE"]
    hedge_mode = false
    reconciliation_startup_delay_secs = 10
    leverages = { "BTCUSDT-PERP.BINANCE" = 5 }
    margin_types = { "BTCUSDT-PERP.BINANCE" = "CROSSED" }

    [exec_client]                             # any BinanceExecClientConfig field
    max_retries = 3
    retry_delay_initial_ms = 1000
    retry_delay_max_ms = 10000

    [data_client]                             # any BinanceDataClientConfig field

    [redis]                                   # optional: Redis-backed cache
    host = "127.0.0.1"
    port = 6379

    [metrics]                                 # optional: Prometheus endpoint (off without it)
    port = 9464                               # host defaults to 127.0.0.1

    [[strategies]]
    strategy_path = "strategies.one_way_trend:OneWayTrend"
    config = { instrument_id = "BTCUSDT-PERP.BINANCE" }

Credentials never go in the file: they come from the environment variables of the environment
(docs/live.md).
"""

from __future__ import annotations

import difflib
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import msgspec
from nautilus_trader.adapters.binance.common.enums import BinanceAccountType
from nautilus_trader.adapters.binance.config import BinanceDataClientConfig, BinanceExecClientConfig
from nautilus_trader.common.config import resolve_config_path
from nautilus_trader.config import ImportableStrategyConfig

from nautilus_exec_kit.config import enum_names_to_members
from nautilus_exec_kit.core.errors import ConfigurationError, UnknownConfigKey
from nautilus_exec_kit.live.credentials import Credentials
from nautilus_exec_kit.live.environments import Environment, RetrySettings, profile
from nautilus_exec_kit.secrets import Secret


@attrs.frozen
class Replacement:
    """What to use instead of a key that does not exist."""

    #: The real key(s) to use, or None when nothing replaces it.
    use: str | None
    #: Why / what the installed adapter really does.
    why: str


#: Keys people copy from Spec 015 FR-001 and older guides, with their real replacement.
KNOWN_REPLACEMENTS: dict[str, Replacement] = {
    "clock_sync_interval_secs": Replacement(
        use=None,
        why="the adapter has no clock-sync setting: it stamps every signed request with the "
        "node clock and sends recv_window_ms (default 5000); a -1021 timestamp reject is "
        "retried when max_retries is set. Keep the host clock NTP-synced",
    ),
    "warn_rate_limits": Replacement(
        use=None,
        why="the adapter always enforces Binance's limits client-side (2400 weight/min, "
        "order counts per 10 s and per minute) and has no warning switch; the kit's error "
        "policy handles -1003 / HTTP 429",
    ),
    "retry_delay_secs": Replacement(
        use="retry_delay_initial_ms and retry_delay_max_ms",
        why="delays are in milliseconds with exponential backoff, e.g. retry_delay_secs=1.0 "
        "-> retry_delay_initial_ms=1000, retry_delay_max_ms=10000",
    ),
    "retry_delay_ms": Replacement(
        use="retry_delay_initial_ms and retry_delay_max_ms",
        why="the backoff has an initial and a maximum delay",
    ),
    "testnet": Replacement(
        use="environment",
        why='testnet=true is gone: use environment = "demo" for USDT-M futures (Binance '
        'folded the futures testnet into DEMO) or "testnet" for Spot',
    ),
    "api_key": Replacement(
        use=None,
        why="credentials never go in a config file: set the environment's variables "
        "(e.g. BINANCE_API_KEY / BINANCE_API_SECRET for live, BINANCE_DEMO_API_KEY / "
        "BINANCE_DEMO_API_SECRET for demo)",
    ),
    "api_secret": Replacement(
        use=None,
        why="credentials never go in a config file: set the environment's variables "
        "(e.g. BINANCE_API_SECRET for live, BINANCE_DEMO_API_SECRET for demo)",
    ),
    "key_type": Replacement(
        use=None,
        why="the key type (HMAC or Ed25519) is detected from the secret",
    ),
}

#: Exec-client fields the file routes to the kit's own settings instead of passing through.
ROUTED_EXEC_FIELDS: dict[str, str] = {
    "futures_leverages": "leverages",
    "futures_margin_types": "margin_types",
    "max_retries": "max_retries",
    "retry_delay_initial_ms": "retry_delay_initial_ms",
    "retry_delay_max_ms": "retry_delay_max_ms",
}

#: Top-level keys of a node config file.
TOP_LEVEL_KEYS: frozenset[str] = frozenset(
    {
        "environment",
        "account_type",
        "instrument_ids",
        "hedge_mode",
        "leverages",
        "margin_types",
        "max_retries",
        "retry_delay_initial_ms",
        "retry_delay_max_ms",
        "reconciliation_startup_delay_secs",
        "external_order_claims",
        "trader_id",
        "log_level",
        "exec_client",
        "data_client",
        "redis",
        "metrics",
        "strategies",
    }
)

REDIS_KEYS: frozenset[str] = frozenset(
    {"host", "port", "username", "password", "ssl", "buffer_interval_ms"}
)
STRATEGY_KEYS: frozenset[str] = frozenset({"strategy_path", "config_path", "config"})
METRICS_KEYS: frozenset[str] = frozenset({"host", "port"})

#: Keys that exist on the client config but that the file must not set (handled by the kit).
_FILE_MANAGED_KEYS: dict[str, Replacement] = {
    "environment": Replacement(use="the top-level environment", why="one environment per node"),
    "account_type": Replacement(use="the top-level account_type", why="shared by both clients"),
    "instrument_provider": Replacement(
        use="the top-level instrument_ids", why="the kit loads exactly these (load_ids)"
    ),
    "venue": Replacement(use=None, why="the kit trades the BINANCE venue"),
    "use_reduce_only": Replacement(
        use="the top-level hedge_mode", why="hedge mode needs use_reduce_only=false"
    ),
    "use_position_ids": Replacement(
        use=None, why="the kit's position IDs need use_position_ids=true"
    ),
}


@attrs.frozen
class KeyProblem:
    """One key that cannot be used, and what to use instead."""

    section: str
    key: str
    use: str | None
    why: str

    def line(self) -> str:
        """``exec_client.retry_delay_secs: use retry_delay_initial_ms ... (why)``."""
        where = f"{self.section}.{self.key}" if self.section else self.key
        instead = f"use {self.use}" if self.use else "no such setting, remove it"
        return f"{where}: {instead} - {self.why}"


class UnknownNodeConfigKey(UnknownConfigKey):
    """Keys of a node config that do not exist; :attr:`problems` lists each with its fix."""

    def __init__(self, problems: list[KeyProblem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p.line()}" for p in self.problems)
        noun = "key does" if len(self.problems) == 1 else "keys do"
        super().__init__(f"{len(self.problems)} config {noun} not exist:\n{lines}")

    @property
    def keys(self) -> tuple[str, ...]:
        """The offending keys, in file order."""
        return tuple(p.key for p in self.problems)


def struct_fields(config_cls: type[msgspec.Struct]) -> frozenset[str]:
    """The field names of a msgspec config struct (introspected, so they track the adapter)."""
    return frozenset(f.name for f in msgspec.structs.fields(config_cls))


def _problem(section: str, key: str, valid: frozenset[str], owner: str) -> KeyProblem:
    known = KNOWN_REPLACEMENTS.get(key)
    if known is not None:
        return KeyProblem(section, key, known.use, known.why)
    close = difflib.get_close_matches(key, sorted(valid), n=1, cutoff=0.6)
    if close:
        return KeyProblem(section, key, close[0], f"did you mean {close[0]}? ({owner} field)")
    return KeyProblem(
        section, key, None, f"not a {owner} key; valid keys: {', '.join(sorted(valid))}"
    )


def find_key_problems(
    options: Mapping[str, Any], valid: frozenset[str], *, section: str, owner: str
) -> list[KeyProblem]:
    """The problems of the keys in ``options`` that are not in ``valid``."""
    return [_problem(section, str(key), valid, owner) for key in options if str(key) not in valid]


def check_keys(
    options: Mapping[str, Any], config_cls: type[msgspec.Struct], *, section: str
) -> None:
    """Raise :class:`UnknownNodeConfigKey` if ``options`` has keys ``config_cls`` lacks."""
    problems = find_key_problems(
        options, struct_fields(config_cls), section=section, owner=config_cls.__name__
    )
    if problems:
        raise UnknownNodeConfigKey(problems)


# -- loading ---------------------------------------------------------------------------------------


def load_file(path: str | Path) -> dict[str, Any]:
    """Read a JSON or TOML (``.toml``) file into a dict; syntax errors name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigurationError(
            f"{path} is not valid {path.suffix[1:] or 'JSON'}: {exc}"
        ) from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: the top level must be a table / object")
    return data


def _section(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name) or {}
    if not isinstance(value, dict):
        raise ConfigurationError(f"{name} must be a table / object, got {type(value).__name__}")
    return dict(value)


def collect_key_problems(data: Mapping[str, Any]) -> list[KeyProblem]:
    """Every unusable key in a node config file, across all sections."""
    problems = find_key_problems(data, TOP_LEVEL_KEYS, section="", owner="node config")
    exec_fields = struct_fields(BinanceExecClientConfig)
    data_fields = struct_fields(BinanceDataClientConfig)
    for section, fields, owner in (
        ("exec_client", exec_fields, "BinanceExecClientConfig"),
        ("data_client", data_fields, "BinanceDataClientConfig"),
    ):
        options = _section(data, section)
        problems += find_key_problems(options, fields, section=section, owner=owner)
        for key in options:
            managed = _FILE_MANAGED_KEYS.get(key) or (
                KNOWN_REPLACEMENTS.get(key) if key in fields else None
            )
            if managed is not None:
                problems.append(KeyProblem(section, key, managed.use, managed.why))
    problems += find_key_problems(
        _section(data, "redis"), REDIS_KEYS, section="redis", owner="redis"
    )
    problems += find_key_problems(
        _section(data, "metrics"), METRICS_KEYS, section="metrics", owner="metrics"
    )
    strategies = data.get("strategies") or []
    if not isinstance(strategies, list):
        raise ConfigurationError("strategies must be a list of tables / objects")
    for i, entry in enumerate(strategies):
        if not isinstance(entry, dict):
            raise ConfigurationError(f"strategies[{i}] must be a table / object")
        problems += find_key_problems(
            entry, STRATEGY_KEYS, section=f"strategies[{i}]", owner="strategy"
        )
    return problems


@attrs.frozen
class NodeFile:
    """A checked node config file: the arguments of :func:`plan_node`, minus live endpoints."""

    environment: Environment
    account_type: BinanceAccountType
    instrument_ids: tuple[str, ...]
    hedge_mode: bool
    leverages: Mapping[str, int]
    margin_types: Mapping[str, str]
    retry: RetrySettings
    reconciliation_delay_secs: float | None
    external_order_claims: tuple[str, ...] | None
    trader_id: str
    log_level: str
    exec_options: Mapping[str, Any]
    data_options: Mapping[str, Any]
    redis: Any  # RedisSettings | None (imported lazily to keep this module light)
    strategies: tuple[ImportableStrategyConfig, ...]
    metrics: Any = None  # MetricsSettings | None

    def plan(self, **overrides: Any) -> Any:
        """The :class:`~nautilus_exec_kit.live.node_config.NodePlan` of this file.

        ``overrides`` go to :func:`plan_node` (e.g. ``endpoints=``, ``credentials=``,
        ``strategies=``, ``environ=``).
        """
        from nautilus_exec_kit.live.node_config import plan_node

        kwargs: dict[str, Any] = {
            "strategies": list(self.strategies),
            "instrument_ids": list(self.instrument_ids),
            "account_type": self.account_type,
            "leverages": dict(self.leverages),
            "margin_types": dict(self.margin_types),
            "hedge_mode": self.hedge_mode,
            "retry": self.retry,
            "reconciliation_delay_secs": self.reconciliation_delay_secs,
            "redis": self.redis,
            "external_order_claims": self.external_order_claims,
            "exec_options": dict(self.exec_options),
            "data_options": dict(self.data_options),
            "trader_id": self.trader_id,
            "log_level": self.log_level,
            "metrics": self.metrics,
        }
        kwargs.update(overrides)
        environment = kwargs.pop("environment", self.environment)
        return plan_node(environment, **kwargs)


def _typed(value: Any, expected: type | tuple[type, ...], name: str) -> Any:
    """``value`` if it has the expected JSON/TOML type (bool is not an int here)."""
    types = expected if isinstance(expected, tuple) else (expected,)
    if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
        names = " or ".join(t.__name__ for t in types)
        raise ConfigurationError(f"{name}={value!r}: expected {names}")
    return value


def parse_node_file(data: Mapping[str, Any]) -> NodeFile:
    """Check a loaded config dict: every bad key at once, then each value's type."""
    problems = collect_key_problems(data)
    if problems:
        raise UnknownNodeConfigKey(problems)

    from nautilus_exec_kit.live.node_config import RedisSettings, strategy_config

    environment = Environment.parse(_typed(data.get("environment", "sandbox"), str, "environment"))
    account_name = _typed(data.get("account_type", "USDT_FUTURES"), str, "account_type")
    try:
        account_type = BinanceAccountType[account_name.upper()]
    except KeyError:
        valid = ", ".join(a.name for a in BinanceAccountType)
        raise ConfigurationError(f"account_type={account_name!r}: use one of {valid}") from None

    exec_options = _section(data, "exec_client")
    routed = {
        ROUTED_EXEC_FIELDS[k]: exec_options.pop(k)
        for k in list(exec_options)
        if k in ROUTED_EXEC_FIELDS
    }
    for key, value in routed.items():
        if key in data and data[key] != value:
            raise ConfigurationError(
                f"{key} is set both at the top level and in exec_client; keep one"
            )
    merged = {**data, **routed}

    instrument_ids = _typed(merged.get("instrument_ids", []), list, "instrument_ids")
    defaults = profile(environment).default_retry
    retry = RetrySettings(
        max_retries=_typed(merged.get("max_retries", defaults.max_retries), int, "max_retries"),
        initial_ms=_typed(
            merged.get("retry_delay_initial_ms", defaults.initial_ms), int, "retry_delay_initial_ms"
        ),
        max_ms=_typed(merged.get("retry_delay_max_ms", defaults.max_ms), int, "retry_delay_max_ms"),
    )
    delay = merged.get("reconciliation_startup_delay_secs")
    if delay is not None:
        delay = float(_typed(delay, (int, float), "reconciliation_startup_delay_secs"))
    claims = merged.get("external_order_claims")
    if claims is not None:
        claims = tuple(str(c) for c in _typed(claims, list, "external_order_claims"))

    redis_data = _section(data, "redis")
    redis = None
    if redis_data:
        password = redis_data.pop("password", None)
        try:
            redis = RedisSettings(
                **redis_data, password=Secret(str(password)) if password else None
            )
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"redis: {exc}") from None

    metrics_data = _section(data, "metrics")
    metrics = None
    if metrics_data:
        from nautilus_exec_kit.live.metrics import MetricsSettings

        if "port" not in metrics_data:
            raise ConfigurationError("metrics needs a port (e.g. port = 9464)")
        try:
            metrics = MetricsSettings(
                port=_typed(metrics_data["port"], int, "metrics.port"),
                host=_typed(metrics_data.get("host", "127.0.0.1"), str, "metrics.host"),
            )
        except ValueError as exc:
            raise ConfigurationError(f"metrics: {exc}") from None

    strategies = []
    for i, entry in enumerate(data.get("strategies") or []):
        if "strategy_path" not in entry:
            raise ConfigurationError(f"strategies[{i}] needs strategy_path = 'module:Class'")
        strategy = strategy_config(
            _typed(entry["strategy_path"], str, f"strategies[{i}].strategy_path"),
            _typed(entry.get("config", {}), dict, f"strategies[{i}].config"),
            config_path=entry.get("config_path"),
        )
        strategies.append(_enum_names_read(strategy, f"strategies[{i}].config."))

    return NodeFile(
        environment=environment,
        account_type=account_type,
        instrument_ids=tuple(str(i) for i in instrument_ids),
        hedge_mode=_typed(merged.get("hedge_mode", False), bool, "hedge_mode"),
        leverages=_typed(merged.get("leverages") or {}, dict, "leverages"),
        margin_types=_typed(merged.get("margin_types") or {}, dict, "margin_types"),
        retry=retry,
        reconciliation_delay_secs=delay,
        external_order_claims=claims,
        trader_id=_typed(merged.get("trader_id", "EXECKIT-001"), str, "trader_id"),
        log_level=_typed(merged.get("log_level", "INFO"), str, "log_level"),
        exec_options=exec_options,
        data_options=_section(data, "data_client"),
        redis=redis,
        strategies=tuple(strategies),
        metrics=metrics,
    )


def _enum_names_read(
    strategy: ImportableStrategyConfig, prefix: str,
) -> ImportableStrategyConfig:
    """The strategy with its config's enum fields written as names (``order_type =
    "STOP_MARKET"``, any case) turned into members, whatever its config class (msgspec takes
    only an IntEnum's number); a name that is no member raises ``InvalidConfigValue``."""
    config_cls = resolve_config_path(strategy.config_path)
    return ImportableStrategyConfig(
        strategy_path=strategy.strategy_path,
        config_path=strategy.config_path,
        config=enum_names_to_members(config_cls, strategy.config, prefix),
    )


def load_node_file(path: str | Path) -> NodeFile:
    """Load and check a node config file (JSON, or TOML by suffix)."""
    return parse_node_file(load_file(path))


#: Placeholder credentials used to check a file when the real ones are not in the environment.
PLACEHOLDER_CREDENTIALS = Credentials.from_values(
    "placeholder-api-key-for-checks", "placeholder-secret", source="placeholder (not set)"
)


__all__ = [
    "KNOWN_REPLACEMENTS",
    "PLACEHOLDER_CREDENTIALS",
    "KeyProblem",
    "NodeFile",
    "Replacement",
    "UnknownNodeConfigKey",
    "check_keys",
    "collect_key_problems",
    "find_key_problems",
    "load_file",
    "load_node_file",
    "parse_node_file",
    "struct_fields",
]
