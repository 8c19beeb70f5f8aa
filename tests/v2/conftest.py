"""Fixtures of the NautilusTrader 2 suite (run from .venv-v2 with ``--confcutdir tests/v2``, so
the v1 suite's conftest, which imports NautilusTrader 1, is never loaded here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nautilus_trader import model as nt
from nautilus_trader.risk import RiskEngineConfig

from nautilus_exec_kit.v2.backtest import add_binance_venue, btcusdt_perp
from nautilus_exec_kit.v2.backtest import make_engine as _make_engine

INSTRUMENT = btcusdt_perp()
IID = INSTRUMENT.id
START_NS = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z, as the v1 suite


def quotes_from_bids(bids: Sequence[float], interval_ms: int = 100) -> list[nt.QuoteTick]:
    """One quote per bid, ask one tick above, 5 BTC each side (the v1 suite's tape)."""
    size = nt.Quantity.from_str("5.000")
    out = []
    for i, bid in enumerate(bids):
        ts = START_NS + i * interval_ms * 1_000_000
        b = round(bid, 1)
        out.append(
            nt.QuoteTick(IID, nt.Price(b, 1), nt.Price(round(b + 0.1, 1), 1), size, size, ts, ts),
        )
    return out


def flat_quotes(n: int, bid: float = 50_000.0) -> list[nt.QuoteTick]:
    return quotes_from_bids([bid] * n)


def make_engine(balance: int = 10_000, leverage: int = 20, instrument: Any = INSTRUMENT) -> object:
    """The kit's Binance-like v2 venue trading ``instrument`` (BTCUSDT-PERP by default) with the
    v1 suite's balance, leverage and RiskEngine throttles (10 000/s: the kit's own budget is
    what a test exercises)."""
    engine = _make_engine(risk_engine=RiskEngineConfig(
        max_order_submit_rate="10000/00:00:01", max_order_modify_rate="10000/00:00:01",
    ))
    add_binance_venue(engine, instrument, balance_usdt=balance, leverage=leverage)
    return engine
