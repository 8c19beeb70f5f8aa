"""``close_position`` and ``price_match``: validated the way the Binance adapter does it.

The live adapter reads two keys from ``submit_order(..., params=...)``
(``BinanceCommonExecutionClient._extract_price_match`` / ``_extract_close_position``) and denies
the order pre-submit (``OrderDenied``) on misuse. The backtest venue ignores both keys silently,
so a strategy that misuses them only finds out live. These rules mirror the adapter's, in the
adapter's order, and add what Binance itself refuses (hedge-mode side of a close).

Adapter denial -> kit error (all :class:`~nautilus_exec_kit.errors.ParamError`):

========================================================================  ======================
adapter reason                                                            kit check
========================================================================  ======================
``UNSUPPORTED: `price_match` is only supported for Binance futures ...``  profile has no types
``INVALID_ARG: `price_match` must be provided as a string value``         :func:`parse_params`
``INVALID_ARG: `price_match` value 'X' is not one of [...]``              value not in table
``UNSUPPORTED: `price_match` cannot be combined with post-only ...``      post_only
``UNSUPPORTED: `price_match` cannot be combined with iceberg/display...`` display_qty
``UNSUPPORTED: `price_match` is not supported for order type X ...``      type not in table
``UNSUPPORTED: `close_position` is only supported for Binance futures``   profile has no types
``INVALID_ARG: `close_position` must be provided as a bool value``        :func:`parse_params`
``UNSUPPORTED: `close_position` is not supported for order type X ...``   type not in table
``INVALID_ARG: `close_position` cannot be combined with `reduce_only```   reduce_only
========================================================================  ======================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from nautilus_exec_kit.core.errors import ParamError
from nautilus_exec_kit.core.vocab import OrderSide, PositionSide

if TYPE_CHECKING:
    from nautilus_exec_kit.core.capabilities import VenueCapabilities
    from nautilus_exec_kit.core.intent import OrderIntent

#: Binance ``priceMatch`` values; equal to the adapter's ``BINANCE_PRICE_MATCH_VALUES``.
PRICE_MATCH_VALUES: Final[frozenset[str]] = frozenset(
    {
        "OPPONENT",
        "OPPONENT_5",
        "OPPONENT_10",
        "OPPONENT_20",
        "QUEUE",
        "QUEUE_5",
        "QUEUE_10",
        "QUEUE_20",
    },
)

#: The params keys the Binance adapter reads; anything else it ignores without a word.
KNOWN_PARAM_KEYS: Final[frozenset[str]] = frozenset({"close_position", "price_match"})

# Misspellings worth naming: Binance's REST names are what people copy from its docs.
_KEY_ALIASES: Final[Mapping[str, str]] = {
    "closePosition": "close_position",
    "closeposition": "close_position",
    "priceMatch": "price_match",
    "pricematch": "price_match",
}

# Hedge mode: the side that closes each leg (SELL closes LONG, BUY closes SHORT).
_CLOSING_SIDE: Final[Mapping[PositionSide, OrderSide]] = {
    PositionSide.LONG: OrderSide.SELL,
    PositionSide.SHORT: OrderSide.BUY,
}

_SORTED_VALUES: Final = sorted(PRICE_MATCH_VALUES)


def parse_params(
    params: Mapping[str, Any] | None,
    *,
    allow_unknown: bool = False,
) -> tuple[bool, str | None]:
    """Read ``(close_position, price_match)`` from a submit ``params`` dict, typed.

    Mirrors the adapter: ``None`` values mean "absent", ``close_position`` must be a ``bool``,
    ``price_match`` a ``str`` (upper-cased, as the adapter does). Unlike the adapter, unknown
    keys raise (a ``"closePosition"`` typo would otherwise be silently ignored live and in
    backtest) unless ``allow_unknown=True``.
    """
    if not params:
        return False, None
    if not isinstance(params, Mapping):
        raise ParamError("params", params, "must be a dict", "pass params={'price_match': ...}")
    if not allow_unknown:
        for key in params:
            if key not in KNOWN_PARAM_KEYS:
                real = _KEY_ALIASES.get(key) if isinstance(key, str) else None
                raise ParamError(
                    "params",
                    repr(key),
                    "is not a key the Binance adapter reads (it would be silently ignored)",
                    f"use {real!r}" if real else f"use one of {sorted(KNOWN_PARAM_KEYS)}",
                )
    raw_close = params.get("close_position")
    if raw_close is None:
        close_position = False
    elif isinstance(raw_close, bool):
        close_position = raw_close
    else:
        raise ParamError(
            "close_position",
            repr(raw_close),
            "must be a bool (the adapter denies INVALID_ARG)",
            "pass True or False",
        )
    raw_match = params.get("price_match")
    if raw_match is None:
        price_match = None
    elif isinstance(raw_match, str):
        price_match = raw_match.upper()
    else:
        raise ParamError(
            "price_match",
            repr(raw_match),
            "must be a string (the adapter denies INVALID_ARG)",
            f"use one of {_SORTED_VALUES}",
        )
    return close_position, price_match


def check_params(
    intent: OrderIntent,
    capabilities: VenueCapabilities,
    hedge_mode: bool,
    *,
    position_side: PositionSide | None = None,
) -> None:
    """Raise :class:`ParamError` if ``close_position`` / ``price_match`` misuse ``intent``.

    ``position_side`` is the hedge-mode leg the order is sent for (``LONG`` / ``SHORT``, from
    the ``-LONG`` / ``-SHORT`` position ID); a close must trade against that leg.
    """
    if intent.price_match is not None:
        _check_price_match(intent, capabilities)
    if intent.close_position:
        _check_close_position(intent, capabilities, hedge_mode, position_side)


def _check_price_match(intent: OrderIntent, caps: VenueCapabilities) -> None:
    value = intent.price_match
    otype = intent.order_type
    if not caps.price_match_types:
        raise ParamError(
            "price_match", value, f"{caps.name} has no price match", "use a plain limit price"
        )
    if not isinstance(value, str):
        raise ParamError(
            "price_match", repr(value), "must be a string", f"use one of {_SORTED_VALUES}"
        )
    if value.upper() not in PRICE_MATCH_VALUES:
        raise ParamError(
            "price_match",
            value,
            "is not a Binance priceMatch value",
            f"use one of {_SORTED_VALUES}",
        )
    if intent.post_only:
        raise ParamError(
            "price_match",
            value,
            "cannot be combined with post_only",
            "drop post_only (QUEUE keeps the order on its own side of the book)",
        )
    if intent.display_qty is not None:
        raise ParamError(
            "price_match",
            value,
            "cannot be combined with display_qty (iceberg)",
            "drop display_qty",
        )
    if otype not in caps.price_match_types:
        valid = ", ".join(sorted(t.name for t in caps.price_match_types))
        raise ParamError(
            "price_match",
            value,
            f"not supported for {otype.name} on {caps.name}",
            f"use it on {valid}",
        )


def _check_close_position(
    intent: OrderIntent,
    caps: VenueCapabilities,
    hedge_mode: bool,
    position_side: PositionSide | None,
) -> None:
    otype = intent.order_type
    if not caps.close_position_types:
        raise ParamError(
            "close_position", True, f"{caps.name} has no close-position orders", "size the order"
        )
    if otype not in caps.close_position_types:
        valid = ", ".join(sorted(t.name for t in caps.close_position_types))
        raise ParamError(
            "close_position",
            True,
            f"not supported for {otype.name} on {caps.name}",
            f"use it on {valid} (for a market close, send a sized reduce-only MARKET)",
        )
    if intent.reduce_only:
        raise ParamError(
            "close_position",
            True,
            "cannot be combined with reduce_only",
            "drop reduce_only (close_position already only closes)",
        )
    if hedge_mode and position_side is not None and position_side in _CLOSING_SIDE:
        closing = _CLOSING_SIDE[position_side]
        if intent.side != closing:
            raise ParamError(
                "close_position",
                True,
                f"a {intent.side.name} order cannot close the {position_side.name} leg in "
                "hedge mode",
                f"use side {closing.name} to close {position_side.name}",
            )


def adapter_params(intent: OrderIntent) -> dict[str, Any] | None:
    """The ``params`` dict for ``submit_order(order, params=...)``, or ``None`` when empty.

    Exactly the keys and value types the adapter reads: ``close_position: True`` (bool) and
    ``price_match: "QUEUE_5"`` (upper-case str).
    """
    out: dict[str, Any] = {}
    if intent.close_position:
        out["close_position"] = True
    if intent.price_match is not None:
        out["price_match"] = intent.price_match.upper()
    return out or None


def price_match_offset_ticks(value: str) -> tuple[str, int]:
    """Split a ``priceMatch`` value into (reference side, book level).

    Binance USDT-M semantics (``priceMatch`` in ``POST /fapi/v1/order``):

    * ``OPPONENT`` -> ``("OPPONENT", 1)``: the best price on the *other* side (BUY: best ask);
      a taker-priced limit.
    * ``OPPONENT_5/10/20`` -> ``("OPPONENT", n)``: the n-th price level on the other side.
    * ``QUEUE`` -> ``("QUEUE", 1)``: the best price on the order's *own* side (BUY: best bid),
      joining the queue as a maker.
    * ``QUEUE_5/10/20`` -> ``("QUEUE", n)``: the n-th price level on the own side.

    The number is a *book level* counted from the best (level 1 = best), which on a dense book
    equals ``n - 1`` ticks away from the best; on a sparse book it is further. The newer
    integration guide describes ``_5`` as "up to a 5-tick offset" - that is an approximation;
    an emulator without depth should use ``best -/+ (n - 1) * tick`` (BUY: QUEUE goes down from
    the best bid, OPPONENT goes up from the best ask).
    """
    upper = value.upper()
    if upper not in PRICE_MATCH_VALUES:
        raise ParamError(
            "price_match",
            value,
            "is not a Binance priceMatch value",
            f"use one of {_SORTED_VALUES}",
        )
    side, _, level = upper.partition("_")
    return side, int(level) if level else 1


__all__ = [
    "KNOWN_PARAM_KEYS",
    "PRICE_MATCH_VALUES",
    "adapter_params",
    "check_params",
    "parse_params",
    "price_match_offset_ticks",
]
