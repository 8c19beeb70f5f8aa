"""Symbols for the sandbox: real USDT-M perpetuals with Binance's filters, and made-up ones.

Real users run tens of symbols, and a strategy that trades one symbol right can still trip over
another symbol's filters (DOGE's 1-unit step, SOL's 5 USDT minimum notional, XRP's 0.0001 tick).
So the sandbox lists any number of symbols, each with its own filters, price path, leverage
brackets and funding:

    from nautilus_exec_kit.sandbox import SandboxConfig
    from nautilus_exec_kit.sandbox.symbols import universe

    config = SandboxConfig(symbols=universe(20))   # the presets below, then synthetic ones

:data:`PRESETS` are real symbols as Binance's ``exchangeInfo`` listed them (a snapshot: Binance
changes filters, brackets and funding intervals now and then; build a :class:`SymbolSpec` from a
saved answer with :func:`from_exchange_info` to use today's). :func:`synthetic` makes ``n``
symbols with Binance-like filters at prices from fractions of a cent to thousands of dollars, some
of them funding every 4 h or 1 h, all from one seed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

from nautilus_exec_kit.core.perpetuals import BTCUSDT_BRACKETS, Bracket, brackets_from_binance
from nautilus_exec_kit.sandbox._config import FundingSpec, PriceProcess, SymbolSpec


def _tiers(*rows: tuple[int, int, int, str]) -> tuple[Bracket, ...]:
    return tuple(Bracket(floor, cap, lev, mmr) for floor, cap, lev, mmr in rows)


#: ETHUSDT's tiers (notional floor, cap, max leverage, maintenance margin rate).
ETHUSDT_BRACKETS: Final = _tiers(
    (0, 50_000, 125, "0.004"), (50_000, 600_000, 100, "0.005"),
    (600_000, 3_000_000, 75, "0.0065"), (3_000_000, 12_000_000, 50, "0.01"),
    (12_000_000, 50_000_000, 25, "0.02"), (50_000_000, 65_000_000, 20, "0.025"),
    (65_000_000, 150_000_000, 10, "0.05"), (150_000_000, 320_000_000, 5, "0.1"),
    (320_000_000, 400_000_000, 4, "0.125"), (400_000_000, 530_000_000, 3, "0.15"),
    (530_000_000, 800_000_000, 2, "0.25"), (800_000_000, 1_200_000_000, 1, "0.5"),
)
#: The tier shape Binance gives large altcoins (75x at the first tier).
LARGE_ALT_BRACKETS: Final = _tiers(
    (0, 5_000, 75, "0.005"), (5_000, 50_000, 50, "0.01"), (50_000, 250_000, 25, "0.02"),
    (250_000, 1_000_000, 20, "0.025"), (1_000_000, 5_000_000, 10, "0.05"),
    (5_000_000, 10_000_000, 5, "0.1"), (10_000_000, 15_000_000, 4, "0.125"),
    (15_000_000, 25_000_000, 3, "0.15"), (25_000_000, 50_000_000, 2, "0.25"),
    (50_000_000, 100_000_000, 1, "0.5"),
)
#: The tier shape of small listings (20x at most).
SMALL_CAP_BRACKETS: Final = _tiers(
    (0, 5_000, 20, "0.025"), (5_000, 25_000, 10, "0.05"), (25_000, 100_000, 5, "0.1"),
    (100_000, 250_000, 4, "0.125"), (250_000, 1_000_000, 2, "0.25"),
    (1_000_000, 3_000_000, 1, "0.5"),
)


def _alt(symbol: str, tick: str, step: str, max_qty: str, market_max: str, notional: str,
         min_price: str, max_price: str, start: str, price_precision: int,
         liquidation_fee: str = "0.015") -> SymbolSpec:
    return SymbolSpec(
        symbol=symbol, base_asset=symbol.removesuffix("USDT"), tick_size=Decimal(tick),
        step_size=Decimal(step), min_qty=Decimal(step), max_qty=Decimal(max_qty),
        market_max_qty=Decimal(market_max), min_notional=Decimal(notional),
        min_price=Decimal(min_price), max_price=Decimal(max_price), start_price=Decimal(start),
        price_precision=price_precision, level_qty=Decimal(step) * 1000,
        brackets=LARGE_ALT_BRACKETS, liquidation_fee=Decimal(liquidation_fee),
    )


#: Real USDT-M perpetuals with the filters Binance's exchangeInfo listed for them (a snapshot).
PRESETS: Final[Mapping[str, SymbolSpec]] = {spec.symbol: spec for spec in (
    SymbolSpec(),  # BTCUSDT
    SymbolSpec(symbol="ETHUSDT", base_asset="ETH", tick_size=Decimal("0.01"),
               step_size=Decimal("0.001"), min_qty=Decimal("0.001"), max_qty=Decimal("10000"),
               market_max_qty=Decimal("2000"), min_notional=Decimal("20"),
               min_price=Decimal("39.86"), max_price=Decimal("306177"),
               start_price=Decimal("3000"), level_qty=Decimal("50"), brackets=ETHUSDT_BRACKETS),
    _alt("SOLUSDT", "0.0100", "1", "1000000", "5000", "5", "0.4200", "6857", "150", 4),
    _alt("BNBUSDT", "0.010", "0.01", "100000", "2000", "5", "6.600", "100000", "600", 3),
    _alt("XRPUSDT", "0.0001", "0.1", "10000000", "2000000", "5", "0.0143", "100000", "0.6000", 4),
    _alt("DOGEUSDT", "0.000010", "1", "50000000", "30000000", "5", "0.002440", "30",
         "0.150000", 6),
    _alt("ADAUSDT", "0.00010", "1", "10000000", "1000000", "5", "0.01720", "15", "0.45000", 5),
    _alt("LINKUSDT", "0.001", "0.01", "1000000", "10000", "20", "0.460", "200000", "15.000", 3),
    _alt("LTCUSDT", "0.01", "0.001", "100000", "5000", "20", "3.61", "100000", "80.00", 2),
    _alt("AVAXUSDT", "0.0010", "1", "1000000", "10000", "5", "0.3500", "100000", "30.0000", 4),
)}


def preset(name: str, **changes: Any) -> SymbolSpec:
    """The preset called ``name`` (e.g. ``"ETHUSDT"``), optionally with fields changed."""
    import attrs

    spec = PRESETS[name.upper()]
    return attrs.evolve(spec, **changes) if changes else spec


def _grid(price: float, significant: int) -> Decimal:
    """A power-of-ten grid that writes ``price`` with ``significant`` digits (plain notation:
    exchangeInfo shows ``0.0000001``, never ``1E-7``)."""
    return Decimal(format(Decimal(1).scaleb(math.floor(math.log10(price)) - significant + 1), "f"))


#: Funding intervals of synthetic symbols, by index: Binance funds most symbols every 8 h and
#: some every 4 h or 1 h; every 5th synthetic symbol funds every 4 h, every 10th every 1 h.
def _interval_hours(index: int) -> int:
    return 1 if index % 10 == 9 else 4 if index % 5 == 4 else 8


def synthetic(n: int, seed: int = 0, *, prefix: str = "SYN") -> tuple[SymbolSpec, ...]:
    """``n`` made-up perpetuals with Binance-like filters, the same ones for the same seed.

    Prices spread log-uniformly from 0.001 to 5 000 USDT; the tick writes the price with five
    significant digits and the step makes the 5 USDT minimum notional a few hundred steps, as on
    Binance. Volatility varies from 1 to 4 bps per step; funding intervals are mostly 8 h, some
    4 h or 1 h, with rates around +1 bp (``FundingSpec``).
    """
    rng = random.Random(f"sandbox-synthetic:{seed}")
    specs = []
    for i in range(n):
        price = 10 ** rng.uniform(-3, math.log10(5000))
        tick = _grid(price, 5)
        step = max(_grid(5 / price / 100, 1), Decimal("0.001"))
        start = (Decimal(repr(price)) / tick).to_integral_value() * tick
        name = f"{prefix}{i + 1:03d}"
        specs.append(SymbolSpec(
            symbol=f"{name}USDT", base_asset=name, tick_size=tick, step_size=step,
            min_qty=step, max_qty=step * 10_000_000, market_max_qty=step * 1_000_000,
            min_notional=Decimal(5), min_price=tick, max_price=start * 1000,
            percent_up=Decimal("1.15"), percent_down=Decimal("0.85"),
            start_price=start, level_qty=step * 1000,
            brackets=LARGE_ALT_BRACKETS if i % 2 == 0 else SMALL_CAP_BRACKETS,
            prices=PriceProcess(volatility_bps=round(rng.uniform(1, 4), 2), mark_basis_bps=0.5),
            funding=FundingSpec(interval_hours=_interval_hours(i),
                                rates=(Decimal(str(round(rng.uniform(-0.5, 2.0) / 10_000, 6))),)),
        ))
    return tuple(specs)


def universe(n: int, seed: int = 0) -> tuple[SymbolSpec, ...]:
    """``n`` symbols: the real presets first (BTCUSDT, ETHUSDT, SOLUSDT, ...), then synthetic."""
    real = tuple(PRESETS.values())[:n]
    return real + synthetic(n - len(real), seed)


#: One symbol's brackets from its saved ``leverageBracket`` rows (the core's reader).
brackets_from_rows = brackets_from_binance


def from_exchange_info(row: Mapping[str, Any], *, start_price: Decimal | str | None = None,
                       brackets: Sequence[Mapping[str, Any]] | None = None,
                       funding: FundingSpec | None = None) -> SymbolSpec:
    """A :class:`SymbolSpec` from one ``symbols`` entry of a saved ``exchangeInfo`` answer.

    ``brackets``: that symbol's ``leverageBracket`` rows (BTCUSDT's tiers when not given);
    ``start_price``: where its walk starts (default: the middle of its price filter's range on a
    log scale, which is a poor guess: give the price of the day).
    """
    filters = {f["filterType"]: f for f in row.get("filters", ())}
    price, lot = filters["PRICE_FILTER"], filters["LOT_SIZE"]
    market = filters.get("MARKET_LOT_SIZE", lot)
    percent = filters.get("PERCENT_PRICE", {})
    notional = filters.get("MIN_NOTIONAL", {}).get("notional", "5")
    tick = Decimal(price["tickSize"])
    if start_price is None:
        low, high = float(price["minPrice"]), float(price["maxPrice"])
        start_price = (Decimal(repr(math.sqrt(low * high))) / tick).to_integral_value() * tick
    spec_brackets = brackets_from_rows(brackets) if brackets else BTCUSDT_BRACKETS
    return SymbolSpec(
        symbol=row["symbol"], base_asset=row.get("baseAsset", row["symbol"].removesuffix("USDT")),
        tick_size=tick, step_size=Decimal(lot["stepSize"]), min_qty=Decimal(lot["minQty"]),
        max_qty=Decimal(lot["maxQty"]), market_max_qty=Decimal(market["maxQty"]),
        min_notional=Decimal(notional), min_price=Decimal(price["minPrice"]),
        max_price=Decimal(price["maxPrice"]),
        percent_up=Decimal(percent.get("multiplierUp", "1.05")),
        percent_down=Decimal(percent.get("multiplierDown", "0.95")),
        price_precision=row.get("pricePrecision"), quantity_precision=row.get("quantityPrecision"),
        start_price=Decimal(start_price), level_qty=Decimal(lot["stepSize"]) * 1000,
        brackets=spec_brackets,
        liquidation_fee=Decimal(row.get("liquidationFee", "0.0125")),
        funding=funding or FundingSpec(),
    )


__all__ = [
    "ETHUSDT_BRACKETS",
    "LARGE_ALT_BRACKETS",
    "PRESETS",
    "SMALL_CAP_BRACKETS",
    "brackets_from_rows",
    "from_exchange_info",
    "preset",
    "synthetic",
    "universe",
]
