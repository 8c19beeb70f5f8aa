"""A NautilusTrader 2 ``LiveNode`` for kit strategies: SANDBOX, DEMO or LIVE, with the same
safety rules as the Nautilus 1 factory (:mod:`nautilus_exec_kit.live`).

    node = build_live_node([strategy], environment="sandbox",
                           endpoints=SandboxEndpoints(http, ws, ws_api))
    node.run()

Why each rule (the environment table, :mod:`nautilus_exec_kit.core.environments`, is shared
with v1):

* LIVE trades real money: it needs ``allow_live=True`` or ``EXEC_KIT_ALLOW_LIVE=1``.
* TESTNET is Spot only; futures there are refused (Binance moved them to DEMO).
* A sandbox node must never reach Binance: every URL must be given, and each must be loopback.
* Credentials come from the profile's environment variables (or the caller) as
  :class:`~nautilus_exec_kit.secrets.Secret`; the value is revealed only into the adapter's
  config, whose repr shows none of it (checked), and a missing one names the variables only.
* ``max_retries=0`` (the environment profile's :class:`~nautilus_exec_kit.core.environments.
  RetrySettings`, shared with v1). On v1 the adapter re-sends a -1007 submit under the SAME
  client order ID, and a first attempt that was placed and filled executes twice (v1's fault
  soak: 9 duplicated executions in 1000 orders with ``max_retries=2``). Re-measured on v2
  (``benchmarks/v2_retry_soak.py``: 8 orders per run, 7 behind a fault that leaves the
  outcome unknown: 503 -1007 / -1001 after the venue placed and filled or rested the order,
  the same with its fill frames dropped, 503 -1007 / 429 -1003 without placing it), over the
  WS API and over REST (``use_ws_trading=False``): with ``max_retries=0`` and with ``3``,
  0 duplicated, 0 lost, 0 same-ID re-sends by the adapter. v2's adapter never re-sends a
  submit: it keeps every ambiguous answer in flight ("Ambiguous submit failure, awaiting
  reconciliation") until the venue's own events or its in-flight query settle it, and the
  kit's policy resends (with a fresh ID) only what the venue turns out not to have (2 of the
  8, both filled once). ``max_retries`` therefore changes nothing on 2.0.0rc6; the kit keeps
  0 so that, should a later v2 start honouring it for submits as v1 did, its error policy
  stays the only retrier (reconcile first, fresh IDs) and its ``adapter_max_retries`` budget
  (0) stays true. ``max_retries=`` and ``use_ws_trading=`` are keyword arguments for
  measuring exactly this; leave them at their defaults.
* The exec client's OMS follows the strategies' position mode (NETTING for one-way, HEDGING
  for hedge): v2's adapter checks it against the account's dual-side setting.
* Timeouts from the profile (connection, reconciliation, portfolio, disconnection, the delay
  after stop), as v1 takes them: a sandbox node stops in about a second, not v2's default ten.
* In-flight checks from the profile: v2 holds every ambiguous WS API submit failure (-1003,
  -1007, 418) in flight until its check gives up (``INFLIGHT_TIMEOUT``, then the kit
  reconciles). The sandbox profile resolves it in seconds, not in v2's default 30 s.
* A start-up position check (``position_check="halt"``): v2 reconciles and then trusts the
  result, and it can be wrong (a fill during reconciliation is counted twice, measured); each
  kit strategy compares the node's positions with Binance's own ``positionRisk`` right after
  start and refuses to trade on a mismatch (:mod:`nautilus_exec_kit.v2.reconciliation`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import attrs
from nautilus_trader.adapters.binance import (
    BinanceDataClientConfig,
    BinanceDataClientFactory,
    BinanceEnvironment,
    BinanceExecutionClientConfig,
    BinanceExecutionClientFactory,
    BinanceProductType,
)
from nautilus_trader.common import Environment as NautilusEnvironment
from nautilus_trader.live import LiveExecutionEngineConfig, LiveNode
from nautilus_trader.model import AccountId, OmsType, TraderId

from nautilus_exec_kit.core.environments import (
    TESTNET_FUTURES_MESSAGE,
    Environment,
    EnvironmentProfile,
    profile,
)
from nautilus_exec_kit.core.errors import (
    ConfigurationError,
    LiveTradingNotConfirmed,
    MissingCredentials,
)
from nautilus_exec_kit.core.positions import PositionMode
from nautilus_exec_kit.core.reconciliation import MismatchAction
from nautilus_exec_kit.secrets import Secret
from nautilus_exec_kit.v2.reconciliation import (
    FUTURES_HTTP_URLS,
    PositionRiskReader,
    StartupPositionCheck,
    mismatch_action,
)

#: The environment variable that opts in to LIVE trading (value "1"), as on v1.
LIVE_OPT_IN_VAR: Final = "EXEC_KIT_ALLOW_LIVE"
_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


@attrs.frozen
class SandboxEndpoints:
    """The URLs of a running sandbox venue (``venue.base_url_http`` ...)."""

    http: str
    ws: str  # the market/user stream base, e.g. ``ws://127.0.0.1:port/ws``
    ws_api: str

    def check_loopback(self) -> None:
        for name, url in (("http", self.http), ("ws", self.ws), ("ws_api", self.ws_api)):
            host = urlsplit(url).hostname
            if host not in _LOOPBACK_HOSTS:
                raise ConfigurationError(
                    f"sandbox endpoint {name}={url!r} is not loopback: a sandbox node must "
                    "never reach Binance; use the venue's 127.0.0.1 URLs",
                )


@attrs.frozen
class Credentials:
    """An API key and secret, masked in every repr."""

    api_key: Secret
    api_secret: Secret

    @classmethod
    def from_environ(
        cls, prof: EnvironmentProfile, environ: Mapping[str, str] | None = None,
    ) -> Credentials:
        """The profile's futures key variables; :class:`MissingCredentials` names them."""
        env = os.environ if environ is None else environ
        names = prof.futures_key_vars
        if names is None:
            raise MissingCredentials(
                f"environment={prof.environment.value} has no futures credential variables",
            )
        key, secret = env.get(names[0]), env.get(names[1])
        if not key or not secret:
            missing = [n for n, v in zip(names, (key, secret), strict=True) if not v]
            raise MissingCredentials(
                f"set {' and '.join(missing)} for environment={prof.environment.value}",
            )
        return cls(Secret(key), Secret(secret))


