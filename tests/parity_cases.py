"""What both bindings must agree on, as plain values (no Nautilus import): the orders the kit
accepts and refuses on the same instrument and market, the policy's decisions on the same
injected rejects, and the market both example-strategy backtests trade on.

``tests/test_parity.py`` runs it on NautilusTrader 1.231, ``tests/v2/test_parity.py`` on 2.x;
each case names the error class the kit must raise (``None``: sent).
"""

from __future__ import annotations

import random
from typing import Any, Final, NamedTuple


class Case(NamedTuple):
    name: str
    helper: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    refused_with: str | None  # the OrderValidationError subclass, or None when sent
    mode: str = "ONE_WAY"


#: The exchangeInfo symbol entry the parity instrument carries in ``info``, where Binance's
#: adapter keeps it: BTCUSDT's filters, market-type orders at most 120 BTC (MARKET_LOT_SIZE)
#: where LOT_SIZE allows 1000. Each runner builds its generation's BTCUSDT-PERP with it.
INSTRUMENT_INFO: Final[dict[str, Any]] = {"symbol": "BTCUSDT", "filters": [
    {"filterType": "PRICE_FILTER", "minPrice": "261.10", "maxPrice": "809484", "tickSize": "0.10"},
    {"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "1000", "stepSize": "0.001"},
    {"filterType": "MARKET_LOT_SIZE", "minQty": "0.001", "maxQty": "120", "stepSize": "0.001"},
    {"filterType": "MIN_NOTIONAL", "notional": "10"},
]}

#: Sides are names ("BUY" / "SELL"), numbers are strings; the market is bid 50000.0 / ask 50000.1.
CASES: Final[list[Case]] = [
    Case("limit", "submit_limit", ("BUY", "0.010", "49000.0"), {}, None),
    Case("limit off tick", "submit_limit", ("BUY", "0.010", "49000.05"), {}, "PriceTooPrecise"),
    Case("qty off step", "submit_limit", ("BUY", "0.0105", "49000.0"), {}, "QuantityTooPrecise"),
    Case("qty above max", "submit_limit", ("BUY", "1001.000", "49000.0"), {},
         "QuantityOutOfRange"),
    Case("notional too small", "submit_limit", ("BUY", "0.001", "5000.0"), {},
         "NotionalTooSmall"),
    Case("price below min", "submit_limit", ("BUY", "0.010", "100.0"), {}, "PriceOutOfRange"),
    Case("post-only IOC", "submit_limit", ("BUY", "0.010", "49000.0"),
         {"post_only": True, "time_in_force": "IOC"}, "UnsupportedTimeInForce"),
    Case("GTD without expiry", "submit_limit", ("BUY", "0.010", "49000.0"),
         {"time_in_force": "GTD"}, "InvalidExpireTime"),
    Case("market", "submit_market", ("BUY", "0.010"), {}, None),
    Case("margin", "submit_market", ("BUY", "5.000"), {}, "InsufficientMargin"),
    Case("stop below market", "submit_stop_market", ("SELL", "0.010", "49900.0"), {}, None),
    Case("stop would fire", "submit_stop_market", ("BUY", "0.010", "49900.0"), {},
         "TriggerPriceError"),
    Case("take profit", "submit_take_profit", ("SELL", "0.010", "50100.0"), {}, None),
    Case("stop limit", "submit_stop_limit", ("BUY", "0.010", "50200.0", "50100.0"), {}, None),
    Case("close_position + reduce_only", "submit_stop_market", ("SELL", None, "49900.0"),
         {"close_position": True, "reduce_only": True}, "ParamError"),
    Case("trailing 1001 bps", "submit_trailing_stop", ("SELL", "0.010", 1001), {},
         "TrailingOffsetError"),
    # MARKET_LOT_SIZE (INSTRUMENT_INFO): market-type orders above 120 never leave; a limit of
    # the same size is sent (reduce-only: a 150 BTC entry would not fit the margin).
    Case("market above the market max", "submit_market", ("SELL", "120.001"), {},
         "MarketQuantityOutOfRange"),
    Case("market at the market max", "submit_market", ("SELL", "120.000"),
         {"reduce_only": True}, None),
    Case("stop above the market max", "submit_stop_market", ("SELL", "150.000", "49900.0"), {},
         "MarketQuantityOutOfRange"),
    Case("take profit above the market max", "submit_take_profit",
         ("SELL", "150.000", "50100.0"), {}, "MarketQuantityOutOfRange"),
    Case("trailing above the market max", "submit_trailing_stop", ("SELL", "150.000", 100), {},
         "MarketQuantityOutOfRange"),
    Case("limit above the market max", "submit_limit", ("SELL", "150.000", "50100.0"),
         {"reduce_only": True}, None),
    Case("stop limit above the market max", "submit_stop_limit",
         ("SELL", "150.000", "49800.0", "49900.0"), {"reduce_only": True}, None),
    Case("reduce-only in hedge mode", "submit_market", ("SELL", "0.010"),
         {"reduce_only": True, "position_side": "LONG"}, "PositionModeViolation", "HEDGE"),
    Case("hedge leg", "submit_market", ("BUY", "0.010"), {"position_side": "LONG"}, None,
         "HEDGE"),
]

#: Injected rejects (the core's SPEC), one per policy action, on the n-th MARKET submit.
REJECT_SPEC: Final = "-1003@nth=1,type=MARKET;-2019@nth=2,type=MARKET;-1007@nth=3,type=MARKET"
#: ``(action, reason key)`` of the decisions the spec must lead to, in order, for a strategy
#: that sends one MARKET order every 10th quote.
EXPECTED_DECISIONS: Final = [
    ("backoff", "-1003"),
    ("skip", "-2019"),
    ("reconcile", "-1007"),
    ("reconcile", "-1007"),  # the check: the venue does not have it, a fresh order goes
]


def random_walk_bids(n: int, seed: int = 7, start: float = 50_000.0) -> list[float]:
    """A seeded random walk with slow trend regimes (so trend strategies trade)."""
    rng = random.Random(seed)
    bid = start
    drift = 0.0
    bids = []
    for i in range(n):
        if i % 400 == 0:
            drift = rng.choice([-1.5, 0.0, 1.5])
        bid = max(1_000.0, bid + drift + rng.gauss(0.0, 6.0))
        bids.append(round(bid, 1))
    return bids


#: Reduce-only mode and an instrument stop, on both generations: at each quote number a step
#: ("buy": a MARKET BUY 0.010; "buy:<tag>": the same, tagged for the injector; "close":
#: close_long; "resume": resume_instrument), injected by tag so that only the named orders are
#: refused. The strategy's ``reduce_only_probe_ms`` is RESTRICTION_PROBE_MS (quotes are 100 ms
#: apart: the probe may go from quote 50).
RESTRICTION_PROBE_MS: Final = 3_000
RESTRICTION_SPEC: Final = "-4400@tag=ro;-4141@tag=stop"
RESTRICTION_SCRIPT: Final[list[tuple[int, str]]] = [
    (10, "buy"),  # filled: long 0.010
    (20, "buy:ro"),  # -4400: the account enters reduce-only mode
    (30, "buy"),  # would increase exposure: refused locally, never sent
    (40, "close"),  # a reduce-only close goes out (flat)
    (45, "buy"),  # still before the probe time: refused
    (60, "buy"),  # the probe: the venue takes it, the mode ends
    (70, "buy:stop"),  # -4141: this instrument is stopped
    (80, "buy"),  # refused locally
    (90, "close"),  # a close still goes out (flat)
    (100, "resume"),
    (110, "buy"),  # sent again
]
#: What each step gave: "sent", the error class it raised, or resume_instrument's count.
EXPECTED_RESTRICTION_OUTCOMES: Final[dict[int, object]] = {
    10: "sent",
    20: "sent",
    30: "ReduceOnlyModeActive",
    40: "sent",
    45: "ReduceOnlyModeActive",
    60: "sent",
    70: "sent",
    80: "InstrumentStopped",
    90: "sent",
    100: 1,
    110: "sent",
}
EXPECTED_RESTRICTION_DECISIONS: Final = [("reduce_only", "-4400"), ("stop_instrument", "-4141")]
#: ``(kind, scope is the account, active)`` of each on_trading_restriction call, in order.
EXPECTED_RESTRICTION_STATES: Final = [
    ("reduce_only", True, True),
    ("reduce_only", True, False),
    ("stopped", False, True),
    ("stopped", False, False),
]


def run_restriction_step(strategy: Any, step: str, instrument_id: Any, buy: Any) -> object:
    """One step of RESTRICTION_SCRIPT on a kit strategy of either generation (``buy``: that
    generation's OrderSide.BUY): "sent", the name of the refusal it raised, or a count."""
    try:
        if step == "resume":
            return strategy.resume_instrument(instrument_id)
        if step == "close":
            strategy.close_long(instrument_id)
        else:
            _, _, tag = step.partition(":")
            strategy.submit_market(instrument_id, buy, "0.010", tags=[tag] if tag else None)
    except Exception as error:  # a SubmissionBlocked refusal (any other error fails the case)
        return type(error).__name__
    return "sent"


#: The kit's counters at the end: no restriction left, three orders refused for them.
EXPECTED_RESTRICTION_STATS: Final = {
    "reduce_only_mode": 0,
    "instruments_stopped": 0,
    "refused_restricted": 3,
}
