"""A shortened fault soak (200 orders, one kill -9) - the same code as benchmarks/fault_soak.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from .driver import ROOT

pytestmark = [pytest.mark.live, pytest.mark.redis]


def _soak_module() -> ModuleType:
    path = ROOT / "benchmarks" / "fault_soak.py"
    spec = importlib.util.spec_from_file_location("fault_soak", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_short_fault_soak_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    figures = _soak_module().run(orders=200, seed=11, restarts=1, workdir=tmp_path, quiet=True)
    # what to look at when it fails (pytest would cut the figures short)
    why = (
        f"converged={figures['converged']} lost={figures['lost_detail']} "
        f"duplicated={figures['dup_detail']} node logs in {figures['workdir']}"
    )
    assert figures["orders"] == 200
    assert figures["lost"] == 0, why
    assert figures["duplicated"] == 0, why
    assert figures["positions_match"], figures["position_check"]
    assert figures["secret_leaks"] == 0
    assert figures["filled"] > 0 and figures["acknowledged"] > 150  # the run really traded
