"""The error policy read from a v1 strategy config."""

from __future__ import annotations

from nautilus_exec_kit.config import ExecKitConfig
from nautilus_exec_kit.core.policy import Action, ErrorPolicy, parse_reason


def test_from_config_reads_error_policy() -> None:
    policy = ErrorPolicy.from_config(ExecKitConfig(error_policy={"-2021": "fail_fast"}))
    assert policy.action_for(parse_reason("{'code': -2021, 'msg': 'x'}")) is Action.FAIL_FAST
