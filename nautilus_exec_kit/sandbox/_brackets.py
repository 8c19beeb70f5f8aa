"""Binance's leverage brackets on the wire (``GET /fapi/v1/leverageBracket``).

The tiers and the maintenance-margin math are the core's (:mod:`nautilus_exec_kit.core.
perpetuals`), shared with the backtest side so the sandbox and a backtest agree; this module
only shapes them the way Binance answers.
"""

from __future__ import annotations

from nautilus_exec_kit.core.perpetuals import (
    BTCUSDT_BRACKETS,
    Bracket,
    cums,
    tier,
)


def rows(symbol: str, brackets: tuple[Bracket, ...]) -> dict[str, object]:
    """One symbol's ``leverageBracket`` answer."""
    return {"symbol": symbol, "notionalCoef": 1.0, "brackets": [
        {"bracket": i + 1, "initialLeverage": b.initial_leverage, "notionalCap": int(b.cap),
         "notionalFloor": int(b.floor), "maintMarginRatio": float(b.maint_margin_ratio),
         "cum": int(cum) if cum == int(cum) else float(cum)}
        for i, (b, cum) in enumerate(zip(brackets, cums(brackets), strict=True))
    ]}


__all__ = ["BTCUSDT_BRACKETS", "Bracket", "rows", "tier"]
