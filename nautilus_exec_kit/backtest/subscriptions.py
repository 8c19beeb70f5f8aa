"""Which of a strategy's data subscriptions the run can feed, and a warning for each it cannot.

Why: a strategy that subscribed to quote ticks, run on bars only, trades nothing and reports
nothing wrong (issue 14: "0 orders" on real BTCUSDT bars). After the first batch (strategies have
started and subscribed) the runner compares every strategy's and actor's subscription topic with
the topics the feed's data is published on, and warns by name about each one nothing will ever
be published on.

How "fed" is decided, without modelling Nautilus' aggregation rules: a topic is fed when the
feed's data is published on it, or when a ``BarAggregator`` publishes on it and the aggregator's
own source topic is fed (internal bars from trades/quotes, composite bars from external bars,
chains of those). Topics are Nautilus' own (``TopicCache``), so they cannot drift from the
engine's.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Any, Final

import attrs
from nautilus_trader.common.actor import Actor
from nautilus_trader.common.data_topics import TopicCache
from nautilus_trader.data.aggregation import BarAggregator
from nautilus_trader.model.data import BarType
from nautilus_trader.model.identifiers import InstrumentId

from nautilus_exec_kit.backtest.feed import DataKey

_TOPICS: Final = TopicCache()

#: kind of data -> the topic Nautilus publishes one series of it on.
TOPIC_OF_KIND: Final[dict[str, Callable[[str], str]]] = {
    "quote ticks": lambda i: _TOPICS.get_quotes_topic(InstrumentId.from_str(i)),
    "trade ticks": lambda i: _TOPICS.get_trades_topic(InstrumentId.from_str(i)),
    "bars": lambda b: _TOPICS.get_bars_topic(BarType.from_str(b).standard()),
    "mark prices": lambda i: _TOPICS.get_mark_prices_topic(InstrumentId.from_str(i)),
    "index prices": lambda i: _TOPICS.get_index_prices_topic(InstrumentId.from_str(i)),
    "funding rates": lambda i: _TOPICS.get_funding_rates_topic(InstrumentId.from_str(i)),
    "order book deltas": lambda i: _TOPICS.get_deltas_topic(InstrumentId.from_str(i)),
    "order book depth": lambda i: _TOPICS.get_depth_topic(InstrumentId.from_str(i)),
}

#: topic prefix -> what a subscriber to it asked for (for the message).
_KIND_OF_PREFIX: Final[tuple[tuple[str, str], ...]] = (
    ("data.quotes.", "quote ticks"),
    ("data.trades.", "trade ticks"),
    ("data.bars.", "bars"),
    ("data.mark_prices.", "mark prices"),
    ("data.index_prices.", "index prices"),
    ("data.funding_rates.", "funding rates"),
    ("data.book.deltas.", "order book deltas"),
    ("data.book.depth.", "order book depth"),
)


class UnfedSubscriptionWarning(UserWarning):
    """A strategy subscribed to data the backtest does not contain (its handler never runs)."""


@attrs.frozen
class UnfedSubscription:
    """One subscription no data of the run will reach."""

    subscriber: str
    kind: str
    target: str
    available: tuple[DataKey, ...]

    def message(self) -> str:
        has = ", ".join(str(k) for k in self.available) or "no data"
        return (
            f"{self.subscriber} subscribed to {self.kind} of {self.target}, but the run has "
            f"none (it has: {has}); that handler will never be called"
        )


def fed_topics(contents: Iterable[DataKey], msgbus: Any) -> set[str]:
    """The topics the run's data is published on, plus those of bars aggregated from them."""
    fed = {TOPIC_OF_KIND[key.kind](key.identifier) for key in contents if key.kind in TOPIC_OF_KIND}
    produces: list[tuple[str, str]] = []  # (source topic, produced topic)
    for sub in msgbus.subscriptions("data.*"):
        owner = getattr(sub.handler, "__self__", None)
        if isinstance(owner, BarAggregator):
            produces.append((sub.topic, _TOPICS.get_bars_topic(owner.bar_type.standard())))
    grew = True
    while grew:
        new = {out for source, out in produces if source in fed and out not in fed}
        fed |= new
        grew = bool(new)
    return fed


def unfed_subscriptions(
    msgbus: Any, subscribers: Iterable[Actor], contents: Iterable[DataKey]
) -> list[UnfedSubscription]:
    """Every subscription of ``subscribers`` (strategies, actors) the run's data cannot reach.

    Wildcard subscriptions (``data.quotes.*``) ask for "whatever comes" and are never unfed.
    """
    contents = sorted(contents)
    fed = fed_topics(contents, msgbus)
    owners = {id(s): s for s in subscribers}
    found: list[UnfedSubscription] = []
    for sub in msgbus.subscriptions("data.*"):
        owner = owners.get(id(getattr(sub.handler, "__self__", None)))
        topic = sub.topic
        if owner is None or "*" in topic or "?" in topic or topic in fed:
            continue
        kind, target = _describe(topic)
        found.append(UnfedSubscription(str(owner.id), kind, target, tuple(contents)))
    return found


def warn_unfed(unfed: Iterable[UnfedSubscription]) -> list[str]:
    """Issue one :class:`UnfedSubscriptionWarning` per subscription; return the messages."""
    messages = [u.message() for u in unfed]
    for message in messages:
        warnings.warn(message, UnfedSubscriptionWarning, stacklevel=4)
    return messages


def _describe(topic: str) -> tuple[str, str]:
    """(kind, instrument or bar type) of a subscription topic, for the message."""
    for prefix, kind in _KIND_OF_PREFIX:
        if topic.startswith(prefix):
            rest = topic[len(prefix) :]
            if kind == "bars":
                return kind, rest
            venue, _, symbol = rest.partition(".")
            return kind, f"{symbol}.{venue}"
    return "data", topic.removeprefix("data.")


__all__ = [
    "TOPIC_OF_KIND",
    "UnfedSubscription",
    "UnfedSubscriptionWarning",
    "fed_topics",
    "unfed_subscriptions",
    "warn_unfed",
]
