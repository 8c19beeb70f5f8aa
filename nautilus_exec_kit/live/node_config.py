"""The node-config factory: one call from "environment + strategies + instruments" to a
``TradingNodeConfig`` with Binance data and exec clients, done the way the installed adapter needs.

What it does for you (each point is a way a hand-written config goes wrong):

* credentials from the adapter's documented variables, key type (HMAC / Ed25519) detected;
* the SANDBOX URLs wired exactly as the adapter derives them (REST, market streams, WS API for
  Ed25519, user stream base) and checked to be loopback, so a sandbox node can never reach Binance;
* TESTNET futures refused (Binance folded them into DEMO);
* reconciliation on, startup delay >= 10 s on real venues;
* ``load_ids`` for the given instruments, never ``load_all``; data and exec clients get identical
  HTTP/provider settings so the adapter shares one client and loads ``exchangeInfo`` once;
* leverages / margin types keyed by Binance symbol; retry settings the adapter really has;
* hedge mode: ``use_reduce_only=False`` (the adapter refuses dual-side otherwise) and
  ``use_position_ids=True``, and the strategies' ``position_mode`` checked against it;
* an optional Redis cache; ``external_order_claims`` on strategies.

Example::

    plan = plan_node(
        Environment.DEMO,
        strategies=[strategy_config("strategies.one_way_trend:OneWayTrend",
                                    {"instrument_id": "BTCUSDT-PERP.BINANCE"})],
        instrument_ids=["BTCUSDT-PERP.BINANCE"],
        leverages={"BTCUSDT-PERP.BINANCE": 5},
    )
    print(plan.describe())     # redacted: safe to print
    node = TradingNode(plan.config)

:func:`build_node_config` returns ``plan.config`` directly. The ``TradingNodeConfig`` necessarily
holds the credentials in plain text (the adapter reads them from it): print the plan, never the
config.
"""

from __future__ import annotations

import importlib
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import urlparse

import attrs
import msgspec
from nautilus_trader.adapters.binance.common.enums import (
    BinanceAccountType,
    BinanceEnvironment,
    BinanceKeyType,
)
from nautilus_trader.adapters.binance.common.symbol import BinanceSymbol
from nautilus_trader.adapters.binance.config import (
    BinanceDataClientConfig,
    BinanceExecClientConfig,
)
from nautilus_trader.adapters.binance.futures.enums import BinanceFuturesMarginType
from nautilus_trader.cache.config import CacheConfig
from nautilus_trader.common.config import DatabaseConfig, LoggingConfig, msgspec_decoding_hook
from nautilus_trader.config import (
    ImportableStrategyConfig,
    InstrumentProviderConfig,
    LiveExecEngineConfig,
    TradingNodeConfig,
)
from nautilus_trader.model.identifiers import InstrumentId, TraderId

from nautilus_exec_kit.core.errors import ConfigurationError, PositionModeMismatch
from nautilus_exec_kit.live.credentials import Credentials, credentials_from_env
from nautilus_exec_kit.live.environments import (
    TESTNET_FUTURES_MESSAGE,
    Environment,
    EnvironmentProfile,
    RetrySettings,
    profile,
)
from nautilus_exec_kit.live.metrics import MetricsSettings
from nautilus_exec_kit.live.order_check import OrderCheckSettings
from nautilus_exec_kit.live.weight import WeightBudget
from nautilus_exec_kit.secrets import Secret, redact

#: The client id of the Binance clients in the node (``TradingNodeConfig.data_clients`` key).
BINANCE_CLIENT = "BINANCE"

#: Binance's leverage range for USDT-M perpetuals (the per-symbol bracket may be lower).
LEVERAGE_RANGE = (1, 125)

