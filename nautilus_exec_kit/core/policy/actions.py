"""What the error policy does with a reject, and the record of each decision it took."""

from __future__ import annotations

import enum

import attrs

from nautilus_exec_kit.core.policy.reasons import RejectReason


class Action(enum.StrEnum):
    """The seven answers the policy can give to a reject.

    * ``skip``: log once, count, drop. Never resend (a resend after "margin is insufficient"
      is the same order into the same wall).
    * ``backoff``: resend a FRESH order (new client order ID, tag ``retry-of=<first id>``)
      after an exponential, jittered delay on the strategy clock.
    * ``reconcile``: the venue may have executed it; query the order, wait for its state, and
      resend only if no such order turns up (a duplicate is worse than a miss; see
      docs/production.md section 5 for what "no answer" does and does not prove).
    * ``fail_fast``: the configuration or the code is wrong; stop the strategy (or raise).
    * ``halt``: refuse every submission until the ban/limit ends, then resume.
    * ``reduce_only``: the account (or one symbol) only takes orders that reduce a position:
      drop this order and enter reduce-only mode, in which the kit refuses orders that would
      increase exposure itself (:class:`~nautilus_exec_kit.errors.ReduceOnlyModeActive`) until
      a probe order is accepted or the strategy calls ``exit_reduce_only_mode()`` (see
      :mod:`nautilus_exec_kit.core.policy.restrictions`).
    * ``stop_instrument``: the symbol is not trading: drop this order and stop opening on that
      instrument only (:class:`~nautilus_exec_kit.errors.InstrumentStopped`) until the strategy
      calls ``resume_instrument(...)``.
    """

    SKIP = "skip"
    BACKOFF = "backoff"
    RECONCILE = "reconcile"
    FAIL_FAST = "fail_fast"
    HALT = "halt"
    REDUCE_ONLY = "reduce_only"
    STOP_INSTRUMENT = "stop_instrument"


class EventKind(enum.StrEnum):
    """Which event carried the reason."""

    REJECTED = "rejected"  # OrderRejected (venue)
    DENIED = "denied"  # OrderDenied (RiskEngine / adapter pre-submit)
    CANCEL_REJECTED = "cancel_rejected"
    MODIFY_REJECTED = "modify_rejected"


@attrs.frozen
class PolicyDecision:
    """One decision of the policy, passed to ``on_policy_decision(decision)`` and logged.

    Attributes
    ----------
    client_order_id : str
        The order the event was about.
    original_client_order_id : str
        The first order of its retry chain (equal to ``client_order_id`` for a first attempt).
    kind : EventKind
        Which event carried the reason.
    reason : RejectReason
        The parsed reason.
    action : Action
        What the policy does.
    attempt : int
        How many times this chain has been sent so far (1 = the original only).
    ts_ns : int
        Strategy-clock time of the decision.
    retry_at_ns : int | None
        When a retry (or the reconcile check) is scheduled, if any.
    note : str
        One human sentence: what happens next, or what to change (fail_fast).
    """

    client_order_id: str
    original_client_order_id: str
    kind: EventKind
    reason: RejectReason
    action: Action
    attempt: int
    ts_ns: int
    retry_at_ns: int | None = None
    note: str = ""


__all__ = ["Action", "EventKind", "PolicyDecision"]
