"""A deterministic synthetic BTCUSDT-PERP tape: quotes, optional trades and 1-minute bars.

Why synthetic: the kit's demo, tests and benchmarks must run on a fresh clone with no network and
no data files, and give the same fills on every machine. The walk has trend and volatility
*regimes* (a regime lasts a few minutes of ticks) so trend-following example strategies actually
trade instead of chopping on white noise.

Why numpy + ``from_raw_arrays_to_list``: 200 k quotes must build in well under a second; the
Cython list builders create the objects without a Python-level loop. Prices are rounded to the
instrument's tick and sizes to its step *before* they reach Nautilus, because the matching engine
refuses data whose precision differs from the instrument's (``RuntimeError: invalid
tick.bid_price.precision``).

Example::

    tape = synthetic_tape(TapeSpec(ticks=20_000, seed=7, with_bars=True))
    engine.add_data(tape.data())
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
from nautilus_trader.model.data import Bar, BarType, QuoteTick, TradeTick
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.test_kit.providers import TestInstrumentProvider

#: The bar type every kit tape and bar loader produces.
BAR_TYPE_1M = "BTCUSDT-PERP.BINANCE-1-MINUTE-LAST-EXTERNAL"

_NS_PER_MS = 1_000_000
_NS_PER_MINUTE = 60_000_000_000
#: 2024-01-01T00:00:00Z: a fixed start so tapes are identical across runs and machines.
DEFAULT_START_NS = 1_704_067_200_000_000_000


def default_instrument() -> Instrument:
    """The instrument every kit backtest uses: Nautilus' BTCUSDT-PERP.BINANCE test instrument."""
    return TestInstrumentProvider.btcusdt_perp_binance()