#: Fields the factory sets itself; options must not override them (the message says where to set).
MANAGED_CLIENT_FIELDS: dict[str, str] = {
    "api_key": "credentials (environment variables or Credentials)",
    "api_secret": "credentials (environment variables or Credentials)",
    "key_type": "nothing: the key type is detected from the secret",
    "account_type": "the account_type argument / top-level key",
    "environment": "the environment argument / top-level key",
    "instrument_provider": "instrument_ids",
    "venue": "nothing: the kit trades the BINANCE venue",
    "futures_leverages": "leverages",
    "futures_margin_types": "margin_types",
    "max_retries": "retry (RetrySettings)",
    "retry_delay_initial_ms": "retry (RetrySettings)",
    "retry_delay_max_ms": "retry (RetrySettings)",
    "use_reduce_only": "hedge_mode (hedge mode needs use_reduce_only=False)",
    "use_position_ids": "nothing: the kit's position IDs need use_position_ids=True",
}

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

#: Interval of the engine's periodic open-order and position checks against the venue.
PERIODIC_CHECK_SECS: float = 10.0

#: ``LiveExecEngineConfig.open_check_open_only`` when Nautilus' own open-order check runs (the
#: kit's order check turned off, ``OrderCheckSettings(enabled=False)``). Nautilus' default (True)
#: asks the venue for its open orders only, and in that mode the engine never resolves an order
#: the node holds open but the venue no longer lists ("can't reliably resolve missing orders in
#: open_only mode"). An order whose fill frames were lost then stays open in the node for good
#: unless the position check notices, and it does not when two lost fills cancel out (a lost BUY
#: and a lost SELL of the same size: the net position agrees). The fault soak lost exactly such a
#: pair. False adds ``allOrders`` and ``allAlgoOrders`` (weight 5 each per active symbol) to each
#: check, which report the filled order, and the engine reconciles it. The kit's order check
#: (``live/order_check.py``, on by default) finds those orders at a cost that grows with the
#: orders in doubt instead of the symbols, and replaces this check.
OPEN_CHECK_OPEN_ONLY: bool = False


class SandboxEndpoints(Protocol):
    """What the factory reads from a running sandbox venue (``SandboxVenue``)."""

    @property
    def base_url_http(self) -> str: ...

    @property
    def base_url_ws(self) -> str: ...

    @property
    def base_url_ws_api(self) -> str: ...

    @property
    def base_url_ws_stream(self) -> str: ...


