"""The sandbox venue's settings: one frozen value a run is fully described by.

Binance's own numbers are the defaults (BTCUSDT filters, fee tier 0, rate limits, recvWindow), so a
strategy that passes here meets the same limits on the real venue. Tests shrink the timings, never
the semantics.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from nautilus_exec_kit.core.perpetuals import (
    BTCUSDT_BRACKETS,
    BTCUSDT_LIQUIDATION_FEE,
    DEFAULT_FUNDING_INTERVAL_HOURS,
    Bracket,
)
from nautilus_exec_kit.sandbox.faults import FaultPlan


def _positive(_: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value}")


def _decimals(value: Decimal) -> int:
    """How many decimals a filter value is written with (``0.10`` -> 2, ``1`` -> 0)."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@attrs.frozen
class PriceProcess:
    """A seeded random walk of the last price; mark price follows it with a small basis.

    ``volatility_bps`` is the standard deviation of one step in basis points; 0 freezes the price so
    tests move it explicitly (``SandboxVenue.set_price``).
    """

    volatility_bps: float = 2.0
    drift_bps: float = 0.0
    mark_basis_bps: float = 0.5



def _rates(value: Any) -> tuple[Decimal, ...]:
    items = (value,) if isinstance(value, (str, int, float, Decimal)) else tuple(value)
    if not items:
        raise ValueError("FundingSpec.rates needs at least one rate")
    return tuple(Decimal(str(v)) for v in items)


@attrs.frozen
class FundingSpec:
    """How one perpetual funds: its interval and the rates it settles at.

    ``interval_hours`` is Binance's (8 for most symbols, 4 or 1 for some; ``fundingInfo`` lists the
    symbols whose interval is not 8 h). The sandbox's clock is real time, so tests shorten the
    interval with ``interval_ms`` (e.g. 2000): funding times are the multiples of the interval
    since the epoch, which for whole hours are Binance's 00:00/08:00/16:00 UTC.

    ``rates`` is the rate of each funding time the venue settles, in order: one value is a
    constant rate, several a series that repeats once it is used up.
    """

    interval_hours: int = attrs.field(default=DEFAULT_FUNDING_INTERVAL_HOURS)
    rates: tuple[Decimal, ...] = attrs.field(default=(Decimal("0.0001"),), converter=_rates)
    #: Overrides ``interval_hours`` (tests: seconds instead of hours); None keeps Binance's.
    interval_ms: int | None = None
    #: ``adjustedFundingRateCap`` / ``Floor`` shown by ``fundingInfo`` (Binance's default +-3 %).
    rate_cap: Decimal = attrs.field(default=Decimal("0.03"), converter=Decimal)
    rate_floor: Decimal = attrs.field(default=Decimal("-0.03"), converter=Decimal)

    @interval_hours.validator
    def _divides_a_day(self, _: attrs.Attribute[int], value: int) -> None:
        if value <= 0 or 24 % value:
            raise ValueError(f"interval_hours must divide 24, got {value}")

    @property
    def period_ms(self) -> int:
        """The interval in ms the venue settles at."""
        return self.interval_ms or self.interval_hours * 3_600_000

    def rate(self, index: int) -> Decimal:
        """The rate of the ``index``-th funding time the venue settles (0-based)."""
        return self.rates[index % len(self.rates)]

    def next_time(self, now_ms: int) -> int:
        """The first funding time after ``now_ms``."""
        return now_ms - now_ms % self.period_ms + self.period_ms

    @property
    def is_adjusted(self) -> bool:
        """Whether ``fundingInfo`` lists the symbol (Binance lists only adjusted ones)."""
        return (self.interval_hours != DEFAULT_FUNDING_INTERVAL_HOURS
                or self.rate_cap != Decimal("0.03") or self.rate_floor != Decimal("-0.03"))


