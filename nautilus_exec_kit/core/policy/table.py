"""The default error policy as data, and how user overrides are applied to it.

Resolution order for a reject: a per-code override (``{"-2019": "skip"}``), then the
category's action (``{"rate_limit": "backoff"}``), from the user's overrides first and the
defaults below second. Configuration is ``ExecKitConfig.error_policy``.

One rule is not overridable: insufficient balance/margin and a position or leverage limit are
never resent as-is (the brief's "never resend the same size"); mapping them to backoff or
reconcile is a configuration error.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from nautilus_exec_kit.core.errors import ConfigurationError, UnknownConfigKey
from nautilus_exec_kit.core.policy.actions import Action
from nautilus_exec_kit.core.policy.backoff import BackoffSchedule
from nautilus_exec_kit.core.policy.codes import BINANCE_CODES, ErrorCategory
from nautilus_exec_kit.core.policy.reasons import RejectReason

_C, _A = ErrorCategory, Action

DEFAULT_CATEGORY_ACTIONS: Final[Mapping[ErrorCategory, Action]] = MappingProxyType(
    {
        _C.INSUFFICIENT_FUNDS: _A.SKIP,
        _C.POSITION_LIMIT: _A.SKIP,
        _C.WOULD_TAKE: _A.SKIP,
        _C.WOULD_TRIGGER: _A.SKIP,
        _C.FILTER: _A.SKIP,
        _C.ORDER_REJECTED: _A.SKIP,
        _C.NOT_FOUND: _A.SKIP,
        _C.TRADING_STATE: _A.SKIP,
        _C.OTHER_ENDPOINT: _A.SKIP,
        _C.UNCLASSIFIED: _A.SKIP,
        _C.RATE_LIMIT: _A.BACKOFF,
        _C.LOCAL_RATE_LIMIT: _A.BACKOFF,
        _C.TRANSIENT: _A.BACKOFF,
        _C.TIMESTAMP: _A.BACKOFF,
        _C.UNKNOWN_STATUS: _A.RECONCILE,
        _C.ACCOUNT_REDUCE_ONLY: _A.REDUCE_ONLY,
        _C.SYMBOL_REDUCE_ONLY: _A.REDUCE_ONLY,
        _C.SYMBOL_STATUS: _A.STOP_INSTRUMENT,
        _C.INVALID_SYMBOL: _A.FAIL_FAST,
        _C.ALGO_API: _A.FAIL_FAST,
        _C.POSITION_MODE: _A.FAIL_FAST,
        _C.PARAM_MISUSE: _A.FAIL_FAST,
        _C.AUTH: _A.FAIL_FAST,
        _C.ACCOUNT_STATE: _A.FAIL_FAST,
        _C.IP_BAN: _A.HALT,
    }
)

#: Why each default is what it is (rendered into docs/error_policy.md and log lines).
CATEGORY_WHY: Final[Mapping[ErrorCategory, str]] = MappingProxyType(
    {
        _C.INSUFFICIENT_FUNDS: "the same size would fail again; resize in the strategy",
        _C.POSITION_LIMIT: "the position or leverage limit is reached: the same order fails "
        "again; reduce the size or the position",
        _C.WOULD_TAKE: "post-only/FOK semantics: the market moved; reprice in the strategy",
        _C.WOULD_TRIGGER: "the trigger is already in the market; the strategy decides anew",
        _C.FILTER: "instrument filters; the kit's validation should have caught it",
        _C.ORDER_REJECTED: "the venue refused this order; resending it changes nothing",
        _C.NOT_FOUND: "the order is already gone; its final state arrives by itself",
        _C.TRADING_STATE: "the trader is halted/reducing on purpose",
        _C.OTHER_ENDPOINT: "an answer to a request an order never makes (settings, options, "
        "transfers, queries): dropped, logged",
        _C.UNCLASSIFIED: "unknown text: dropping is safer than a blind resend (logged loudly)",
        _C.RATE_LIMIT: "the request did not execute; slow down and retry",
        _C.LOCAL_RATE_LIMIT: "Nautilus' RiskEngine dropped the order; retry later",
        _C.TRANSIENT: "busy/disconnected: the request did not execute; retry",
        _C.TIMESTAMP: "clock skew/recvWindow: the request did not execute; retry",
        _C.UNKNOWN_STATUS: "the order MAY exist: query first, resend only if it does not",
        _C.ACCOUNT_REDUCE_ONLY: "the account only takes reduce-only orders for now: orders that "
        "would increase exposure are refused locally until a probe passes",
        _C.SYMBOL_REDUCE_ONLY: "this symbol only takes reduce-only orders for now: orders on it "
        "that would increase exposure are refused locally until a probe passes",
        _C.SYMBOL_STATUS: "the symbol is not trading: stop opening on this instrument only; "
        "closing orders still go out",
        _C.INVALID_SYMBOL: "the instrument is wrong for this venue/account",
        _C.ALGO_API: "conditional orders must go through the Algo Order API",
        _C.POSITION_MODE: "the strategy's position mode disagrees with the account's",
        _C.PARAM_MISUSE: "close_position/price_match/flags used the way Binance refuses",
        _C.AUTH: "keys, signature or permissions are wrong; retrying risks a lock-out",
        _C.ACCOUNT_STATE: "the futures account itself cannot trade",
        _C.IP_BAN: "HTTP 418: every request extends the ban; stop until it ends",
    }
)

#: What a fail-fast message tells the author to change.
FAIL_FAST_HINTS: Final[Mapping[ErrorCategory, str]] = MappingProxyType(
    {
        _C.INVALID_SYMBOL: "check the instrument ID and that the account type lists it",
        _C.ALGO_API: "conditional orders (STOP/TP/TRAILING) need the adapter's Algo Order API "
        "path: upgrade/configure the Binance exec client, or send plain LIMIT/MARKET",
        _C.POSITION_MODE: "set ExecKitConfig.position_mode to the account's mode (ONE_WAY uses "
        "-BOTH, HEDGE uses -LONG/-SHORT) and match the adapter's use_reduce_only",
        _C.PARAM_MISUSE: "close_position only on STOP_MARKET/TAKE_PROFIT_MARKET without "
        "reduce_only/quantity; price_match only on LIMIT without post_only/display_qty",
        _C.AUTH: "check API key/secret, IP whitelist and futures trading permission",
        _C.ACCOUNT_STATE: "activate the futures account (transfer any amount into the futures "
        "wallet) and check that the account type is the one the node trades",
    }
)

#: Categories whose orders are never resent as-is, whatever the overrides say, and why.
NEVER_RESEND: Final[Mapping[ErrorCategory, str]] = MappingProxyType(
    {
        _C.INSUFFICIENT_FUNDS: "resending the same size after insufficient balance/margin "
        "fails again",
        _C.POSITION_LIMIT: "resending after a position or leverage limit (-2027/-2028) fails "
        "again and only adds rejects",
    }
)

_RESENDING: Final = frozenset({_A.BACKOFF, _A.RECONCILE})

DEFAULT_BACKOFF: Final[Mapping[ErrorCategory, BackoffSchedule]] = MappingProxyType(
    {
        # Binance rate limits are per minute: start at 1 s, allow up to a minute between tries
        _C.RATE_LIMIT: BackoffSchedule(initial_ms=1_000, max_ms=60_000, max_attempts=6),
        _C.LOCAL_RATE_LIMIT: BackoffSchedule(initial_ms=1_000, max_ms=10_000, max_attempts=5),
        _C.TRANSIENT: BackoffSchedule(initial_ms=500, max_ms=10_000, max_attempts=5),
        _C.TIMESTAMP: BackoffSchedule(initial_ms=1_000, max_ms=5_000, max_attempts=3),
        # a resend after a reconcile proved the order absent
        _C.UNKNOWN_STATUS: BackoffSchedule(initial_ms=1_000, max_ms=10_000, max_attempts=3),
    }
)


def _action(value: str, key: str) -> Action:
    try:
        return Action(value.strip().lower())
    except ValueError:
        raise ConfigurationError(
            f"error_policy[{key!r}]={value!r} is not an action; use one of "
            f"{', '.join(a.value for a in Action)}"
        ) from None


@attrs.frozen
class ErrorPolicy:
    """Which action each reject gets, and the knobs of those actions.

    Build it with :meth:`default`, :meth:`from_config` or :meth:`with_overrides`::

        policy = ErrorPolicy.default().with_overrides({"-2019": "fail_fast", "rate_limit": "halt"})
    """

    category_actions: Mapping[ErrorCategory, Action] = DEFAULT_CATEGORY_ACTIONS
    code_actions: Mapping[int, Action] = attrs.field(factory=lambda: MappingProxyType({}))
    backoff: Mapping[ErrorCategory, BackoffSchedule] = DEFAULT_BACKOFF
    default_backoff: BackoffSchedule = attrs.field(factory=BackoffSchedule)
    #: how long to wait for the order's real state after a query (reconcile)
    reconcile_wait_ms: int = 2_000
    #: how long to halt after a 418 whose message names no ban end
    ban_default_ms: int = 120_000
    breaker_threshold: int = 10
    breaker_window_ms: int = 60_000
    breaker_halt_ms: int = 60_000
    #: ``BinanceExecClientConfig.max_retries`` of the live node: those attempts are already spent
    #: for codes the adapter retries itself, so the kit does not retry twice
    adapter_max_retries: int = 0
    #: seed of the jitter RNG (identical runs, identical delays)
    seed: int = 0
    #: reduce-only mode: how long after it began (strategy clock) the next order that would
    #: increase exposure is let through as a probe; 0: no automatic probe
    reduce_only_probe_ms: int = 300_000
    #: a probe the venue refuses again doubles the wait, up to this
    reduce_only_probe_max_ms: int = 3_600_000

    def __attrs_post_init__(self) -> None:
        for category, why in NEVER_RESEND.items():
            if self.category_actions.get(category) in _RESENDING:
                raise ConfigurationError(
                    f"error_policy[{category.value!r}] cannot be backoff/reconcile: {why}; use "
                    "skip, fail_fast or halt"
                )
        for code, action in self.code_actions.items():
            info = BINANCE_CODES.get(code)
            if info is not None and info.category in NEVER_RESEND and action in _RESENDING:
                raise ConfigurationError(
                    f"error_policy['{code}']={action.value!r}: {info.meaning!r} is never resent "
                    f"as-is ({NEVER_RESEND[info.category]}); use skip, fail_fast or halt"
                )
        if not 0 <= self.reduce_only_probe_ms <= self.reduce_only_probe_max_ms:
            raise ConfigurationError(
                f"reduce_only_probe_ms={self.reduce_only_probe_ms} must be >= 0 (0: no automatic "
                f"probe) and <= reduce_only_probe_max_ms={self.reduce_only_probe_max_ms}"
            )

    @classmethod
    def default(cls) -> ErrorPolicy:
        """The zero-configuration policy (see docs/error_policy.md)."""
        return cls()

    @classmethod
    def from_config(cls, config: Any) -> ErrorPolicy:
        """The default policy with ``config.error_policy`` applied (``ExecKitConfig``)."""
        overrides = getattr(config, "error_policy", None) or {}
        return cls.default().with_overrides(overrides)

    def with_overrides(self, overrides: Mapping[str, str]) -> ErrorPolicy:
        """Apply ``{"-2019": "skip", "rate_limit": "backoff"}``-style overrides.

        Raises
        ------
        UnknownConfigKey
            A key is neither an integer code nor a category name.
        ConfigurationError
            A value is not an action, or an override would resend after insufficient funds.
        """
        categories = dict(self.category_actions)
        codes = dict(self.code_actions)
        for raw_key, value in overrides.items():
            key = str(raw_key).strip()
            action = _action(str(value), key)
            try:
                codes[int(key)] = action
                continue
            except ValueError:
                pass
            try:
                categories[ErrorCategory(key.lower())] = action
            except ValueError:
                raise UnknownConfigKey(
                    f"error_policy key {key!r} is neither a Binance code (e.g. '-2019') nor a "
                    f"category ({', '.join(c.value for c in ErrorCategory)})"
                ) from None
        return attrs.evolve(
            self,
            category_actions=MappingProxyType(categories),
            code_actions=MappingProxyType(codes),
        )

    def action_for(self, reason: RejectReason) -> Action:
        """The action for a parsed reason: code override, then category."""
        if reason.code is not None and reason.code in self.code_actions:
            return self.code_actions[reason.code]
        return self.category_actions.get(reason.category, Action.SKIP)

    def backoff_for(self, reason: RejectReason) -> BackoffSchedule:
        """The backoff schedule of the reason's category (or the default one)."""
        return self.backoff.get(reason.category, self.default_backoff)

    def why(self, reason: RejectReason) -> str:
        """One phrase explaining the default for this reason's category."""
        return CATEGORY_WHY.get(reason.category, "")


__all__ = [
    "CATEGORY_WHY",
    "DEFAULT_BACKOFF",
    "DEFAULT_CATEGORY_ACTIONS",
    "FAIL_FAST_HINTS",
    "NEVER_RESEND",
    "ErrorPolicy",
]
