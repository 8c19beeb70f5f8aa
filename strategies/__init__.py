"""Example strategies written the way users should write theirs (copy one to start).

``strategies.one_way_trend`` / ``strategies.hedge_pair`` are the NautilusTrader 1 versions;
``strategies.v2`` holds their NautilusTrader 2 twins. The names exported here are those of the
installed generation.
"""

from typing import TYPE_CHECKING

from nautilus_exec_kit import nautilus_generation

# Type checkers see the v1 names (the default install; the v2 modules are checked on their own).
if TYPE_CHECKING or nautilus_generation() == "v1":
    from strategies.hedge_pair import HedgePair, HedgePairConfig
    from strategies.one_way_trend import OneWayTrend, OneWayTrendConfig
else:
    from strategies.v2 import HedgePair, HedgePairConfig, OneWayTrend, OneWayTrendConfig

__all__ = ["HedgePair", "HedgePairConfig", "OneWayTrend", "OneWayTrendConfig"]
