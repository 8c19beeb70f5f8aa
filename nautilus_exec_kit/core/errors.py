"""Every error a user of nautilus-exec-kit can catch, in one tree.

Each message says what is wrong (field, value) and what to change. No message ever contains a
credential: errors that touch configuration go through :func:`nautilus_exec_kit.secrets.redact`
before they are raised.

Hierarchy::

    ExecKitError
    ├── OrderValidationError            # the order never left the strategy
    │   ├── InstrumentRuleError         # against the instrument's filters
    │   │   ├── PriceNotOnTick
    │   │   ├── QuantityNotOnStep
    │   │   │   └── MarketQuantityNotOnStep   # off MARKET_LOT_SIZE's step (market-type order)
    │   │   ├── QuantityOutOfRange
    │   │   │   └── MarketQuantityOutOfRange  # outside MARKET_LOT_SIZE's min/max
    │   │   ├── PriceOutOfRange
    │   │   ├── NotionalTooSmall
    │   │   └── PrecisionMismatch
    │   │       ├── PriceTooPrecise     # also a PriceNotOnTick
    │   │       └── QuantityTooPrecise  # also a QuantityNotOnStep
    │   ├── CapabilityError             # the venue/account type does not offer this
    │   │   ├── UnsupportedOrderType
    │   │   ├── UnsupportedTimeInForce
    │   │   └── UnsupportedFlag         # post_only, reduce_only, display_qty, quote_quantity, ...
    │   ├── TriggerPriceError           # a trigger that would fire at once (Binance -2021)
    │   ├── TrailingOffsetError         # callback rate outside 10..1000 bps, or not in bps
    │   ├── InvalidExpireTime           # GTD without expiry or too soon (-5040)
    │   ├── ParamError                  # close_position / price_match misuse
    │   ├── PositionModeViolation       # reduce-only in hedge mode, over-closing a leg, ...
    │   ├── InsufficientMargin          # notional / leverage exceeds free balance
    │   ├── AlgoOrderLimitReached       # the 200 open conditional orders cap
    │   └── ModifyNotSupported          # the venue cannot amend this order
    ├── SubmissionBlocked               # the error policy refuses to send now
    │   ├── SubmissionsHalted           # IP ban / HTTP 418 / circuit breaker
    │   ├── RateBudgetExceeded          # the kit's own rate budget, before the venue's -1015
    │   ├── ReduceOnlyModeActive        # -4400/-4401/...: only orders that reduce a position
    │   └── InstrumentStopped           # -4140/-4141/...: the symbol is not trading
    ├── VenueError                      # a venue answer parsed by the error policy (fail-fast)
    └── ConfigurationError              # the kit, strategy, or node configuration is wrong
        ├── PositionModeMismatch        # ONE_WAY/HEDGE vs OMS/adapter settings (-4061 upfront)
        ├── InvalidConfigValue          # a value that is not one of its type's names (also a
        │                               # ValueError), with what to write instead
        ├── UnknownConfigKey            # keys that do not exist (with their real replacement)
        │   └── UnknownNodeConfigKey    # (live.config_file) every bad key of a node file at once
        ├── RejectSpecError             # (backtest.rejects) a malformed --inject-rejects SPEC
        ├── RedisProtocolError          # (live.redis) Redis unreachable or answering nonsense
        ├── MissingCredentials          # the environment's key variables are not set
        ├── LiveTradingNotConfirmed     # LIVE without the explicit opt-in
        ├── BarFileError                # a bar file that cannot be loaded (file, line, problem)
        └── ReconciliationMismatch      # node and venue positions disagree after reconciliation
"""

from __future__ import annotations

from typing import Any


class ExecKitError(Exception):
    """Base class of every error raised by nautilus-exec-kit."""


# -- Order validation --------------------------------------------------------------------------


