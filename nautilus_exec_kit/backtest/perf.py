"""Workarounds that make round-trip-heavy backtests run at linear cost on the pinned Nautilus.

Each workaround is a :class:`Workaround` row in :data:`WORKAROUNDS`: what it fixes, and a
fingerprint of the upstream code it relies on. :func:`check_workarounds` recomputes the
fingerprints; a workaround whose fingerprint (or the Nautilus version) no longer matches is *not
applied* and a warning says why, so an upgrade can make the kit slower but never wrong.
docs/backtesting.md explains each one in prose.

1. ``linear_analyzer``: ``PortfolioAnalyzer._append_pnl_record`` runs ``pd.concat`` twice per
   closed position (O(n^2) over a run; upstream issue #4434 / PR #4444), and
   ``add_position_return`` enlarges a Series with ``.loc`` once per position in the post-run
   ``calculate_statistics``. :class:`LinearPortfolioAnalyzer` buffers records in lists and builds
   each Series once, on first read. Applied by swapping the class of the portfolio's analyzer
   instance (``Portfolio.analyzer`` is a read-only Cython attribute).
2. ``purge_closed_orders``: on every fill the matching engine iterates
   ``cache.orders_for_position(position.id)``, i.e. *every order ever sent* on that position ID,
   to resync reduce-only orders (``OrderMatchingEngine.fill_order``, compiled). One-way mode
   reuses ``{iid}-BOTH`` forever, so that loop grows with the run. Nautilus' own
   ``ExecEngineConfig(purge_closed_orders_interval_mins=...)`` timer works in backtests and keeps
   the index at one interval's worth of orders (this is configuration, not a patch; see
   :func:`exec_engine_purge_config`).
3. ``gc_freeze``: millions of long-lived objects (data, cache entries) make every gen-2 collection
   walk them all. ``gc.freeze()`` after setup moves them to the permanent generation.
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import nautilus_trader
import pandas as pd
from nautilus_trader.analysis.analyzer import PortfolioAnalyzer
from nautilus_trader.core.datetime import unix_nanos_to_dt
from nautilus_trader.model.identifiers import PositionId
from nautilus_trader.model.objects import Currency, Money
from nautilus_trader.model.position import Position
from numpy import float64

#: The Nautilus version every fingerprint below was taken from.
PINNED_NAUTILUS_VERSION = "1.231.0"


class WorkaroundDisabledWarning(RuntimeWarning):
    """A kit backtest workaround was not applied because Nautilus changed under it."""


def source_fingerprint(*objects: Callable[..., Any] | type) -> str:
    """A short sha256 of the source code of ``objects`` (functions or Python classes)."""
    digest = hashlib.sha256()
    for obj in objects:
        digest.update(inspect.getsource(obj).encode())
    return digest.hexdigest()[:16]


def _analyzer_fingerprint() -> str:
    a = PortfolioAnalyzer
    return source_fingerprint(
        a.__init__,
        a.reset,
        a.calculate_statistics,
        a.add_positions,
        a.add_trade,
        a.record_trade,
        a._append_pnl_record,
        a.add_position_return,
        a._sync_returns_alias,
        a._empty_returns,
    )


def _purge_fingerprint() -> str:
    # Compiled code has no Python source; pin the config surface the workaround uses instead.
    from nautilus_trader.config import ExecEngineConfig

    fields = sorted(ExecEngineConfig.__struct_fields__)
    return hashlib.sha256(",".join(fields).encode()).hexdigest()[:16]


def _gc_fingerprint() -> str:
    return "stdlib" if hasattr(gc, "freeze") else "missing"


@attrs.frozen
class Workaround:
    """One pinned workaround: its name, why, and how to tell that upstream still matches."""

    name: str
    fixes: str
    expected_fingerprint: str
    fingerprint: Callable[[], str]
    needs_pinned_version: bool = True

    def problem(self) -> str | None:
        """Why this workaround must not be applied here, or ``None`` when it is safe."""
        if self.needs_pinned_version and nautilus_trader.__version__ != PINNED_NAUTILUS_VERSION:
            return (
                f"nautilus_trader {nautilus_trader.__version__} is not the pinned "
                f"{PINNED_NAUTILUS_VERSION}"
            )
        actual = self.fingerprint()
        if actual != self.expected_fingerprint:
            return (
                f"upstream code changed (fingerprint {actual}, expected "
                f"{self.expected_fingerprint})"
            )
        return None


WORKAROUNDS: dict[str, Workaround] = {
    w.name: w
    for w in (
        Workaround(
            name="linear_analyzer",
            fixes="PortfolioAnalyzer pd.concat per closed position (#4434) and .loc enlargement",
            expected_fingerprint="5fdd7020ac71bf60",
            fingerprint=_analyzer_fingerprint,
        ),
        Workaround(
            name="purge_closed_orders",
            fixes="matching engine scans every order of a reused position ID on each fill",
            expected_fingerprint="b0842acfaab44eeb",
            fingerprint=_purge_fingerprint,
        ),
        Workaround(
            name="gc_freeze",
            fixes="gen-2 collections walking every long-lived object",
            expected_fingerprint="stdlib",
            fingerprint=_gc_fingerprint,
            needs_pinned_version=False,
        ),
    )
}


def check_workarounds(names: tuple[str, ...] | None = None) -> dict[str, str | None]:
    """Map each workaround to the reason it is disabled, or ``None`` when it applies.

    Every disabled workaround also raises a :class:`WorkaroundDisabledWarning`.
    """
    result: dict[str, str | None] = {}
    for name in names if names is not None else tuple(WORKAROUNDS):
        problem = WORKAROUNDS[name].problem()
        if problem is not None:
            warnings.warn(
                f"exec-kit backtest workaround {name!r} disabled: {problem}. The run stays "
                "correct but may be slower; see docs/backtesting.md",
                WorkaroundDisabledWarning,
                stacklevel=2,
            )
        result[name] = problem
    return result


# -- 1. the analyzer --------------------------------------------------------------------------

_PnlBuffer = tuple[list[float], list[str], list[int | None]]


class LinearPortfolioAnalyzer(PortfolioAnalyzer):
    """``PortfolioAnalyzer`` whose PnL records cost O(1) each instead of O(n).

    The four PnL dicts of the base class are properties here: records go to per-currency list
    buffers and are turned into Series (one ``pd.concat`` with what was already built) the first
    time anything reads the dict. The built Series are value-, dtype- and index-identical to the
    base class's; ``tests/backtest/test_perf.py`` checks that against the original code.
    """

    _kit_pending: dict[str, dict[Currency, _PnlBuffer]]
    _kit_store: dict[str, dict[Currency, pd.Series]]

    @classmethod
    def adopt(cls, analyzer: PortfolioAnalyzer) -> LinearPortfolioAnalyzer:
        """Turn an existing ``PortfolioAnalyzer`` into this class in place (keeps statistics)."""
        state = {name: analyzer.__dict__.pop(attr) for name, attr in _ATTRS.items()}
        analyzer.__class__ = cls
        assert isinstance(analyzer, LinearPortfolioAnalyzer)
        analyzer._kit_pending = {name: {} for name in _ATTRS}
        analyzer._kit_store = state
        return analyzer

    def _kit_flush(self, name: str) -> None:
        pending = self._kit_pending[name]
        if not pending:
            return
        store = self._kit_store[name]
        is_ts = name.endswith("_ts")
        for currency, (values, ids, stamps) in pending.items():
            new = (
                pd.Series(stamps, index=ids, dtype=object)
                if is_ts
                else pd.Series(values, index=ids, dtype=float64)
            )
            existing = store.get(currency)
            store[currency] = new if existing is None else pd.concat([existing, new])
        pending.clear()

    def _kit_get(self, name: str) -> dict[Currency, pd.Series]:
        self._kit_flush(name)
        return self._kit_store[name]

    def _kit_set(self, name: str, value: dict[Currency, pd.Series]) -> None:
        if not hasattr(self, "_kit_pending"):  # assignments in the base __init__
            self._kit_pending = {n: {} for n in _ATTRS}
            self._kit_store = {n: {} for n in _ATTRS}
        self._kit_pending[name] = {}
        self._kit_store[name] = value

    def _kit_append(
        self, names: tuple[str, str], position_id: PositionId, pnl: Money, ts_event: int | None
    ) -> None:
        currency = pnl.currency
        ts = int(ts_event) if ts_event is not None else None
        for name in names:
            buf = self._kit_pending[name].get(currency)
            if buf is None:
                buf = self._kit_pending[name][currency] = ([], [], [])
            buf[0].append(pnl.as_double())
            buf[1].append(position_id.value)
            buf[2].append(ts)

    def add_trade(
        self, position_id: PositionId, realized_pnl: Money, ts_event: int | None = None
    ) -> None:
        """Same as the base class, O(1)."""
        self._kit_append(("realized", "realized_ts"), position_id, realized_pnl, ts_event)

    def record_trade(
        self, position_id: PositionId, realized_pnl: Money, ts_event: int | None = None
    ) -> None:
        """Same as the base class, O(1)."""
        self._kit_append(("recorded", "recorded_ts"), position_id, realized_pnl, ts_event)

    def add_positions(self, positions: list[Position]) -> None:
        """Same as the base class, with the position returns added in one pass."""
        self._positions += positions
        returns = self._position_returns
        fresh: dict[pd.Timestamp, float] = {}
        added = False
        for position in positions:
            if position.realized_pnl is None:
                continue  # Skip empty shell positions (as upstream)
            self.add_trade(position.id, position.realized_pnl, position.ts_last)
            if position.ts_closed > 0:
                key = unix_nanos_to_dt(position.ts_closed)
                value = float(position.realized_return)
                added = True
                # Upstream does ``.loc[key] = 0.0`` then ``+= value``: same float order here.
                if key in fresh:
                    fresh[key] += value
                elif key in returns.index:
                    returns.loc[key] += value
                else:
                    fresh[key] = 0.0 + value
        if fresh:
            extra = pd.Series(list(fresh.values()), index=pd.Index(list(fresh)), dtype=float64)
            self._position_returns = extra if returns.empty else pd.concat([returns, extra])
        if added:
            self._sync_returns_alias()


#: attribute of the base class -> buffer name used above.
_ATTRS: dict[str, str] = {
    "realized": "_realized_pnls",
    "realized_ts": "_realized_pnl_timestamps",
    "recorded": "_recorded_realized_pnls",
    "recorded_ts": "_recorded_realized_pnl_timestamps",
}


def _pnl_property(name: str) -> property:
    return property(
        lambda self: self._kit_get(name),
        lambda self, value: self._kit_set(name, value),
    )


for _name, _attr in _ATTRS.items():
    setattr(LinearPortfolioAnalyzer, _attr, _pnl_property(_name))


def install_linear_analyzer(portfolio: Any) -> bool:
    """Swap ``portfolio.analyzer`` to :class:`LinearPortfolioAnalyzer` if the fingerprint holds."""
    if check_workarounds(("linear_analyzer",))["linear_analyzer"] is not None:
        return False
    if not isinstance(portfolio.analyzer, LinearPortfolioAnalyzer):
        LinearPortfolioAnalyzer.adopt(portfolio.analyzer)
    return True


# -- 2. purge closed orders ---------------------------------------------------------------------


def exec_engine_purge_config(interval_mins: int | None) -> dict[str, Any]:
    """``ExecEngineConfig`` keyword arguments that purge closed orders every ``interval_mins``.

    Returns ``{}`` when disabled (``None``) or when the config surface changed upstream.
    """
    if interval_mins is None:
        return {}
    if check_workarounds(("purge_closed_orders",))["purge_closed_orders"] is not None:
        return {}
    return {
        "purge_closed_orders_interval_mins": interval_mins,
        "purge_closed_orders_buffer_mins": 0,
    }


# -- 3. GC --------------------------------------------------------------------------------------


@contextmanager
def frozen_gc() -> Iterator[None]:
    """Freeze everything allocated so far, restore the collector afterwards.

    Safe because ``gc.freeze`` only stops the *cycle* collector from scanning old objects;
    reference counting still frees everything, and ``gc.unfreeze`` at the end returns them to
    the oldest generation.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
