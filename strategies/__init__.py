"""Example strategies written the way users should write theirs (copy one to start).

``strategies.one_way_trend`` / ``strategies.hedge_pair`` are the NautilusTrader 1 versions;
``strategies.v2`` holds their NautilusTrader 2 twins. The names exported here are those of the
installed generation.
"""

from nautilus_exec_kit import nautilus_generation

if nautilus_generation() == "v2":
    from strategies.v2 import HedgePair, HedgePairConfig, OneWayTrend, OneWayTrendConfig
else:
    from strategies.hedge_pair import HedgePair, HedgePairConfig
    from strategies.one_way_trend import OneWayTrend, OneWayTrendConfig

__all__ = ["HedgePair", "HedgePairConfig", "OneWayTrend", "OneWayTrendConfig"]