@attrs.frozen
class SymbolSpec:
    """One USDT-M perpetual the venue lists: Binance's exchangeInfo filters, its own price path,
    leverage brackets and funding.

    The defaults are Binance's BTCUSDT filters: tick 0.10, step 0.001, min qty 0.001, max qty 1000
    (120 for MARKET orders), minimum notional 100 USDT (the value Binance enforces for BTCUSDT
    since 2023), limit prices within 5 % of the mark price. ``symbols.PRESETS`` holds other real
    symbols and ``symbols.synthetic`` makes any number of made-up ones.
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
    #: ``MARKET_LOT_SIZE`` maxQty: MARKET orders above it get -4005. None: ``max_qty``.
    market_max_qty: Decimal | None = attrs.field(
        default=Decimal("120"), converter=attrs.converters.optional(Decimal))
    min_notional: Decimal = attrs.field(default=Decimal("100"), converter=Decimal)
    min_price: Decimal = attrs.field(default=Decimal("556.80"), converter=Decimal)
    max_price: Decimal = attrs.field(default=Decimal("4529764"), converter=Decimal)
    #: ``PERCENT_PRICE``: a LIMIT BUY above mark x up is -4016, a SELL below mark x down -4024.
    percent_up: Decimal = attrs.field(default=Decimal("1.05"), converter=Decimal)
    percent_down: Decimal = attrs.field(default=Decimal("0.95"), converter=Decimal)
    #: exchangeInfo ``pricePrecision`` / ``quantityPrecision``; None: the decimals of tick / step.
    price_precision: int | None = None
    quantity_precision: int | None = None
    start_price: Decimal = attrs.field(default=Decimal("50000"), converter=Decimal)
    #: Quantity shown at every price level of the synthetic book (depth and bookTicker).
    level_qty: Decimal = attrs.field(default=Decimal("5"), converter=Decimal)
    #: Leverage brackets (``leverageBracket``, maintenance margin); Binance's BTCUSDT tiers.
    brackets: tuple[Bracket, ...] = BTCUSDT_BRACKETS
    #: exchangeInfo ``liquidationFee``: the clearance fee a liquidated position pays.
    liquidation_fee: Decimal = attrs.field(default=BTCUSDT_LIQUIDATION_FEE, converter=Decimal)
    #: This symbol's own price process; None: ``SandboxConfig.prices``. Every symbol walks with
    #: its own random stream drawn from the venue's seed and its name.
    prices: PriceProcess | None = None
    funding: FundingSpec = FundingSpec()

    @property
    def price_decimals(self) -> int:
        """exchangeInfo ``pricePrecision``."""
        return (_decimals(self.tick_size) if self.price_precision is None
                else self.price_precision)

    @property
    def quantity_decimals(self) -> int:
        """exchangeInfo ``quantityPrecision``."""
        return (_decimals(self.step_size) if self.quantity_precision is None
                else self.quantity_precision)

    @property
    def market_lot_max(self) -> Decimal:
        """The largest MARKET order (``MARKET_LOT_SIZE`` maxQty)."""
        return self.max_qty if self.market_max_qty is None else self.market_max_qty

    @property
    def max_leverage(self) -> int:
        """The highest leverage the symbol allows (its first bracket's)."""
        return max(b.initial_leverage for b in self.brackets)

    def max_notional(self, leverage: int) -> Decimal:
        """The largest position notional at ``leverage`` (positionRisk ``maxNotionalValue``): the
        cap of the last bracket that still allows that leverage."""
        caps = [b.cap for b in self.brackets if b.initial_leverage >= leverage]
        return max(caps) if caps else self.brackets[0].cap


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
    #: The perpetuals the account trades, each with its own filters, price path, brackets and
    #: funding (``sandbox.symbols.universe(n)`` builds n realistic ones).
    symbols: tuple[SymbolSpec, ...] = attrs.field(default=(SymbolSpec(),), converter=tuple)
    #: The price process of every symbol that has none of its own.
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

    @symbols.validator
    def _listable(self, _: attrs.Attribute[tuple[SymbolSpec, ...]],
                  value: tuple[SymbolSpec, ...]) -> None:
        names = [s.symbol for s in value]
        if not names:
            raise ValueError("the sandbox needs at least one symbol")
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"symbols listed twice: {twice}")
        for spec in value:
            if spec.symbol != spec.symbol.upper() or not spec.symbol.isalnum():
                raise ValueError(f"symbol {spec.symbol!r}: Binance symbols are upper-case letters"
                                 " and digits")
            if not spec.min_price <= spec.start_price <= spec.max_price:
                raise ValueError(f"{spec.symbol}: start_price {spec.start_price} is outside "
                                 f"[{spec.min_price}, {spec.max_price}]")

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

    def prices_of(self, spec: SymbolSpec) -> PriceProcess:
        """The price process ``spec`` walks with: its own, or the venue's."""
        return spec.prices or self.prices