def _no_trailing_slash(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    # The data client builds base + "/stream?..."; a trailing "/" gives "//stream" (wire §1).
    if value.endswith("/"):
        raise ConfigurationError(f"{attribute.name}={value!r} must not end with '/'")


@attrs.frozen
class Endpoints:
    """URL overrides for the Binance clients (wire protocol, section 1).

    ``http``: REST base. ``ws_market``: market streams (data client ``base_url_ws``).
    ``ws_api``: the WebSocket API the exec client logs into with Ed25519 keys (exec
    ``base_url_ws``). ``ws_stream``: user-data stream base (exec ``base_url_ws_stream``).
    """

    http: str = attrs.field(validator=_no_trailing_slash)
    ws_market: str = attrs.field(validator=_no_trailing_slash)
    ws_api: str = attrs.field(validator=_no_trailing_slash)
    ws_stream: str = attrs.field(validator=_no_trailing_slash)

    @classmethod
    def from_venue(cls, venue: SandboxEndpoints) -> Endpoints:
        """The endpoints of a running sandbox venue."""
        return cls(
            http=venue.base_url_http,
            ws_market=venue.base_url_ws,
            ws_api=venue.base_url_ws_api,
            ws_stream=venue.base_url_ws_stream,
        )

    @classmethod
    def loopback(cls, port: int) -> Endpoints:
        """The sandbox's URL layout on ``127.0.0.1:port`` (for checks before a venue runs)."""
        return cls(
            http=f"http://127.0.0.1:{port}",
            ws_market=f"ws://127.0.0.1:{port}",
            ws_api=f"ws://127.0.0.1:{port}/ws-fapi/v1",
            ws_stream=f"ws://127.0.0.1:{port}",
        )

    def all_loopback(self) -> bool:
        """True when every URL points at this machine."""
        urls = (self.http, self.ws_market, self.ws_api, self.ws_stream)
        return all(urlparse(url).hostname in _LOOPBACK_HOSTS for url in urls)


@attrs.frozen
class RedisSettings:
    """A Redis-backed cache, so a restarted node recovers its orders and positions."""

    host: str = "127.0.0.1"
    port: int = attrs.field(default=6379, validator=attrs.validators.in_(range(1, 65536)))
    username: str | None = None
    password: Secret | None = None
    ssl: bool = False
    #: Batch writes (ms); None writes through on every change.
    buffer_interval_ms: int | None = 100

    def cache_config(self) -> CacheConfig:
        """The ``CacheConfig`` with a Redis ``DatabaseConfig``."""
        return CacheConfig(
            database=DatabaseConfig(
                type="redis",
                host=self.host,
                port=self.port,
                username=self.username,
                password=self.password.reveal() if self.password else None,
                ssl=self.ssl,
            ),
            encoding="msgpack",
            buffer_interval_ms=self.buffer_interval_ms,
            persist_account_events=True,
        )

    def describe(self) -> str:
        """``redis 127.0.0.1:6379`` (never the password)."""
        return f"redis {self.host}:{self.port}"


# -- strategies -----------------------------------------------------------------------------------


def _resolve(path: str) -> Any:
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ConfigurationError(f"strategy path {path!r} must look like 'package.module:Class'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(
            f"strategy path {path!r}: cannot import {module_name}: {exc}"
        ) from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigurationError(f"strategy path {path!r}: {module_name} has no {attr}") from None


def config_path_for(strategy_path: str) -> str:
    """The config class path of a strategy, read from its ``__init__(config: X)`` annotation.

    Falls back to ``<Class>Config`` in the same module (the Nautilus naming convention).
    """
    cls = _resolve(strategy_path)
    module_name = strategy_path.partition(":")[0]
    try:
        hint = typing.get_type_hints(cls.__init__).get("config")
    except Exception:
        hint = None
    candidates = [a for a in typing.get_args(hint) if a is not type(None)] if hint else []
    target = candidates[0] if candidates else hint
    if isinstance(target, type) and issubclass(target, msgspec.Struct):
        return f"{target.__module__}:{target.__qualname__}"
    fallback = f"{module_name}:{cls.__name__}Config"
    _resolve(fallback)
    return fallback


def strategy_config(
    strategy_path: str,
    config: Mapping[str, Any] | None = None,
    *,
    config_path: str | None = None,
) -> ImportableStrategyConfig:
    """An ``ImportableStrategyConfig`` for ``'module:Class'`` with its config class resolved."""
    return ImportableStrategyConfig(
        strategy_path=strategy_path,
        config_path=config_path or config_path_for(strategy_path),
        config=dict(config or {}),
    )


def _config_fields(config_path: str) -> set[str]:
    cls = _resolve(config_path)
    return {f.name for f in msgspec.structs.fields(cls)}


def _prepare_strategy(
    strategy: ImportableStrategyConfig,
    *,
    hedge_mode: bool,
    claims: Sequence[str] | None,
) -> ImportableStrategyConfig:
    """Fill in position_mode / external_order_claims and check the config parses."""
    fields = _config_fields(strategy.config_path)
    config = dict(strategy.config)
    wanted_mode = "HEDGE" if hedge_mode else "ONE_WAY"
    if "position_mode" in fields:
        mode = str(config.get("position_mode", wanted_mode)).upper()
        if mode != wanted_mode:
            raise PositionModeMismatch(
                f"strategy {strategy.strategy_path} has position_mode={mode} but the node is "
                f"built with hedge_mode={hedge_mode}; the account's mode must match "
                f"(set hedge_mode={mode == 'HEDGE'} or position_mode={wanted_mode})"
            )
        config["position_mode"] = wanted_mode
    if claims is not None and config.get("external_order_claims") is None:
        config["external_order_claims"] = list(claims)
    prepared = ImportableStrategyConfig(
        strategy_path=strategy.strategy_path, config_path=strategy.config_path, config=config
    )
    try:
        _resolve(prepared.config_path).parse(msgspec.json.encode(prepared.config))
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"strategy {strategy.strategy_path}: its config does not parse as "
            f"{strategy.config_path}: {exc}"
        ) from exc
    return prepared