def _hedge_account(strategies: Sequence[Any]) -> bool:
    """Whether the kit strategies trade the account in hedge mode (one account, one mode)."""
    modes = {getattr(s, "_kit_mode", PositionMode.ONE_WAY) for s in strategies}
    if len(modes) > 1:
        raise ConfigurationError(
            "the strategies of one node disagree on position_mode; a Binance account is either "
            "one-way or hedge: give them the same position_mode",
        )
    return modes == {PositionMode.HEDGE}


def _venue_oms(hedge: bool) -> Any:
    """The exec client's OMS for the account's position mode (v2's adapter warns when it
    differs from the account's dual-side setting: NETTING for one-way, HEDGING for hedge).
    The strategies themselves keep their HEDGING OMS and the adapter's -BOTH / -LONG / -SHORT
    position IDs."""
    return OmsType.HEDGING if hedge else OmsType.NETTING


def _secs(value: float) -> int:
    """v2's builder takes whole seconds; a fraction rounds up (never to 0)."""
    return max(1, math.ceil(value))


def live_opted_in(allow_live: bool, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return allow_live or env.get(LIVE_OPT_IN_VAR, "").strip() == "1"


def build_live_node(
    strategies: Sequence[Any],
    *,
    environment: Environment | str = "sandbox",
    endpoints: SandboxEndpoints | None = None,
    credentials: Credentials | None = None,
    allow_live: bool = False,
    trader_id: str = "TRADER-001",
    account_id: str = "BINANCE-001",
    environ: Mapping[str, str] | None = None,
    max_retries: int | None = None,
    use_ws_trading: bool = True,
    position_check: MismatchAction | str | None = MismatchAction.HALT,
) -> LiveNode:
    """A v2 ``LiveNode`` with the Binance USDT-M data and execution clients and ``strategies``
    added, checked against the rules in the module docstring (raises before anything
    connects).

    ``max_retries`` (default: the environment profile's, 0) is the exec client's own retry
    count; ``use_ws_trading=False`` sends orders over REST instead of the WS API. Both exist
    to measure the adapter (``benchmarks/v2_retry_soak.py``); the defaults are the kit's
    choice. ``position_check``: what a failed start-up position check does, ``"halt"`` (the
    kit's helpers refuse orders), ``"log"``, or ``None`` (no check).
    """
    prof = profile(environment)
    if prof.real_money and not live_opted_in(allow_live, environ):
        raise LiveTradingNotConfirmed(
            f"refusing to build a LIVE node (real money) without an explicit opt-in: pass "
            f"allow_live=True or set {LIVE_OPT_IN_VAR}=1. Try environment='demo' first.",
        )
    if not prof.futures:
        raise ConfigurationError(TESTNET_FUTURES_MESSAGE)
    if prof.local_endpoints:
        if endpoints is None:
            raise ConfigurationError(
                "environment=sandbox needs the running venue's endpoints "
                "(SandboxEndpoints(venue.base_url_http, f'{venue.base_url_ws}/ws', "
                "venue.base_url_ws_api))",
            )
        endpoints.check_loopback()
    elif endpoints is not None:
        raise ConfigurationError(
            f"endpoints are for the sandbox; environment={prof.environment.value} uses "
            "the adapter's Binance URLs",
        )
    action = None if position_check is None else mismatch_action(position_check)
    hedge = _hedge_account(strategies)
    creds = credentials or Credentials.from_environ(prof, environ)
    http = endpoints.http if endpoints is not None else None  # None: the adapter's Binance URLs
    ws = endpoints.ws if endpoints is not None else None
    ws_api = endpoints.ws_api if endpoints is not None else None
    binance_env = getattr(BinanceEnvironment, prof.binance_environment)
    inflight, timeouts = prof.inflight, prof.timeouts
    node = (
        LiveNode.builder("EXEC-KIT", TraderId.from_str(trader_id), NautilusEnvironment.LIVE)
        .with_reconciliation(True)
        .with_timeout_connection(_secs(timeouts.connection))
        .with_timeout_reconciliation(_secs(timeouts.reconciliation))
        .with_timeout_portfolio(_secs(timeouts.portfolio))
        .with_timeout_disconnection_secs(_secs(timeouts.disconnection))
        .with_delay_post_stop_secs(_secs(timeouts.post_stop))
        .with_exec_engine_config(LiveExecutionEngineConfig(
            inflight_check_threshold_ms=inflight.threshold_ms,
            inflight_check_interval_ms=inflight.interval_ms,
            inflight_check_retries=inflight.retries,
        ))
        .add_data_client(None, BinanceDataClientFactory(), BinanceDataClientConfig(
            product_type=BinanceProductType.USD_M, environment=binance_env,
            base_url_http=http, base_url_ws=ws))
        .add_exec_client(None, BinanceExecutionClientFactory(), BinanceExecutionClientConfig(
            AccountId.from_str(account_id), product_type=BinanceProductType.USD_M,
            environment=binance_env, base_url_http=http, base_url_ws=ws,
            base_url_ws_trading=ws_api, oms_type=_venue_oms(hedge),
            api_key=creds.api_key.reveal(), api_secret=creds.api_secret.reveal(),
            use_ws_trading=use_ws_trading,
            max_retries=prof.default_retry.max_retries if max_retries is None else max_retries,
            retry_delay_initial_ms=prof.default_retry.initial_ms,
            retry_delay_max_ms=prof.default_retry.max_ms))
        .build()
    )
    if action is not None:
        reader = PositionRiskReader(
            http or FUTURES_HTTP_URLS[prof.binance_environment], creds.api_key, creds.api_secret,
        )
        for strategy in strategies:
            attach = getattr(strategy, "_kit_attach_position_check", None)
            if attach is not None:
                attach(StartupPositionCheck(reader.positions, hedge, action))
    for strategy in strategies:
        node.add_strategy(strategy)
    return node


__all__ = [
    "LIVE_OPT_IN_VAR",
    "Credentials",
    "SandboxEndpoints",
    "build_live_node",
    "live_opted_in",
]
