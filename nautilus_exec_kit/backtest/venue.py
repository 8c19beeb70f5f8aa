"""The simulated venue that matches the live Binance USDT-M futures client.

Why one function: a backtest only tells the truth about live trading if the SimulatedExchange is
set up the way the live adapter behaves. The live futures exec client is a HEDGING-OMS client on
a MARGIN account reporting ``-BOTH`` / ``-LONG`` / ``-SHORT`` position IDs, so the venue here is
HEDGING + MARGIN, settled in USDT, with the instrument's leverage set explicitly (the
``BacktestVenueConfig`` default of 1.0 and the ``add_venue`` default of 10 both differ from a
typical futures account). See ``nautilus_backtest_facts.md`` sections 1-2 in the reference notes.

    engine = BacktestEngine(...)
    add_binance_venue(engine, instrument)          # 10 000 USDT, leverage 20
    add_binance_venue(engine, [btcusdt, ethusdt])  # one account, several perpetuals
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from nautilus_trader.backtest.engine import BacktestEngine
from nautilus_trader.model.currencies import USDT
from nautilus_trader.model.enums import AccountType, OmsType
from nautilus_trader.model.identifiers import Venue
from nautilus_trader.model.instruments import Instrument
from nautilus_trader.model.objects import Money

#: The venue every kit backtest trades on (the live adapter's venue name).
BINANCE_VENUE: Final = Venue("BINANCE")


def add_binance_venue(
    engine: BacktestEngine,
    instruments: Instrument | Sequence[Instrument],
    *,
    balance_usdt: float = 10_000,
    leverage: float = 20,
    **venue_options: Any,
) -> None:
    """Add the Binance-like venue and its ``instruments`` (one or several) to ``engine``.

    Every instrument trades at ``leverage`` on the one USDT account, as on Binance's
    multi-symbol futures account. ``venue_options`` pass through to
    ``BacktestEngine.add_venue`` (e.g. ``bar_execution``, ``modules``); a module with an
    ``install(engine)`` method (the kit's
    :class:`~nautilus_exec_kit.backtest.perpetuals.PerpetualEconomics`) is then installed in
    front of the engine's execution engine.
    """
    listed = [instruments] if isinstance(instruments, Instrument) else list(instruments)
    engine.add_venue(
        venue=BINANCE_VENUE,
        oms_type=OmsType.HEDGING,
        account_type=AccountType.MARGIN,
        base_currency=USDT,
        starting_balances=[Money(balance_usdt, USDT)],
        default_leverage=Decimal(leverage),
        leverages={instrument.id: Decimal(leverage) for instrument in listed},
        **venue_options,
    )
    for instrument in listed:
        engine.add_instrument(instrument)
    for module in venue_options.get("modules") or ():
        install = getattr(module, "install", None)
        if callable(install):
            install(engine)


__all__ = ["BINANCE_VENUE", "add_binance_venue"]
