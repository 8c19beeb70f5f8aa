"""nautilus-exec-kit: validated, Binance-aware execution for NautilusTrader strategies."""

from nautilus_exec_kit import errors
from nautilus_exec_kit.config import ExecKitConfig

__version__ = "0.1.0"

__all__ = ["ExecKitConfig", "__version__", "errors"]
