"""The example strategies on NautilusTrader 2: the same logic as their v1 twins (one module up),
in v2's words (``on_quote``, ``subscribe_quotes``, ``cancel_all_orders``; the kit's helpers are
the same). docs/migration.md puts each pair side by side."""

from strategies.v2.hedge_pair import HedgePair, HedgePairConfig
from strategies.v2.one_way_trend import OneWayTrend, OneWayTrendConfig

__all__ = ["HedgePair", "HedgePairConfig", "OneWayTrend", "OneWayTrendConfig"]
