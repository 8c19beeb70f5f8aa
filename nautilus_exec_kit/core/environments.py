"""Where a node trades: SANDBOX, DEMO, TESTNET, LIVE, and what each one implies, as a table.

Every difference between environments that a node factory needs is a field of
:class:`EnvironmentProfile`; the factories (Nautilus 1: :mod:`nautilus_exec_kit.live`, Nautilus
2: :mod:`nautilus_exec_kit.v2.live`) read the table, they do not branch on the environment.

Why the values:

* The credential variables are the ones the installed adapter reads
  (``nautilus_trader/adapters/binance/common/credentials.py``), so a user who follows the
  NautilusTrader guide and a user of the kit set the same variables.
* TESTNET is Spot only. Binance folded the USDT-M futures testnet into DEMO (integration guide,
  newer edition), and the adapter's TESTNET futures URLs already point at ``demo-fapi``; the kit
  refuses futures on TESTNET instead of silently trading somewhere else.
* Reconciliation waits at least 10 s on real venues (research notes for Spec 015: the venue's
  reports lag order events right after connect). The local sandbox answers at once, so 2 s.
* Retries: the adapter retries nothing by default. Real venues get 3 retries from 1 s to 10 s
  (the Spec's intent, in the units the installed config really has); the sandbox uses 100-400 ms.
"""

from __future__ import annotations

from enum import Enum

import attrs

from nautilus_exec_kit.core.errors import ConfigurationError


class Environment(Enum):
    """A trading environment the kit can build a node for."""

    SANDBOX = "sandbox"
    DEMO = "demo"
    TESTNET = "testnet"
    LIVE = "live"

    @classmethod
    def parse(cls, value: str | Environment) -> Environment:
        """Accept ``"demo"``, ``"DEMO"`` or an :class:`Environment`."""
        if isinstance(value, Environment):
            return value
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(e.value for e in cls)
            raise ConfigurationError(
                f"environment={value!r} is not known; use one of: {names}"
            ) from None


@attrs.frozen
class RetrySettings:
    """The adapter's retry settings for submit / cancel / modify (``BinanceExecClientConfig``).

    Delay before retry ``n`` is ``randint(initial_ms, min(max_ms, initial_ms * 2**(n-1)))`` ms.
    Only the codes in the adapter's ``BINANCE_RETRY_ERRORS`` are retried.

    Why ``max_retries`` defaults to 0: the adapter retries a -1007 ("send status unknown") submit
    with the SAME client order ID. Binance refuses a repeated ID only while the first order is
    still open, so when the first attempt WAS placed and filled at once (market, IOC, a crossing
    limit) the retry executes a second time. The kit's fault soak measured 9 duplicated
    executions in 1000 orders with ``max_retries=2`` and none with 0. With 0, the kit's error
    policy retries instead: reconcile-first for unknown outcomes, fresh client IDs for the rest.
    """

    max_retries: int = attrs.field(default=0, validator=attrs.validators.ge(0))
    initial_ms: int = attrs.field(default=1_000, validator=attrs.validators.ge(1))
    max_ms: int = attrs.field(default=10_000, validator=attrs.validators.ge(1))

    def __attrs_post_init__(self) -> None:
        if self.max_ms < self.initial_ms:
            raise ConfigurationError(
                f"retry_delay_max_ms={self.max_ms} is below retry_delay_initial_ms="
                f"{self.initial_ms}; make the maximum at least the initial delay"
            )


@attrs.frozen
class NodeTimeouts:
    """``TradingNodeConfig`` timeouts (seconds)."""

    connection: float = 30.0
    reconciliation: float = 10.0
    portfolio: float = 10.0
    disconnection: float = 10.0
    post_stop: float = 5.0


@attrs.frozen
class InflightChecks:
    """The execution engine's in-flight order checks (``LiveExecEngineConfig.inflight_check_*``).

    Why they matter to the kit: an unknown-outcome reject (-1007, a 5xx page) is held back by
    the reconciliation guard, and these checks are what then asks the venue for the order's real
    state; an order the venue never got is resolved after ``retries`` queries (about
    ``retries x max(interval, threshold)``) and the error policy resends it with a fresh ID.
    """

    interval_ms: int = 2_000
    threshold_ms: int = 5_000
    retries: int = 5


