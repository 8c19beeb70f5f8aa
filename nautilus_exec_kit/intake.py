"""How the kit reads a strategy's order events: Nautilus' hooks while it runs, the bus otherwise.

The kit must see every order event it acts on (the error policy's rejects and venue answers, the
algo and close_position books), before the author's handlers, even when an author's handler
forgets ``super()``. Two ways in, never both at once:

* **The message bus** (the default): the kit subscribes to the strategy's order topic with a
  priority above the strategy's own subscription. It sees every event in every lifecycle state,
  whatever the author overrides; but the bus calls into Python for every order event, five per
  plain limit order (Initialized, Submitted, Accepted, PendingCancel, Canceled), three of which
  the kit has nothing to do with. Measured on a backtest, that subscription alone cost 4-7%.
* **Nautilus' hooks, while the strategy runs**: ``Strategy.handle_event`` calls one cpdef
  ``on_order_*`` method per event class, looked up on the instance. :func:`install_hooks` sets,
  for each class the kit acts on (:data:`EVENT_HOOKS`), an instance attribute that reads the
  event and then calls whatever hook the strategy had (the author's override, resolved once).
  Events of the other classes never enter Python for the kit. Hooks are called only while the
  strategy is RUNNING, so the mixin installs them (and leaves the bus) once it runs, and returns
  to the bus (and removes them) before it stops, degrades or faults. It stays on the bus when
  the hooks could miss an event or see it in another order (see
  ``ExecutionMixin._kit_read_through_hooks``): an own ``handle_event`` / ``stop`` /
  ``degrade`` / ``fault``, ``manage_stop`` or ``manage_contingent_orders``.

The hooks of the venue's answers (accepted, filled, canceled, ...) have three states, which the
mixin switches (``ExecutionMixin._kit_sync_intake``) where a book or the error policy's need can
change: while the algo or close_position book holds an order they read through the router,
which hands the event on to the books; while only the error policy needs the answers (a chain
retries or is being reconciled) they read straight into ``PolicyRuntime.on_venue_answer``; and
otherwise the kit does not read them at all (:func:`withdraw_hooks`): the policy settles its
orders from their own event history instead (``PolicyRuntime.catch_up``), and Nautilus calls
no kit code for a healthy strategy's accepts, fills and cancels.

The author's hook is resolved when the hooks are installed (at ``start`` / ``resume``, and for
the venue's answers at a switch): a hook assigned to the class while the strategy runs takes
effect from then on; one assigned on the instance replaces the kit's until the next start
(switches leave it alone; reported at stop).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
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
from nautilus_trader.trading.strategy import Strategy

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


class OrderEventRouter:
    """The kit's intake of one strategy's order events: the error policy's handler for the
    event's class, then the algo and close_position books when they hold anything.

    A small slotted object rather than a strategy method: it runs for every order event, and
    its reads are then fixed-offset slot reads, not lookups in the strategy's large attribute
    dict (measured: about 10% of the kit's per-event cost in a backtest).
    """

    __slots__ = ("_algo_tracked", "_close_ids", "_on_books", "_policy_fallback", "_policy_table")

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

    def on_order_event(self, event: Any) -> None:
        """Read one event. Never raises (an exception here would abort ``engine.run()``): the
        policy's handlers never raise, and the books' part guards itself."""
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


def install_hooks(
    strategy: Any,
    reads: Mapping[str, Callable[[Any], None]],
    ours: Collection[Callable[[Any], None]],
    *,
    only_ours: bool = False,
    restored: Mapping[str, object] | None = None,
) -> None:
    """Put ``reads[name]`` in front of each hook ``name`` of ``reads`` on ``strategy`` (instance
    attributes, which Nautilus' cpdef dispatch finds before the class's methods).

    ``ours`` are every read the kit may install: a hook already reading through one of them is
    the kit's. Idempotent: a hook that already reads through its ``reads[name]`` is left as it
    is; one reading through another of ``ours`` is switched to it, keeping the hook it wraps.

    Where the strategy has no hook of its own (Nautilus' empty one), the attribute is the read
    itself: Nautilus then calls straight into the kit. Otherwise it reads, then calls the hook
    the strategy had (bound now); an override's ``super()`` goes to the classes, not back here.

    ``only_ours`` (a switch while running): a hook that is not the kit's (an author replaced
    it on the instance meanwhile) is left alone, as until then; :func:`remove_hooks` reports it.
    A hook :func:`withdraw_hooks` gave back (``restored``, what it returned) is still the kit's
    to take if it is unchanged.
    """
    for name, read in reads.items():
        current = strategy.__dict__.get(name, _NONE)  # an instance attribute, if any
        if current == read or (isinstance(current, _ReadThen) and current.read == read):
            continue
        then: Any = None
        if not _is_ours(current, ours):
            if only_ours and not _given_back(strategy, name, restored):
                continue
            own = current  # an author's instance attribute, or none
        elif isinstance(current, _ReadThen):
            own, then = current.own, current.then  # another read of the kit's: keep what it wraps
        else:
            own = _NONE  # the kit's bare read: the strategy has no hook of its own
            delattr(strategy, name)  # so that the lookup below finds the class's hook
        if then is None:
            if own is not _NONE:
                then = own
            elif getattr(type(strategy), name) is getattr(Strategy, name):
                setattr(strategy, name, read)
                continue
            else:
                then = getattr(strategy, name)  # the class's hook, bound as Python binds it
        setattr(strategy, name, _ReadThen(read, then, own))


def withdraw_hooks(
    strategy: Any, names: Collection[str], ours: Collection[Callable[[Any], None]],
) -> dict[str, object]:
    """Stop reading the hooks ``names`` (while running): each of the kit's goes, the author's
    own comes back. Returns what each withdrawn hook is now (for ``install_hooks(...,
    restored=...)`` and ``remove_hooks(..., restored=...)``); a hook that is not the kit's is
    left alone and not returned."""
    restored: dict[str, object] = {}
    for name in names:
        hook = strategy.__dict__.get(name, _NONE)
        if _is_ours(hook, ours):
            _give_back(strategy, name, hook)
            restored[name] = strategy.__dict__.get(name, _NONE)
    return restored


def remove_hooks(
    strategy: Any,
    ours: Collection[Callable[[Any], None]],
    restored: Mapping[str, object] | None = None,
) -> list[str]:
    """Undo :func:`install_hooks`: the kit's attributes go, an author's own come back.

    Returns the hooks that were no longer the kit's (an author replaced one on the instance
    while the strategy ran: the kit did not read that hook's events meanwhile); they are left
    as the author set them. ``restored``: what :func:`withdraw_hooks` gave back (already the
    author's own, unless replaced since).
    """
    replaced: list[str] = []
    for name in EVENT_HOOKS:
        if restored and name in restored:
            if not _given_back(strategy, name, restored):
                replaced.append(name)  # replaced while the kit did not read it
            continue
        hook = strategy.__dict__.get(name, _NONE)
        if hook is _NONE:
            continue
        if _is_ours(hook, ours):
            _give_back(strategy, name, hook)
        else:
            replaced.append(name)
    return replaced


def _give_back(strategy: Any, name: str, hook: object) -> None:
    """The kit's ``hook`` goes; the author's own instance hook it wrapped, if any, comes back."""
    if isinstance(hook, _ReadThen) and hook.own is not _NONE:
        setattr(strategy, name, hook.own)
    else:
        delattr(strategy, name)


#: "no instance attribute" (an author may set a hook attribute to any value, None included)
_NONE: Final = object()


def _given_back(strategy: Any, name: str, restored: Mapping[str, object] | None) -> bool:
    """The hook is as :func:`withdraw_hooks` left it (the author did not replace it since)."""
    return (
        restored is not None
        and name in restored
        and strategy.__dict__.get(name, _NONE) is restored[name]
    )


def _is_ours(hook: object, ours: Collection[Callable[[Any], None]]) -> bool:
    if isinstance(hook, _ReadThen):
        return any(hook.read == read for read in ours)
    return hook is not _NONE and any(hook == read for read in ours)


class _ReadThen:
    """``read(event)``, then the strategy's own hook."""

    __slots__ = ("own", "read", "then")

    def __init__(
        self,
        read: Callable[[Any], None],
        then: Callable[[Any], None],
        own: object,
    ) -> None:
        self.read = read
        self.then = then
        self.own = own

    def __call__(self, event: Any) -> None:
        self.read(event)
        self.then(event)


__all__ = [
    "EVENT_HOOKS",
    "KIT_EVENT_PRIORITY",
    "OrderEventRouter",
    "install_hooks",
    "remove_hooks",
    "withdraw_hooks",
]