class OrderValidationError(ExecKitError):
    """An order failed a pre-trade check; it was not sent to the venue.

    Attributes name the offending ``field`` and ``value`` and carry a ``hint`` saying what to
    change, so a strategy can log or handle the failure without parsing the message.
    """

    #: The Binance error code the venue would have answered with, when one exists.
    binance_code: int | None = None

    def __init__(self, field: str, value: Any, problem: str, hint: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        self.hint = hint
        super().__init__(f"{field}={value!s}: {problem}; {hint}")


class InstrumentRuleError(OrderValidationError):
    """The order breaks one of the instrument's filters (tick, step, limits, notional)."""


class PriceNotOnTick(InstrumentRuleError):
    """A price or trigger price is not a multiple of the instrument's tick size (-1013/-4014)."""

    binance_code = -4014


class QuantityNotOnStep(InstrumentRuleError):
    """The quantity is not a multiple of the instrument's step size (-1013/-4003)."""

    binance_code = -1013


class QuantityOutOfRange(InstrumentRuleError):
    """The quantity is below the minimum or above the maximum (-4003/-4005)."""

    binance_code = -4005


class MarketQuantityNotOnStep(QuantityNotOnStep):
    """A market-type order's quantity (MARKET, STOP_MARKET, TAKE_PROFIT_MARKET,
    TRAILING_STOP_MARKET) is not a multiple of ``MARKET_LOT_SIZE``'s step, which Binance applies
    to those orders instead of ``LOT_SIZE``'s ("Filter failure: MARKET_LOT_SIZE", -1013)."""


class MarketQuantityOutOfRange(QuantityOutOfRange):
    """A market-type order's quantity is outside ``MARKET_LOT_SIZE``'s min/max (e.g. BTCUSDT:
    market orders at most 120 BTC where limit orders may hold 1000): -4005 / -4004."""


class PriceOutOfRange(InstrumentRuleError):
    """The price is outside the instrument's min/max price (-4016/-4024)."""

    binance_code = -4024


class NotionalTooSmall(InstrumentRuleError):
    """price x quantity is below the instrument's minimum notional (-4164)."""

    binance_code = -4164


class PrecisionMismatch(InstrumentRuleError):
    """A price or quantity has more decimals than the instrument allows (-1111)."""

    binance_code = -1111


class CapabilityError(OrderValidationError):
    """The venue/account type does not offer this order type, TIF or flag."""


class UnsupportedOrderType(CapabilityError):
    """The order type is not offered for this account type (-1116)."""

    binance_code = -1116


class UnsupportedTimeInForce(CapabilityError):
    """The time in force is not offered for this order type and account type (-1115)."""

    binance_code = -1115


class UnsupportedFlag(CapabilityError):
    """A flag (post_only, reduce_only, display_qty, quote_quantity, ...) is not offered here."""

    binance_code = -1106


class TriggerPriceError(OrderValidationError):
    """The trigger price is on the wrong side of the market: it would trigger at once (-2021)."""

    binance_code = -2021


class TrailingOffsetError(OrderValidationError):
    """The trailing offset is not a callback rate Binance accepts (0.1%..10%, in basis points)."""

    binance_code = -2007


class ParamError(OrderValidationError):
    """``close_position`` or ``price_match`` is used the way Binance refuses."""

    binance_code = -1106


class PositionModeViolation(OrderValidationError):
    """The order breaks a rule of the position mode (hedge reduce-only, over-closing a leg)."""

    binance_code = -4061


class InsufficientMargin(OrderValidationError):
    """The initial margin (notional / leverage) exceeds the free balance (-2019)."""

    binance_code = -2019


class AlgoOrderLimitReached(OrderValidationError):
    """Too many open conditional (algo) orders on this symbol (Binance caps them at 200)."""

    binance_code = -4045


class ModifyNotSupported(OrderValidationError):
    """The venue cannot amend this order (only LIMIT orders can be modified on Binance futures)."""

    binance_code = -4028


# -- Submission gate (error policy) --------------------------------------------------------------


class SubmissionBlocked(ExecKitError):
    """The error policy refuses to send an order right now (the order was not sent)."""


class SubmissionsHalted(SubmissionBlocked):
    """Submissions are halted: IP ban (HTTP 418), circuit breaker, or fail-fast stop."""


class RateBudgetExceeded(SubmissionBlocked):
    """The kit's own order-rate budget is used up (refused before the venue answers -1015)."""


class _Restricted(SubmissionBlocked):
    """An order refused because the venue restricted the account or one symbol.

    Attributes
    ----------
    scope : str
        The instrument ID the restriction is on, or ``"account"``.
    code : int | None
        The Binance code that started the restriction.
    hint : str
        What the strategy can send meanwhile, and how the restriction ends.
    """

    def __init__(self, message: str, *, scope: str, code: int | None, hint: str) -> None:
        self.scope = scope
        self.code = code
        self.hint = hint
        super().__init__(message)


class ReduceOnlyModeActive(_Restricted):
    """Reduce-only mode (-4400, -4401, -4087, -4088, ...): the order would open or increase a
    position, and the venue only takes orders that reduce one. It was not sent."""


class InstrumentStopped(_Restricted):
    """The instrument's symbol is not trading (-4140, -4141, -4402, ...): the kit stopped opening
    positions on it; orders that only reduce a position still go out. It was not sent."""


# -- Venue answers -------------------------------------------------------------------------------


class VenueError(ExecKitError):
    """A venue reject the error policy classified as fail-fast, raised when so configured."""

    def __init__(self, message: str, code: int | None = None) -> None:
        self.code = code
        super().__init__(message)


# -- Configuration -------------------------------------------------------------------------------


class ConfigurationError(ExecKitError):
    """The kit, strategy or node configuration is wrong; the message says what to change."""


class PositionModeMismatch(ConfigurationError):
    """The kit's position mode disagrees with the OMS type or the adapter's settings."""


class UnknownConfigKey(ConfigurationError):
    """A configuration names keys that do not exist (e.g. the Spec 015 FR-001 keys)."""


class InvalidConfigValue(ConfigurationError, ValueError):
    """A config value is not one its field's type takes (e.g. ``order_type="STOP_MARKT"``); the
    message names the field and exactly what to write. Also a ``ValueError``, so code that
    catches a bad config value that way (Nautilus' own config parsing) catches it too."""

    def __init__(self, field: str, value: Any, message: str) -> None:
        self.field = field
        self.value = value
        super().__init__(message)


# -- Added by the live/ package (engineer F): node configuration errors ---------------------------


class MissingCredentials(ConfigurationError):
    """The environment variables holding the API key / secret are not set (names them)."""


class LiveTradingNotConfirmed(ConfigurationError):
    """A LIVE (real-money) node was asked to start without the explicit opt-in."""


class PriceTooPrecise(PrecisionMismatch, PriceNotOnTick):
    """A price has more decimals than the tick allows: both a precision and an off-tick error."""


class QuantityTooPrecise(PrecisionMismatch, QuantityNotOnStep):
    """A quantity has more decimals than the step allows: a precision and an off-step error."""


class InvalidExpireTime(OrderValidationError):
    """A GTD order without an expiry, or one too close to now (Binance -5040 goodTillDate)."""

    binance_code = -5040


class BarFileError(ConfigurationError):
    """A bar file cannot be loaded; the message names the file, the line and what is wrong."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {problem}")


# -- Additions (restart / reconciliation engineer) -----------------------------------------------


class ReconciliationMismatch(ConfigurationError):
    """After reconciliation the node's positions differ from the venue's (e.g. a lost hedge leg).

    ``mismatches`` holds the :class:`nautilus_exec_kit.reconciliation.PositionMismatch` values.
    """

    def __init__(self, message: str, mismatches: tuple[Any, ...] = ()) -> None:
        self.mismatches = mismatches
        super().__init__(message)


__all__ = [
    "AlgoOrderLimitReached",
    "BarFileError",
    "CapabilityError",
    "ConfigurationError",
    "ExecKitError",
    "InstrumentRuleError",
    "InstrumentStopped",
    "InsufficientMargin",
    "InvalidConfigValue",
    "InvalidExpireTime",
    "LiveTradingNotConfirmed",
    "MarketQuantityNotOnStep",
    "MarketQuantityOutOfRange",
    "MissingCredentials",
    "ModifyNotSupported",
    "NotionalTooSmall",
    "OrderValidationError",
    "ParamError",
    "PositionModeMismatch",
    "PositionModeViolation",
    "PrecisionMismatch",
    "PriceNotOnTick",
    "PriceOutOfRange",
    "PriceTooPrecise",
    "QuantityNotOnStep",
    "QuantityOutOfRange",
    "QuantityTooPrecise",
    "RateBudgetExceeded",
    "ReconciliationMismatch",
    "ReduceOnlyModeActive",
    "SubmissionBlocked",
    "SubmissionsHalted",
    "TrailingOffsetError",
    "TriggerPriceError",
    "UnknownConfigKey",
    "UnsupportedFlag",
    "UnsupportedOrderType",
    "UnsupportedTimeInForce",
    "VenueError",
]
