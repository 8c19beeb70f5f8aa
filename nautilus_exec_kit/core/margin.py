"""Initial margin before sending: Binance's -2019 ("Margin is insufficient"), decided up front.

Simulated venues never check margin, so without this a backtest accepts orders Binance refuses.
"""

from __future__ import annotations

import math

from nautilus_exec_kit.core.errors import InsufficientMargin


def check_margin(notional: float, leverage: float, free_balance: float, currency: str) -> None:
    """Raise :class:`InsufficientMargin` when ``notional / leverage`` exceeds ``free_balance``.

    The message gives the numbers and three ways out.
    """
    if not (leverage > 0 and math.isfinite(leverage)):
        raise InsufficientMargin("leverage", leverage, "must be a positive number", "set leverage")
    if not math.isfinite(notional) or not math.isfinite(free_balance):
        raise InsufficientMargin(
            "notional", notional, "notional and balance must be finite", "pass finite numbers"
        )
    margin = abs(notional) / leverage
    if margin <= free_balance:
        return
    free = max(free_balance, 0.0)
    max_notional = free * leverage
    need_leverage = abs(notional) / free if free > 0 else math.inf
    raise InsufficientMargin(
        "notional",
        f"{notional:.8g} {currency}",
        f"initial margin {margin:.8g} {currency} at {leverage:g}x exceeds free balance "
        f"{free_balance:.8g} {currency}",
        f"use a notional of at most {max_notional:.8g} {currency}, leverage of at least "
        f"{need_leverage:.4g}x, or add {margin - free_balance:.8g} {currency}",
    )


__all__ = ["check_margin"]
