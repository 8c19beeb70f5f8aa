"""The linear-cost workarounds: identical analyzer output, version guard, purge in backtests."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nautilus_trader.analysis.analyzer import PortfolioAnalyzer
from nautilus_trader.model.currencies import BTC, USDT
from nautilus_trader.model.identifiers import PositionId
from nautilus_trader.model.objects import Money

from nautilus_exec_kit.backtest import perf
from nautilus_exec_kit.backtest.perf import (
    LinearPortfolioAnalyzer,
    WorkaroundDisabledWarning,
    check_workarounds,
)

_records = st.lists(
    st.tuples(
        st.sampled_from(["BTCUSDT-PERP.BINANCE-BOTH", "X-1", "X-2"]),
        st.floats(-1e6, 1e6, allow_nan=False),
        st.sampled_from([USDT, BTC]),
        st.one_of(st.none(), st.integers(0, 2**62)),
        st.booleans(),  # record_trade (True) or add_trade (False)
    ),
    max_size=40,
)


def _feed(analyzer: PortfolioAnalyzer, records) -> None:
    for pid, value, currency, ts, recorded in records:
        method = analyzer.record_trade if recorded else analyzer.add_trade
        method(PositionId(pid), Money(value, currency), ts)


def _assert_same(a: PortfolioAnalyzer, b: PortfolioAnalyzer) -> None:
    for attr in (
        "_realized_pnls",
        "_realized_pnl_timestamps",
        "_recorded_realized_pnls",
        "_recorded_realized_pnl_timestamps",
    ):
        left, right = getattr(a, attr), getattr(b, attr)
        assert left.keys() == right.keys(), attr
        for currency in left:
            pd.testing.assert_series_equal(left[currency], right[currency], check_exact=True)
    for currency in (USDT, BTC):
        ra, rb = a.realized_pnls(currency), b.realized_pnls(currency)
        if ra is None or rb is None:
            assert ra is rb
        else:
            pd.testing.assert_series_equal(ra, rb, check_exact=True)


@settings(max_examples=60, deadline=None)
@given(first=_records, second=_records)
def test_linear_analyzer_builds_identical_series(first, second) -> None:
    plain, linear = PortfolioAnalyzer(), LinearPortfolioAnalyzer.adopt(PortfolioAnalyzer())
    _feed(plain, first)
    _feed(linear, first)
    _assert_same(plain, linear)  # reading in the middle flushes; appending must still work
    _feed(plain, second)
    _feed(linear, second)
    _assert_same(plain, linear)
    plain.reset()
    linear.reset()
    _assert_same(plain, linear)


def test_adopt_keeps_registered_statistics_and_existing_records() -> None:
    analyzer = PortfolioAnalyzer()
    analyzer.record_trade(PositionId("P-1"), Money(1.5, USDT), 10)
    reference = PortfolioAnalyzer()
    reference.record_trade(PositionId("P-1"), Money(1.5, USDT), 10)
    from nautilus_trader.analysis import WinRate

    analyzer.register_statistic(WinRate())
    linear = LinearPortfolioAnalyzer.adopt(analyzer)
    assert linear is analyzer and linear.statistic("Win Rate") is not None
    linear.record_trade(PositionId("P-2"), Money(-2.0, USDT), 20)
    reference.record_trade(PositionId("P-2"), Money(-2.0, USDT), 20)
    _assert_same(reference, linear)


def test_pinned_fingerprints_match_the_installed_nautilus() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_workarounds() == {name: None for name in perf.WORKAROUNDS}


def test_changed_upstream_code_disables_the_workaround(monkeypatch: pytest.MonkeyPatch) -> None:
    def changed(self, position_id, realized_pnl, ts_event=None):  # an "upgraded" upstream
        return None

    monkeypatch.setattr(PortfolioAnalyzer, "record_trade", changed)
    with pytest.warns(WorkaroundDisabledWarning, match="linear_analyzer.*fingerprint"):
        problems = check_workarounds(("linear_analyzer",))
    assert problems["linear_analyzer"] is not None

    class _Portfolio:
        analyzer = PortfolioAnalyzer()

    with pytest.warns(WorkaroundDisabledWarning):
        assert perf.install_linear_analyzer(_Portfolio()) is False
    assert type(_Portfolio.analyzer) is PortfolioAnalyzer


def test_other_nautilus_version_disables_pinned_workarounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import nautilus_trader

    monkeypatch.setattr(nautilus_trader, "__version__", "9.9.9")
    with pytest.warns(WorkaroundDisabledWarning):
        problems = check_workarounds()
    assert "9.9.9" in (problems["linear_analyzer"] or "")
    assert "9.9.9" in (problems["purge_closed_orders"] or "")
    assert problems["gc_freeze"] is None  # stdlib only, not tied to Nautilus
    with pytest.warns(WorkaroundDisabledWarning):
        assert perf.exec_engine_purge_config(1) == {}
