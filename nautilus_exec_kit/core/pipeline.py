"""An order's journey through the kit, in one pass: intent -> rules -> capabilities -> params ->
leg -> algo cap -> margin -> route.

Why one place: every helper of every binding (Nautilus 1 and 2) admits its orders here, so the
order of the checks, and which of them a given order skips, is decided once. The binding asks
:meth:`OrderPipeline.admit` and gets the leg (``BOTH`` / ``LONG`` / ``SHORT``) whose position ID
it sends the order with, or the precise :class:`~nautilus_exec_kit.errors.
OrderValidationError`; it then builds its venue order and hands it to the error policy's gate.

What the pipeline needs to know about the account and the market it asks through an
:class:`AccountView` (one per instrument, the binding's), and only when a step needs it: a plain
limit order reads no market and, when its notional fits the free balance, no position.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Final, Protocol

from nautilus_exec_kit.core.algo import AlgoOrderBook
from nautilus_exec_kit.core.capabilities import VenueCapabilities
from nautilus_exec_kit.core.intent import MarketSnapshot, OrderIntent
from nautilus_exec_kit.core.margin import check_margin
from nautilus_exec_kit.core.positions import (
    LEG_SIDE,
    PositionMode,
    check_hedge_flags,
    leg_for,
    normalize_position_side,
)
from nautilus_exec_kit.core.validator import OrderValidator
from nautilus_exec_kit.core.vocab import OrderSide

_BUY: Final = OrderSide.BUY


class AccountView(Protocol):
    """What the pipeline asks a binding about one instrument: its market, clock and account."""

    #: The instrument's key in the algo book (the binding's instrument ID).
    instrument_key: Hashable
    #: The instrument's rules and validator.
    validator: OrderValidator
    #: Contract multiplier and settlement currency, for margin.
    multiplier: float
    settlement_currency: str

    def market(self) -> MarketSnapshot | None:
        """Best bid/ask, last trade and mark, or ``None`` before any market data."""

    def now_ns(self) -> int:
        """The strategy clock (backtest time in backtests)."""

    def margin(self, fresh: bool = False) -> tuple[float, float] | None:
        """``(free balance, account leverage)`` in the settlement currency, or ``None`` before
        the first account state (the venue judges then). Unless ``fresh``, the free balance
        may be a lower bound the binding keeps cheaply (the pipeline asks again with
        ``fresh=True`` before it refuses an order)."""

    def reserve(self, margin: float) -> None:
        """The initial margin an order just admitted may lock (a binding that keeps a lower
        bound of the free balance counts it there)."""

    def held_quantity(self, leg: str, side: OrderSide) -> float:
        """The open quantity on ``leg`` that an order of ``side`` would reduce (0 when none)."""


class OrderPipeline:
    """Admits orders for one strategy: its position mode, venue profile, algo book and margin
    settings, the same for every instrument it trades."""

    __slots__ = (
        "_algo_types",
        "_only_leg",
        "algo",
        "capabilities",
        "hedge",
        "leverage",
        "margin_check",
        "mode",
    )

    def __init__(
        self,
        capabilities: VenueCapabilities,
        mode: PositionMode,
        algo: AlgoOrderBook,
        *,
        margin_check: bool = True,
        leverage: float | None = None,
    ) -> None:
        self.capabilities = capabilities
        self.mode = mode
        self.hedge = mode is PositionMode.HEDGE
        # One-way mode has one leg for every order (leg_for's answer, decided once).
        self._only_leg: str | None = None if self.hedge else leg_for(mode, OrderSide.BUY)
        self.algo = algo
        self._algo_types = capabilities.algo_types  # only these types ask the algo book
        self.margin_check = margin_check
        #: The configured leverage; ``None`` reads the account's.
        self.leverage = leverage

    def admit(
        self,
        view: AccountView,
        intent: OrderIntent,
        position_side: object = None,
        *,
        closing: bool = False,
    ) -> str:
        """Check ``intent`` end to end; return the leg to send it on, or raise why not.

        ``position_side`` is the caller's hedge-mode leg (``"LONG"`` / ``"SHORT"``, any case, or
        a ``PositionSide`` of any generation); ``closing`` marks the close helpers' orders (they
        never need margin and may use reduce-only semantics by leg).
        """
        if position_side is not None:
            position_side = normalize_position_side(position_side)
        if intent.reduce_only and self.hedge and not (closing or intent.close_position):
            check_hedge_flags(self.mode, True)
        leg = self._only_leg or leg_for(
            self.mode, intent.side, position_side,  # type: ignore[arg-type]
            closing or intent.close_position,
        )
        # The market snapshot costs the binding three cache reads; only triggers, trailing
        # activation and orders without a price (min notional) need it.
        needs_market = (
            intent.price is None
            or intent.trigger_price is not None
            or intent.activation_price is not None
        )
        view.validator.check(
            intent,
            view.market() if needs_market else None,
            view.now_ns() if intent.expire_time_ns is not None else None,
            position_side=LEG_SIDE.get(leg),
        )
        if intent.order_type in self._algo_types:
            self.algo.check_can_submit(view.instrument_key, intent.order_type)
        if self.margin_check and not (
            closing or intent.reduce_only or intent.close_position or intent.quantity is None
        ):
            self._check_margin(view, intent, leg)
        return leg

    def _check_margin(self, view: AccountView, intent: OrderIntent, leg: str) -> None:
        """Initial margin of the part of the order that increases exposure vs free balance."""
        scalar = view.validator.rules.scalar
        ref = intent.price
        if ref is None:
            ref = intent.reference_price  # the trigger or activation price, if any
        if ref is not None:
            price = ref / scalar
        else:
            market = view.market()
            if market is None:
                return  # no reference price yet: the venue will judge
            taken = market.ask if intent.side is _BUY else market.bid
            price_or_none = taken if taken is not None else market.last
            if price_or_none is None:
                return
            price = price_or_none
        quantity = intent.quantity / scalar if intent.quantity is not None else 0.0
        unit_notional = price * view.multiplier
        for fresh in (False, True):
            margin = view.margin(fresh)
            if margin is None:
                return  # no account yet (before the first account state): the venue will judge
            free, account_leverage = margin
            leverage = self.leverage if self.leverage is not None else account_leverage
            # An order whose whole notional fits needs no look at the position.
            if quantity * unit_notional <= free * leverage:
                view.reserve(quantity * unit_notional / leverage)
                return
        increasing = quantity
        if not self.hedge:
            # One-way: the part of an opposite-side order that only reduces needs no margin.
            increasing -= view.held_quantity(leg, intent.side)
            if increasing <= 0.0:
                return
        check_margin(increasing * unit_notional, leverage, free, view.settlement_currency)
        view.reserve(increasing * unit_notional / leverage)


__all__ = ["AccountView", "OrderPipeline"]