# -- the plan -------------------------------------------------------------------------------------


@attrs.frozen
class NodePlan:
    """What a node will do, and the ``TradingNodeConfig`` that does it.

    Everything but ``config`` is safe to print (:meth:`describe`); ``config`` holds the
    credentials in plain text because the adapter reads them from it, so it is kept out of the
    repr.
    """

    environment: Environment
    account_type: BinanceAccountType
    instrument_ids: tuple[str, ...]
    strategies: tuple[str, ...]
    leverages: Mapping[str, int]
    margin_types: Mapping[str, str]
    hedge_mode: bool
    credentials: Credentials
    reconciliation_delay_secs: float
    retry: RetrySettings
    cache: str
    endpoints: Endpoints | None
    config: TradingNodeConfig = attrs.field(repr=False)
    #: The kit's check of the node's open orders (``live/order_check.py``).
    order_check: OrderCheckSettings = attrs.field(factory=OrderCheckSettings)
    #: The request-weight budget the kit's checks keep (``live/weight.py``).
    weight_budget: WeightBudget = attrs.field(factory=WeightBudget)
    #: The Prometheus endpoint, or None (off).
    metrics: MetricsSettings | None = None

    @property
    def real_money(self) -> bool:
        """True when the node trades real funds (LIVE)."""
        return profile(self.environment).real_money

    def describe(self) -> str:
        """A redacted, multi-line summary: what is about to run, where, with which key."""
        prof = profile(self.environment)
        lines = [
            f"environment      : {self.environment.value.upper()} - {prof.description}",
            f"account type     : {self.account_type.value}",
            f"instruments      : {', '.join(self.instrument_ids)}",
            f"strategies       : {', '.join(self.strategies) or '(none)'}",
            f"position mode    : {'HEDGE' if self.hedge_mode else 'ONE_WAY'}",
            "leverage         : "
            + (", ".join(f"{s}={v}x" for s, v in self.leverages.items()) or "account setting"),
            "margin type      : "
            + (", ".join(f"{s}={v}" for s, v in self.margin_types.items()) or "account setting"),
            f"credentials      : {self.credentials.describe()}",
            f"reconciliation   : on, startup delay {self.reconciliation_delay_secs:g} s",
            f"retries          : {self.retry.max_retries} x "
            f"{self.retry.initial_ms}-{self.retry.max_ms} ms",
            f"cache            : {self.cache}",
            "order check      : "
            + (f"kit, orders in doubt after {self.order_check.quiet_secs:g} s quiet "
               f"({self.order_check.prompt_secs:g} s MARKET/IOC/FOK), weight budget "
               f"{self.weight_budget.slow_pct:g}/{self.weight_budget.stop_pct:g}% of "
               f"{self.weight_budget.limit}"
               if self.order_check.enabled
               else f"Nautilus' open-order check every {PERIODIC_CHECK_SECS:g} s"),
            f"metrics          : {self.metrics.describe() if self.metrics else 'off'}",
        ]
        if self.endpoints is not None:
            lines.append(
                f"endpoints        : {self.endpoints.http} (REST), "
                f"{self.endpoints.ws_market} (streams)"
            )
        text = "\n".join(lines)
        return redact(text, [self.credentials.api_key, self.credentials.api_secret])


def _binance_symbol(key: str) -> BinanceSymbol:
    """``BTCUSDT-PERP.BINANCE`` / ``BTCUSDT-PERP`` / ``BTCUSDT`` -> ``BinanceSymbol('BTCUSDT')``."""
    symbol = InstrumentId.from_str(key).symbol.value if "." in key else key
    return BinanceSymbol(symbol)