def _positive(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be > 0, was {value}")


@attrs.frozen
class TapeSpec:
    """What tape to generate. Two equal specs always give identical tapes.

    ``ticks`` quotes ``interval_ms`` apart start at ``start_ns``; the mid follows a geometric
    random walk with ``vol_bps`` per-tick volatility, switching every ``regime_ticks`` ticks to a
    new regime drawn from (drift in ``{-trend_bps, 0, +trend_bps}``, volatility x ``{0.5, 1, 2}``).
    """

    ticks: int = attrs.field(default=20_000, validator=attrs.validators.ge(1))
    seed: int = 42
    start_ns: int = DEFAULT_START_NS
    interval_ms: int = attrs.field(default=100, validator=attrs.validators.ge(1))
    start_price: float = attrs.field(default=50_000.0, validator=_positive)
    vol_bps: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    trend_bps: float = attrs.field(default=0.05, validator=attrs.validators.ge(0))
    regime_ticks: int = attrs.field(default=3_000, validator=attrs.validators.ge(1))
    with_trades: bool = False
    with_bars: bool = False


@attrs.frozen
class SyntheticTape:
    """The generated data, each list sorted by ``ts_init``."""

    quotes: list[QuoteTick]
    trades: list[TradeTick]
    bars: list[Bar]

    def data(self) -> list[Any]:
        """Everything, in one list, for ``BacktestEngine.add_data`` (the engine sorts it)."""
        return [*self.quotes, *self.trades, *self.bars]


def _mid_path(spec: TapeSpec, rng: np.random.Generator) -> np.ndarray:
    n_regimes = (spec.ticks + spec.regime_ticks - 1) // spec.regime_ticks
    drifts = rng.choice(np.array([-1.0, 0.0, 1.0]), size=n_regimes) * spec.trend_bps
    vol_mult = rng.choice(np.array([0.5, 1.0, 2.0]), size=n_regimes)
    regime = np.arange(spec.ticks) // spec.regime_ticks
    steps = drifts[regime] + rng.standard_normal(spec.ticks) * spec.vol_bps * vol_mult[regime]
    steps[0] = 0.0
    return np.asarray(spec.start_price * np.exp(np.cumsum(steps) * 1e-4))


def synthetic_tape(
    spec: TapeSpec | None = None, instrument: Instrument | None = None
) -> SyntheticTape:
    """Generate the tape described by ``spec`` for ``instrument`` (default BTCUSDT-PERP)."""
    spec = spec or TapeSpec()
    instrument = instrument or default_instrument()
    rng = np.random.default_rng(spec.seed)
    price_prec = instrument.price_precision
    size_prec = instrument.size_precision
    tick = float(instrument.price_increment)
    step = float(instrument.size_increment)
    floor = float(instrument.min_price) if instrument.min_price is not None else tick

    mid = _mid_path(spec, rng)
    # Snap to the tick grid in integer units so float error can never create an off-tick price.
    bid_units = np.maximum(np.floor(mid / tick), np.ceil(floor / tick))
    spread_units = 1 + (rng.random(spec.ticks) < 0.1)  # mostly one tick, sometimes two
    bids = np.round(bid_units * tick, price_prec)
    asks = np.round((bid_units + spread_units) * tick, price_prec)
    size_units = rng.integers(1, 5_000, size=(2, spec.ticks))  # 0.001 .. 5 BTC on the book
    bid_sizes = np.round(size_units[0] * step, size_prec)
    ask_sizes = np.round(size_units[1] * step, size_prec)
    ts = spec.start_ns + np.arange(spec.ticks, dtype=np.uint64) * spec.interval_ms * _NS_PER_MS
    ts = ts.astype(np.uint64)

    quotes = QuoteTick.from_raw_arrays_to_list(
        instrument.id, price_prec, size_prec, bids, asks, bid_sizes, ask_sizes, ts, ts
    )
    trades: list[TradeTick] = []
    last = bids.copy()
    if spec.with_trades:
        buyer = rng.random(spec.ticks) < 0.5
        last = np.where(buyer, asks, bids)
        sizes = np.round(rng.integers(1, 500, size=spec.ticks) * step, size_prec)
        sides = np.where(buyer, 1, 2).astype(np.uint8)  # AggressorSide.BUYER / SELLER
        trade_ids = [f"T{i}" for i in range(spec.ticks)]
        trades = TradeTick.from_raw_arrays_to_list(
            instrument.id, price_prec, size_prec, last, sizes, sides, trade_ids, ts, ts
        )
    bars = _minute_bars(last, ts, price_prec, size_prec) if spec.with_bars else []
    return SyntheticTape(quotes=quotes, trades=trades, bars=bars)


def _minute_bars(prices: np.ndarray, ts: np.ndarray, price_prec: int, size_prec: int) -> list[Bar]:
    """Aggregate ``prices`` into complete 1-minute bars stamped at their close (Nautilus' rule).

    Only minutes that ended before the last tick are emitted: a partial last minute would be a bar
    the live feed never sends.
    """
    minute = (ts // _NS_PER_MINUTE).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, minute[1:] != minute[:-1]])
    ends = np.r_[starts[1:], len(prices)]
    highs = np.maximum.reduceat(prices, starts)
    lows = np.minimum.reduceat(prices, starts)
    complete = (minute[ends - 1] + 1) * _NS_PER_MINUTE <= int(ts[-1])
    starts, ends, highs, lows = starts[complete], ends[complete], highs[complete], lows[complete]
    if len(starts) == 0:
        return []
    opens = prices[starts]
    closes = prices[ends - 1]
    volumes = np.round((ends - starts) * 0.1, size_prec).astype(np.float64)
    close_ts = ((minute[starts] + 1) * _NS_PER_MINUTE).astype(np.uint64)
    bars: list[Bar] = Bar.from_raw_arrays_to_list(
        BarType.from_str(BAR_TYPE_1M),
        price_prec,
        size_prec,
        np.ascontiguousarray(opens),
        np.ascontiguousarray(highs),
        np.ascontiguousarray(lows),
        np.ascontiguousarray(closes),
        volumes,
        close_ts,
        close_ts,
    )
    return bars
