"""The kit's strategy configuration: a ``StrategyConfig`` with the execution settings added.

It is a msgspec struct like every Nautilus config, so it works with ``ImportableStrategyConfig``,
``BacktestNode`` and ``TradingNode`` files unchanged. Users subclass it for their own fields::

    class TrendConfig(ExecKitConfig, frozen=True):
        instrument_id: InstrumentId
        trade_size: Decimal = Decimal("0.010")

Why ``oms_type`` defaults to ``"HEDGING"``: the live Binance futures exec client is a HEDGING-OMS
client and reports positions as ``{instrument_id}-BOTH`` (one-way) or ``-LONG``/``-SHORT`` (hedge).
The kit uses the same OMS and position IDs in backtests so a strategy sees identical positions in
both worlds (see docs/position_modes.md).
"""

from __future__ import annotations

from nautilus_trader.trading.config import StrategyConfig

from nautilus_exec_kit.core.settings import DEFAULTS


class ExecKitConfig(StrategyConfig, kw_only=True, frozen=True):
    """Execution settings of an :class:`~nautilus_exec_kit.ExecutionMixin` strategy.

    Parameters
    ----------
    position_mode : {"ONE_WAY", "HEDGE"}, default "ONE_WAY"
        Binance position mode of the account. ONE_WAY orders use position ID ``{iid}-BOTH``;
        HEDGE orders use ``{iid}-LONG`` / ``{iid}-SHORT``.
    account_type : {"USDT_FUTURES", "COIN_FUTURES", "SPOT", "PERMISSIVE"}, default "USDT_FUTURES"
        Which capability profile orders are checked against. "PERMISSIVE" checks only the
        instrument's filters (for venues the kit has no profile for).
    on_invalid_order : {"raise", "deny"}, default "raise"
        "raise": a helper raises the typed :class:`~nautilus_exec_kit.errors.OrderValidationError`
        at the call site. "deny": the helper logs the error, counts it, calls
        ``on_order_invalid(error)`` and returns ``None``.
    leverage : float, optional
        Leverage used by the pre-trade margin check. ``None`` reads it from the account
        (backtest venue leverage, or the live account's leverage for the instrument).
    margin_check : bool, default True
        Refuse orders whose initial margin (notional / leverage) exceeds the free balance.
    emulate_venue_params : bool, optional
        Give ``close_position`` / ``price_match`` their Binance meaning on a simulated venue.
        ``None`` (default) means: on when the strategy runs in a backtest.
    error_policy : dict[str, str], optional
        Overrides of the error policy: ``{"-2019": "skip", "rate_limit": "backoff", ...}``
        (keys: Binance codes or categories; values: skip, backoff, reconcile, fail_fast, halt).
    fail_fast : {"stop", "raise"}, default "stop"
        What a fail-fast decision does: stop the strategy, or raise
        :class:`~nautilus_exec_kit.errors.VenueError` (useful in tests).
    orders_per_10s / orders_per_minute : int
        The kit's submit rate budget (Binance USDT-M: 300 / 10 s and 1200 / min per account).
    """

    oms_type: str | None = DEFAULTS.oms_type
    position_mode: str = DEFAULTS.position_mode
    account_type: str = DEFAULTS.account_type
    on_invalid_order: str = DEFAULTS.on_invalid_order
    leverage: float | None = DEFAULTS.leverage
    margin_check: bool = DEFAULTS.margin_check
    emulate_venue_params: bool | None = DEFAULTS.emulate_venue_params
    error_policy: dict[str, str] | None = None
    fail_fast: str = DEFAULTS.fail_fast
    orders_per_10s: int = DEFAULTS.orders_per_10s
    orders_per_minute: int = DEFAULTS.orders_per_minute
