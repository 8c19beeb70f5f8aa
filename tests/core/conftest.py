"""The core's tests run with Nautilus unimportable when ``EXEC_KIT_NO_NAUTILUS=1`` (``make test``
runs them that way first, with ``--confcutdir tests/core`` so no Nautilus-using conftest loads):
a core module that imports Nautilus then fails here, not in a user's v2 environment."""

from __future__ import annotations

import os
import sys

if os.environ.get("EXEC_KIT_NO_NAUTILUS") == "1":
    sys.modules["nautilus_trader"] = None  # type: ignore[assignment]