@attrs.frozen
class EnvironmentProfile:
    """What one environment implies for the node configuration."""

    environment: Environment
    #: The name of the adapter's ``BinanceEnvironment`` member (chooses its default URLs; the
    #: same names on Nautilus 1 and 2).
    binance_environment: str
    #: Real money moves: an explicit opt-in is required before a node starts.
    real_money: bool
    #: USDT-M / COIN-M futures are offered here.
    futures: bool
    #: Credential variables for futures accounts (key, secret), or None when not env-sourced.
    futures_key_vars: tuple[str, str] | None
    #: Credential variables for spot / margin accounts.
    spot_key_vars: tuple[str, str] | None
    #: Old variable names the adapter still reads for futures, with a deprecation warning.
    deprecated_futures_key_vars: tuple[str, str] | None
    #: The URLs come from a running local venue instead of the adapter's defaults.
    local_endpoints: bool
    min_reconciliation_delay_secs: float
    default_reconciliation_delay_secs: float
    default_retry: RetrySettings
    timeouts: NodeTimeouts
    #: One line for the preflight summary.
    description: str
    inflight: InflightChecks = InflightChecks()


PROFILES: dict[Environment, EnvironmentProfile] = {
    Environment.SANDBOX: EnvironmentProfile(
        environment=Environment.SANDBOX,
        # The sandbox overrides every URL; LIVE only names the adapter's defaults, which the
        # factory checks are all replaced by loopback URLs (wire protocol, section 1).
        binance_environment="LIVE",
        real_money=False,
        futures=True,
        futures_key_vars=("EXEC_KIT_SANDBOX_API_KEY", "EXEC_KIT_SANDBOX_API_SECRET"),
        spot_key_vars=None,
        deprecated_futures_key_vars=None,
        local_endpoints=True,
        min_reconciliation_delay_secs=0.5,
        default_reconciliation_delay_secs=2.0,
        default_retry=RetrySettings(max_retries=0, initial_ms=100, max_ms=400),
        timeouts=NodeTimeouts(
            connection=20.0, reconciliation=10.0, portfolio=5.0, disconnection=5.0, post_stop=1.0
        ),
        description="local sandbox venue on 127.0.0.1 (no real money, no internet)",
        # Loopback answers in milliseconds: resolve unknown outcomes in seconds, not half a minute.
        inflight=InflightChecks(interval_ms=1_000, threshold_ms=1_000, retries=3),
    ),
    Environment.DEMO: EnvironmentProfile(
        environment=Environment.DEMO,
        binance_environment="DEMO",
        real_money=False,
        futures=True,
        futures_key_vars=("BINANCE_DEMO_API_KEY", "BINANCE_DEMO_API_SECRET"),
        spot_key_vars=("BINANCE_DEMO_API_KEY", "BINANCE_DEMO_API_SECRET"),
        deprecated_futures_key_vars=None,
        local_endpoints=False,
        min_reconciliation_delay_secs=10.0,
        default_reconciliation_delay_secs=10.0,
        default_retry=RetrySettings(),
        timeouts=NodeTimeouts(),
        description="Binance demo trading (simulated funds on production infrastructure)",
    ),
    Environment.TESTNET: EnvironmentProfile(
        environment=Environment.TESTNET,
        binance_environment="TESTNET",
        real_money=False,
        futures=False,
        futures_key_vars=None,
        spot_key_vars=("BINANCE_TESTNET_API_KEY", "BINANCE_TESTNET_API_SECRET"),
        deprecated_futures_key_vars=None,
        local_endpoints=False,
        min_reconciliation_delay_secs=10.0,
        default_reconciliation_delay_secs=10.0,
        default_retry=RetrySettings(),
        timeouts=NodeTimeouts(),
        description="Binance Spot testnet (testnet.binance.vision; Spot only)",
    ),
    Environment.LIVE: EnvironmentProfile(
        environment=Environment.LIVE,
        binance_environment="LIVE",
        real_money=True,
        futures=True,
        futures_key_vars=("BINANCE_API_KEY", "BINANCE_API_SECRET"),
        spot_key_vars=("BINANCE_API_KEY", "BINANCE_API_SECRET"),
        deprecated_futures_key_vars=("BINANCE_ED25519_API_KEY", "BINANCE_ED25519_API_SECRET"),
        local_endpoints=False,
        min_reconciliation_delay_secs=10.0,
        default_reconciliation_delay_secs=10.0,
        default_retry=RetrySettings(),
        timeouts=NodeTimeouts(),
        description="Binance production: REAL MONEY",
    ),
}

#: Why futures are refused on TESTNET, for the error message.
TESTNET_FUTURES_MESSAGE = (
    "environment=testnet offers Spot only: Binance folded the USDT-M futures testnet into the "
    "DEMO environment. Use environment=demo with BINANCE_DEMO_API_KEY / BINANCE_DEMO_API_SECRET "
    "(demo keys from binance.com/en/demo-trading), or environment=sandbox to trade locally."
)


def profile(environment: Environment | str) -> EnvironmentProfile:
    """The :class:`EnvironmentProfile` of ``environment``."""
    return PROFILES[Environment.parse(environment)]


__all__ = [
    "PROFILES",
    "TESTNET_FUTURES_MESSAGE",
    "Environment",
    "EnvironmentProfile",
    "InflightChecks",
    "NodeTimeouts",
    "RetrySettings",
    "profile",
]
