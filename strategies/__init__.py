"""Example strategies written the way users should write theirs (copy one to start)."""

from strategies.hedge_pair import HedgePair, HedgePairConfig
from strategies.one_way_trend import OneWayTrend, OneWayTrendConfig

__all__ = ["HedgePair", "HedgePairConfig", "OneWayTrend", "OneWayTrendConfig"]