def _leverages(leverages: Mapping[str, int] | None) -> dict[BinanceSymbol, int] | None:
    if not leverages:
        return None
    low, high = LEVERAGE_RANGE
    result: dict[BinanceSymbol, int] = {}
    for key, value in leverages.items():
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ConfigurationError(
                f"leverage for {key}={value!r}: use a whole number from {low} to {high}"
            )
        result[_binance_symbol(key)] = value
    return result


def _margin_types(
    margin_types: Mapping[str, str | BinanceFuturesMarginType] | None,
) -> dict[BinanceSymbol, BinanceFuturesMarginType] | None:
    if not margin_types:
        return None
    aliases = {"CROSS": BinanceFuturesMarginType.CROSS}
    result: dict[BinanceSymbol, BinanceFuturesMarginType] = {}
    for key, value in margin_types.items():
        if isinstance(value, BinanceFuturesMarginType):
            result[_binance_symbol(key)] = value
            continue
        name = str(value).upper()
        try:
            result[_binance_symbol(key)] = aliases.get(name) or BinanceFuturesMarginType(name)
        except ValueError:
            raise ConfigurationError(
                f"margin type for {key}={value!r}: use ISOLATED or CROSSED"
            ) from None
    return result


def _client_options(
    options: Mapping[str, Any] | None, config_cls: type[msgspec.Struct], label: str
) -> dict[str, Any]:
    """Convert user options to the types of ``config_cls`` (field by field, named errors)."""
    if not options:
        return {}
    from nautilus_exec_kit.live.config_file import check_keys

    check_keys(options, config_cls, section=label)
    hints = typing.get_type_hints(config_cls, include_extras=True)
    converted: dict[str, Any] = {}
    for key, value in options.items():
        if key in MANAGED_CLIENT_FIELDS:
            raise ConfigurationError(
                f"{label}.{key} is set by the kit; set it through {MANAGED_CLIENT_FIELDS[key]}"
            )
        try:
            converted[key] = msgspec.convert(value, hints[key], dec_hook=msgspec_decoding_hook)
        except msgspec.ValidationError as exc:
            raise ConfigurationError(f"{label}.{key}={value!r}: {exc}") from None
    return converted


def _merge(kit: dict[str, Any], user: dict[str, Any], label: str) -> dict[str, Any]:
    """The kit's settings plus the user's options; an option may not replace a kit setting."""
    clash = sorted(set(kit) & set(user))
    if clash:
        raise ConfigurationError(
            f"{label}: {', '.join(clash)} set by the environment (e.g. the sandbox URLs); "
            "remove them from the options"
        )
    return {**kit, **user}


def _check_delay(prof: EnvironmentProfile, delay: float | None) -> float:
    if delay is None:
        return prof.default_reconciliation_delay_secs
    if delay < prof.min_reconciliation_delay_secs:
        raise ConfigurationError(
            f"reconciliation_startup_delay_secs={delay:g} is too short for "
            f"environment={prof.environment.value}: use at least "
            f"{prof.min_reconciliation_delay_secs:g} s (the venue's reports lag right after "
            "connect, and an early reconciliation closes orders that are still open)"
        )
    return float(delay)


