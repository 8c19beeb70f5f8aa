"""Every core module imports without Nautilus, in a fresh interpreter (whatever this one has)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import nautilus_exec_kit.core as core

ROOT = Path(__file__).resolve().parents[2]


def _core_modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages(core.__path__, prefix="nautilus_exec_kit.core.")
    )


def test_the_core_has_the_modules_the_bindings_use() -> None:
    names = _core_modules()
    for expected in ("rules", "validator", "pipeline", "capabilities", "params", "positions",
                     "algo", "margin", "settings", "rejects", "emulation", "policy.table",
                     "policy.reasons", "policy.budget", "policy.rules", "policy.report"):
        assert f"nautilus_exec_kit.core.{expected}" in names


def test_every_core_module_imports_without_nautilus() -> None:
    program = (
        "import importlib, sys\n"
        "sys.modules['nautilus_trader'] = None\n"
        f"for name in {_core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "import nautilus_exec_kit\n"
        "nautilus_exec_kit.ErrorPolicy, nautilus_exec_kit.PositionMode\n"
        "loaded = [m for m in sys.modules if m.startswith('nautilus_trader') and sys.modules[m]]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
