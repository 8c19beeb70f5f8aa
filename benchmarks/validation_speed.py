"""Cost of the pre-trade checks alone (no Strategy): the core's OrderValidator.check, the v1
binding's coercion, intents.

Prints one row per path (best of 5 repeats, microseconds per call); the last line is
machine-readable: ``check_limit_us=... check_market_us=... check_stop_us=... intent_us=...``.
Run: ``.venv/bin/python benchmarks/validation_speed.py``.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from decimal import Decimal

from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider

from nautilus_exec_kit.core.capabilities import capabilities_for
from nautilus_exec_kit.core.intent import MarketSnapshot, OrderIntent
from nautilus_exec_kit.core.validator import OrderValidator
from nautilus_exec_kit.core.vocab import OrderSide, OrderType, TrailingOffsetType
from nautilus_exec_kit.validation import coerce_price, coerce_quantity, rules_of

NUMBER = 20_000


def _us(fn: Callable[[], object]) -> float:
    return min(timeit.repeat(fn, number=NUMBER, repeat=5)) / NUMBER * 1e6


def main() -> None:
    rules = rules_of(TestInstrumentProvider.btcusdt_perp_binance())
    validator = OrderValidator(rules, capabilities_for("USDT_FUTURES"))
    market = MarketSnapshot(bid=49999.9, ask=50000.0, last=50000.0, mark=50001.0)
    qty, price = Quantity.from_str("0.010").raw, Price.from_str("49000.0").raw
    limit = OrderIntent(OrderType.LIMIT, OrderSide.BUY, qty, price)
    market_order = OrderIntent(OrderType.MARKET, OrderSide.BUY, qty)
    stop = OrderIntent(OrderType.STOP_MARKET, OrderSide.SELL, qty, trigger_price=price)
    trailing = OrderIntent(
        OrderType.TRAILING_STOP_MARKET,
        OrderSide.SELL,
        qty,
        trailing_offset=Decimal(100),
        trailing_offset_type=TrailingOffsetType.BASIS_POINTS,
    )
    rows = {
        "check_limit": _us(lambda: validator.check(limit, market)),
        "check_market": _us(lambda: validator.check(market_order, market)),
        "check_stop": _us(lambda: validator.check(stop, market)),
        "check_trailing": _us(lambda: validator.check(trailing, market)),
        "coerce_price_float": _us(lambda: coerce_price(rules, 49000.1)),
        "coerce_quantity_str": _us(lambda: coerce_quantity(rules, "0.010")),
        "intent": _us(lambda: OrderIntent(OrderType.LIMIT, OrderSide.BUY, qty, price)),
    }
    for name, value in rows.items():
        print(f"{name:<24}{value:>8.2f} us")
    print(" ".join(f"{name}_us={value:.2f}" for name, value in rows.items()))


if __name__ == "__main__":
    main()