def plan_node(
    environment: Environment | str,
    *,
    strategies: Sequence[ImportableStrategyConfig],
    instrument_ids: Sequence[InstrumentId | str],
    account_type: BinanceAccountType = BinanceAccountType.USDT_FUTURES,
    credentials: Credentials | None = None,
    endpoints: Endpoints | None = None,
    leverages: Mapping[str, int] | None = None,
    margin_types: Mapping[str, str | BinanceFuturesMarginType] | None = None,
    hedge_mode: bool = False,
    retry: RetrySettings | None = None,
    reconciliation_delay_secs: float | None = None,
    redis: RedisSettings | None = None,
    external_order_claims: Sequence[InstrumentId | str] | None = None,
    exec_options: Mapping[str, Any] | None = None,
    data_options: Mapping[str, Any] | None = None,
    trader_id: str = "EXECKIT-001",
    log_level: str = "INFO",
    environ: Mapping[str, str] | None = None,
    order_check: OrderCheckSettings | None = None,
    weight_budget: WeightBudget | None = None,
    metrics: MetricsSettings | None = None,
) -> NodePlan:
    """Build the :class:`NodePlan` (and its ``TradingNodeConfig``) for ``environment``.

    ``credentials=None`` reads them from the environment's variables (``environ`` defaults to
    ``os.environ``). ``endpoints`` is required for SANDBOX (``Endpoints.from_venue(venue)``) and
    must be loopback there. ``external_order_claims`` is put on every strategy that does not set
    its own. ``exec_options`` / ``data_options`` pass further ``BinanceExecClientConfig`` /
    ``BinanceDataClientConfig`` fields through (unknown keys raise ``UnknownConfigKey``).
    ``order_check`` / ``weight_budget``: the kit's open-order check and the request weight its
    checks keep within (defaults: on, 50/80 % of 2400). ``metrics``: a Prometheus endpoint (off
    when None).
    """
    order_check = order_check or OrderCheckSettings()
    env = Environment.parse(environment)
    prof = profile(env)
    if not account_type.is_spot_or_margin and not prof.futures:
        raise ConfigurationError(TESTNET_FUTURES_MESSAGE)
    if not instrument_ids:
        raise ConfigurationError(
            "instrument_ids is empty: name the instruments to load (the kit never uses load_all)"
        )
    if account_type.is_spot_or_margin and (leverages or margin_types or hedge_mode):
        raise ConfigurationError(
            f"account_type={account_type.value}: leverages, margin types and hedge mode apply "
            "to futures only"
        )
    if prof.local_endpoints:
        if endpoints is None:
            raise ConfigurationError(
                "environment=sandbox needs the running venue's endpoints "
                "(Endpoints.from_venue(handle.venue))"
            )
        if not endpoints.all_loopback():
            raise ConfigurationError(
                f"environment=sandbox but an endpoint is not on 127.0.0.1: {endpoints}; "
                "a sandbox node must never reach a real venue"
            )
    ids = tuple(
        iid if isinstance(iid, InstrumentId) else InstrumentId.from_str(str(iid))
        for iid in instrument_ids
    )
    creds = credentials or credentials_from_env(env, account_type, environ)
    if creds.key_type not in (BinanceKeyType.HMAC, BinanceKeyType.ED25519):
        raise ConfigurationError(
            f"key type {creds.key_type.value} is not supported by the exec client; use Ed25519 "
            "or HMAC"
        )
    retry = retry or prof.default_retry
    delay = _check_delay(prof, reconciliation_delay_secs)
    leverage_map = _leverages(leverages)
    margin_map = _margin_types(margin_types)
    claims = [str(c) for c in external_order_claims] if external_order_claims is not None else None
    prepared = [_prepare_strategy(s, hedge_mode=hedge_mode, claims=claims) for s in strategies]

    provider = InstrumentProviderConfig(load_all=False, load_ids=frozenset(ids))
    # Identical shared settings -> the adapter's lru_cache hands both clients one HTTP client and
    # one instrument provider (exchangeInfo loaded once).
    shared: dict[str, Any] = {
        "api_key": creds.api_key.reveal(),
        "api_secret": creds.api_secret.reveal(),
        "key_type": creds.key_type,
        "account_type": account_type,
        "environment": BinanceEnvironment[prof.binance_environment],
        "instrument_provider": provider,
    }
    data_urls: dict[str, Any] = {}
    exec_urls: dict[str, Any] = {}
    if endpoints is not None:
        data_urls = {"base_url_http": endpoints.http, "base_url_ws": endpoints.ws_market}
        exec_urls = {
            "base_url_http": endpoints.http,
            "base_url_ws": endpoints.ws_api,
            "base_url_ws_stream": endpoints.ws_stream,
        }
    data_config = BinanceDataClientConfig(
        **_merge(
            {**shared, **data_urls},
            _client_options(data_options, BinanceDataClientConfig, "data"),
            "data",
        )
    )
    futures_only: dict[str, Any] = {}
    if not account_type.is_spot_or_margin:
        futures_only = {
            "futures_leverages": leverage_map,
            "futures_margin_types": margin_map,
            "use_reduce_only": not hedge_mode,
            "use_position_ids": True,
        }
    exec_config = BinanceExecClientConfig(
        **_merge(
            {
                **shared,
                **exec_urls,
                **futures_only,
                "max_retries": retry.max_retries,
                "retry_delay_initial_ms": retry.initial_ms,
                "retry_delay_max_ms": retry.max_ms,
            },
            _client_options(exec_options, BinanceExecClientConfig, "exec"),
            "exec",
        )
    )
    timeouts = prof.timeouts
    node_config = TradingNodeConfig(
        trader_id=TraderId(trader_id),
        logging=LoggingConfig(log_level=log_level),
        exec_engine=LiveExecEngineConfig(
            reconciliation=True,
            reconciliation_startup_delay_secs=delay,
            # Periodic venue checks: the fault soak lost an order and ended with a position
            # mismatch without them (docs/production.md). The kit's order check replaces
            # Nautilus' open-order check, whose cost grows with the symbols.
            open_check_interval_secs=None if order_check.enabled else PERIODIC_CHECK_SECS,
            open_check_open_only=OPEN_CHECK_OPEN_ONLY,
            position_check_interval_secs=PERIODIC_CHECK_SECS,
            inflight_check_interval_ms=prof.inflight.interval_ms,
            inflight_check_threshold_ms=prof.inflight.threshold_ms,
            inflight_check_retries=prof.inflight.retries,
        ),
        cache=redis.cache_config() if redis else None,
        data_clients={BINANCE_CLIENT: data_config},
        exec_clients={BINANCE_CLIENT: exec_config},
        strategies=prepared,
        timeout_connection=timeouts.connection,
        timeout_reconciliation=timeouts.reconciliation,
        timeout_portfolio=timeouts.portfolio,
        timeout_disconnection=timeouts.disconnection,
        timeout_post_stop=timeouts.post_stop,
    )
    return NodePlan(
        environment=env,
        account_type=account_type,
        instrument_ids=tuple(str(i) for i in ids),
        strategies=tuple(s.strategy_path for s in prepared),
        leverages={str(k): v for k, v in (leverage_map or {}).items()},
        margin_types={str(k): v.value for k, v in (margin_map or {}).items()},
        hedge_mode=hedge_mode,
        credentials=creds,
        reconciliation_delay_secs=delay,
        retry=retry,
        cache=redis.describe() if redis else "in-memory",
        endpoints=endpoints,
        config=node_config,
        order_check=order_check,
        weight_budget=weight_budget or WeightBudget(),
        metrics=metrics,
    )


def build_node_config(
    environment: Environment | str,
    *,
    strategies: Sequence[ImportableStrategyConfig],
    instrument_ids: Sequence[InstrumentId | str],
    **kwargs: Any,
) -> TradingNodeConfig:
    """The ``TradingNodeConfig`` of :func:`plan_node` (same arguments).

    It holds the credentials in plain text: never print or log it (print ``plan.describe()``).
    """
    return plan_node(
        environment, strategies=strategies, instrument_ids=instrument_ids, **kwargs
    ).config


__all__ = [
    "BINANCE_CLIENT",
    "MANAGED_CLIENT_FIELDS",
    "Endpoints",
    "NodePlan",
    "RedisSettings",
    "SandboxEndpoints",
    "build_node_config",
    "config_path_for",
    "plan_node",
    "strategy_config",
]
