"""The exception tree, where users import it from (``nautilus_exec_kit.errors``).

It lives in :mod:`nautilus_exec_kit.core.errors`, the Nautilus-free core; this module is its
public address.
"""

from nautilus_exec_kit.core.errors import *  # noqa: F403
from nautilus_exec_kit.core.errors import __all__ as __all__
