"""The sandbox venue's settings: one frozen value a run is fully described by.

Binance's own numbers are the defaults (BTCUSDT filters, fee tier 0, rate limits, recvWindow), so a
strategy that passes here meets the same limits on the real venue. Tests shrink the timings, never
the semantics.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from nautilus_exec_kit.sandbox._brackets import BTCUSDT_BRACKETS, Bracket
from nautilus_exec_kit.sandbox.faults import FaultPlan


def _positive(_: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value}")


@attrs.frozen
class SymbolSpec:
    """One USDT-M perpetual the venue lists, with Binance's exchangeInfo filters.

    The defaults are Binance's BTCUSDT filters: tick 0.10, step 0.001, min qty 0.001, max qty 1000,
    minimum notional 100 USDT (the value Binance enforces for BTCUSDT since 2023).
    """

    symbol: str = "BTCUSDT"
    base_asset: str = "BTC"
    tick_size: Decimal = attrs.field(
        default=Decimal("0.10"), converter=Decimal, validator=_positive
    )
    step_size: Decimal = attrs.field(
        default=Decimal("0.001"), converter=Decimal, validator=_positive
    )
    min_qty: Decimal = attrs.field(default=Decimal("0.001"), converter=Decimal)
    max_qty: Decimal = attrs.field(default=Decimal("1000"), converter=Decimal)
    min_notional: Decimal = attrs.field(default=Decimal("100"), converter=Decimal)
    min_price: Decimal = attrs.field(default=Decimal("556.80"), converter=Decimal)
    max_price: Decimal = attrs.field(default=Decimal("4529764"), converter=Decimal)
    start_price: Decimal = attrs.field(default=Decimal("50000"), converter=Decimal)
    #: Quantity shown at every price level of the synthetic book (depth and bookTicker).
    level_qty: Decimal = attrs.field(default=Decimal("5"), converter=Decimal)
    #: Leverage brackets (``leverageBracket``, maintenance margin); Binance's BTCUSDT tiers.
    brackets: tuple[Bracket, ...] = BTCUSDT_BRACKETS


@attrs.frozen
class ApiCredential:
    """One API key of the venue's account and what it signs with (HMAC secret, Ed25519 key).

    Binance lets an account hold several keys (one per app); each owns its own listenKeys.
    """

    api_key: str
    api_secret: str | None = attrs.field(default=None, repr=False)
    ed25519_public_key: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class RateLimits:
    """Binance USDT-M limits: request weight per minute and order counts per 10 s / per minute.

    A client that keeps sending after a 429 gets HTTP 418 ("banned until ...") once it has collected
    more than ``ban_after_violations`` 429s within ``violation_memory_secs``; the ban lasts
    ``ban_secs``.
    """

    weight_per_minute: int = 2400
    orders_per_10s: int = 300
    orders_per_minute: int = 1200
    ban_after_violations: int = 20
    ban_secs: float = 120.0
    #: How long a 429 counts towards the ban: violations older than this are forgiven.
    violation_memory_secs: float = 60.0


@attrs.frozen
class PriceProcess:
    """A seeded random walk of the last price; mark price follows it with a small basis.

    ``volatility_bps`` is the standard deviation of one step in basis points; 0 freezes the price so
    tests move it explicitly (``SandboxVenue.set_price``).
    """

    volatility_bps: float = 2.0
    drift_bps: float = 0.0
    mark_basis_bps: float = 0.5
    funding_rate: Decimal = attrs.field(default=Decimal("0.0001"), converter=Decimal)


@attrs.frozen
class SandboxConfig:
    """Everything one sandbox run needs.

    >>> SandboxConfig(port=0, seed=7).host
    '127.0.0.1'

    Credentials: requests are accepted if signed with ``api_secret`` (HMAC-SHA256) or with the
    private key matching ``ed25519_public_key`` (PEM). ``api_secret`` never appears in a repr.
    """

    host: str = attrs.field(default="127.0.0.1")
    port: int = 0
    seed: int = 42
    symbols: tuple[SymbolSpec, ...] = (SymbolSpec(),)
    prices: PriceProcess = PriceProcess()
    balances: tuple[tuple[str, Decimal], ...] = (("USDT", Decimal("10000")),)
    leverage: int = 20
    dual_side_position: bool = False
    maker_fee: Decimal = attrs.field(default=Decimal("0.0002"), converter=Decimal)
    taker_fee: Decimal = attrs.field(default=Decimal("0.0005"), converter=Decimal)
    api_key: str = "sandbox-api-key"
    api_secret: str | None = attrs.field(default="sandbox-api-secret", repr=False)
    ed25519_public_key: str | None = attrs.field(default=None, repr=False)
    #: More API keys of the same account (Binance allows one per app); each owns its listenKeys.
    extra_credentials: tuple[ApiCredential, ...] = ()
    #: The ``X-Sandbox-Admin-Token`` the ``/admin/*`` routes require. None: a random token per
    #: venue start (``SandboxVenue.admin_token``), so nothing that only knows the port can move
    #: the market or read the venue's truth.
    admin_token: str | None = attrs.field(default=None, repr=False)
    verify_signatures: bool = True
    recv_window_ms: int = 5000
    market_data_interval_ms: int = 100
    mark_price_interval_ms: int = 1000
    kline_close_interval_ms: int = 60_000
    #: Spacing of the user-stream frames of one algo trigger burst; the adapter needs ~20-50 ms
    #: between TRIGGERED/NEW/TRADE/FINISHED or it emits a synthetic overfill (wire protocol §5.3).
    algo_event_gap_ms: int = 50
    #: Binance refuses a GTD that expires sooner than 600 s from now (-5040).
    gtd_min_lead_ms: int = 600_000
    listen_key_validity_ms: int = 3_600_000
    rate_limits: RateLimits = RateLimits()
    faults: FaultPlan = attrs.field(factory=FaultPlan)

    @host.validator
    def _loopback_only(self, _: attrs.Attribute[str], value: str) -> None:
        if value not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"host={value!r}: the sandbox binds loopback only; use 127.0.0.1")

    def credentials(self) -> tuple[ApiCredential, ...]:
        """Every API key of the account: the main one first."""
        main = ApiCredential(self.api_key, self.api_secret, self.ed25519_public_key)
        return (main, *self.extra_credentials)

    def symbol(self, name: str) -> SymbolSpec | None:
        """The listed symbol called ``name`` (case-insensitive), or None."""
        for spec in self.symbols:
            if spec.symbol == name.upper():
                return spec
        return None
