"""Live trading: environments, credentials, the node-config factory, config files, the runner.

Users import from here::

    from nautilus_exec_kit.live import Environment, plan_node, strategy_config, run_node
"""

from nautilus_exec_kit.live.config_file import (
    KNOWN_REPLACEMENTS,
    NodeFile,
    UnknownNodeConfigKey,
    load_node_file,
    parse_node_file,
)
from nautilus_exec_kit.live.credentials import (
    Credentials,
    credential_vars,
    credentials_from_env,
    detect_key_type,
)
from nautilus_exec_kit.live.environments import (
    PROFILES,
    Environment,
    EnvironmentProfile,
    RetrySettings,
    profile,
)
from nautilus_exec_kit.live.node_config import (
    Endpoints,
    NodePlan,
    RedisSettings,
    build_node_config,
    plan_node,
    strategy_config,
)
from nautilus_exec_kit.live.runner import (
    LIVE_OPT_IN_FLAG,
    LIVE_OPT_IN_VAR,
    RunResult,
    confirm_live,
    run_node,
)

__all__ = [
    "KNOWN_REPLACEMENTS",
    "LIVE_OPT_IN_FLAG",
    "LIVE_OPT_IN_VAR",
    "PROFILES",
    "Credentials",
    "Endpoints",
    "Environment",
    "EnvironmentProfile",
    "NodeFile",
    "NodePlan",
    "RedisSettings",
    "RetrySettings",
    "RunResult",
    "UnknownNodeConfigKey",
    "build_node_config",
    "confirm_live",
    "credential_vars",
    "credentials_from_env",
    "detect_key_type",
    "load_node_file",
    "parse_node_file",
    "plan_node",
    "profile",
    "run_node",
    "strategy_config",
]
