"""How the kit reads a strategy's order events: Nautilus' hooks while it runs, the bus otherwise.

The kit must see every order event it acts on (the error policy's rejects and venue answers, the
algo and close_position books), before the author's handlers, even when an author's handler
forgets ``super()``. Two ways in:

* **Hooks, while the strategy is RUNNING.** ``Strategy.handle_event`` calls one ``on_order_*``
  method per event class (cpdef: a Python override is honoured). The mixin defines the hooks of
  :data:`EVENT_HOOKS`, and :func:`put_intake_in_front` wraps every override an author writes so
  the kit's intake runs first, ``super()`` or not. Events of any other class (OrderInitialized,
  OrderSubmitted, OrderPendingCancel, ...: three of the five events in a plain limit order's
  life) then never enter Python for the kit. Measured on a backtest: a message-bus
  subscription's call into Python for each event cost about as much as all the rest of the kit.
* **The message bus, otherwise.** ``handle_event`` calls no hook unless the strategy is RUNNING
  (events during start-up reconciliation, ``on_start``, ``on_stop``, after a stop), and never
  when an author overrides ``handle_event`` itself. The kit then subscribes to the strategy's
  order topic (:meth:`OrderEventRouter.read_from_bus`), as it did for every event before.

The mixin switches between them at the lifecycle transitions (``start``/``resume`` after the
strategy is running; ``stop``/``degrade``/``fault`` before it stops running), so each event comes
in exactly one way; the router also drops an event it has just read (an author's override that
calls ``super()`` runs the intake twice).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, Final

from nautilus_trader.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderModifyRejected,
    OrderRejected,
    OrderTriggered,
    OrderUpdated,
)

from nautilus_exec_kit.policy.runtime import PolicyRuntime

#: Priority of the kit's subscriptions to the strategy's order / position event topics: after
#: Nautilus' own core subscribers (RiskEngine and Portfolio subscribe with 10), before the
#: strategy's ``handle_event`` (0), so the kit has seen an event before any ``on_*`` handler.
KIT_EVENT_PRIORITY: Final = 5

#: The ``Strategy`` hook ``handle_event`` calls for each order event class the kit acts on. A
#: test pins it to the classes the error policy and the books read.
EVENT_HOOKS: Final[dict[str, type]] = {
    "on_order_denied": OrderDenied,
    "on_order_rejected": OrderRejected,
    "on_order_accepted": OrderAccepted,
    "on_order_canceled": OrderCanceled,
    "on_order_expired": OrderExpired,
    "on_order_triggered": OrderTriggered,
    "on_order_updated": OrderUpdated,
    "on_order_filled": OrderFilled,
    "on_order_cancel_rejected": OrderCancelRejected,
    "on_order_modify_rejected": OrderModifyRejected,
}

Hook = Callable[[Any, Any], None]


class OrderEventRouter:
    """The kit's intake of one strategy's order events: the error policy's handler for the
    event's class, then the algo and close_position books when they hold anything.

    A small slotted object rather than a strategy method: it runs for every order event, and
    its reads are then fixed-offset slot reads, not lookups in the strategy's large attribute
    dict (measured: about 10% of the kit's per-event cost in a backtest).
    """

    __slots__ = (
        "_algo_tracked",
        "_close_ids",
        "_last",
        "_on_books",
        "_policy_fallback",
        "_policy_table",
    )

    def __init__(
        self,
        policy: PolicyRuntime,
        algo_tracked: object,
        close_ids: object,
        on_books: Callable[[Any], None],
    ) -> None:
        self._policy_table = policy.event_handlers
        self._policy_fallback = policy.on_event
        self._algo_tracked = algo_tracked
        self._close_ids = close_ids
        self._on_books = on_books
        self._last: object = None

    def on_order_event(self, event: Any) -> None:
        """Read one event (once: the same event object again is dropped). Never raises (an
        exception here would abort ``engine.run()``): the policy's handlers never raise, and
        the books' part guards itself."""
        if event is self._last:
            return
        self._last = event
        # The policy first and on its own: a failure in the books must not cost a reject its
        # policy decision. None in the table: nothing to do; a class it does not list goes to
        # on_event.
        handler = self._policy_table.get(type(event), self._policy_fallback)
        if handler is not None:
            handler(event)
        if self._algo_tracked or self._close_ids:
            self._on_books(event)

    def read_from_bus(self, msgbus: Any, topic: str, on: bool) -> None:
        """Subscribe :meth:`on_order_event` to ``topic`` (or unsubscribe it); idempotent."""
        handler = self.on_order_event
        if on == bool(msgbus.is_subscribed(topic, handler)):
            return
        if on:
            msgbus.subscribe(topic=topic, handler=handler, priority=KIT_EVENT_PRIORITY)
        else:
            msgbus.unsubscribe(topic=topic, handler=handler)


def intake_hook(name: str, then: Hook | None = None) -> Hook:
    """The hook ``name`` with the kit's intake in front of ``then`` (an author's override;
    None: nothing after it, Nautilus' own hooks are empty)."""
    if then is None:

        def hook(self: Any, event: Any) -> None:
            self._kit_router.on_order_event(event)

    else:
        author_hook = then

        def hook(self: Any, event: Any) -> None:
            self._kit_router.on_order_event(event)
            author_hook(self, event)

        hook.__wrapped__ = then  # type: ignore[attr-defined]
        hook.__doc__ = then.__doc__
    hook.__name__ = name
    hook.__qualname__ = getattr(then, "__qualname__", name)
    hook.__kit_intake__ = True  # type: ignore[attr-defined]
    return hook


def put_intake_in_front(cls: type) -> None:
    """Wrap each hook of :data:`EVENT_HOOKS` that ``cls`` itself defines (a plain function)
    with :func:`intake_hook`: the kit reads the event first, whether or not the author's
    override calls ``super()``."""
    for name in EVENT_HOOKS:
        own = cls.__dict__.get(name)
        if isinstance(own, types.FunctionType) and not getattr(own, "__kit_intake__", False):
            setattr(cls, name, intake_hook(name, own))


__all__ = [
    "EVENT_HOOKS",
    "KIT_EVENT_PRIORITY",
    "OrderEventRouter",
    "intake_hook",
    "put_intake_in_front",
]
