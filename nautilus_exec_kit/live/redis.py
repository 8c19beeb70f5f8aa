"""Redis for production nodes: check it before the node starts, and see what the node persisted.

Why this module: the kit's documented production set-up keeps the node's cache in Redis
(:class:`~nautilus_exec_kit.live.node_config.RedisSettings` builds the ``CacheConfig``), so a
restarted node reloads its orders and positions before it reconciles with the venue. Two things go
wrong in practice and are handled here:

* Redis is down or unreachable: Nautilus' Rust client then retries (``number_of_retries=100`` with
  exponential backoff) and the node hangs at start instead of failing. :func:`check_redis` fails
  fast with a message that says what to fix.
* "Did the node really persist anything?": :func:`persisted_state` counts the keys the cache wrote
  for one trader (orders, positions, accounts), which is what a restarted node will load.

It speaks the Redis protocol (RESP2) over a plain socket, so the kit needs no Redis client
library; it only issues read-only commands except in :func:`delete_trader_state`.

Example::

    settings = RedisSettings(host="127.0.0.1", port=6379)
    check_redis(settings)                       # raises ConfigurationError if unreachable
    config = production_cache_config(settings)  # CacheConfig(database=redis, buffered writes)
    ...
    print(persisted_state(settings, "EXECKIT-001"))   # {'orders': 12, 'positions': 1, ...}
"""

from __future__ import annotations

import socket
from collections import Counter
from typing import Any, Final

from nautilus_trader.cache.config import CacheConfig

from nautilus_exec_kit.core.errors import ConfigurationError
from nautilus_exec_kit.live.node_config import RedisSettings

#: How long a production check waits for Redis before saying it is unreachable.
DEFAULT_TIMEOUT_SECS: Final[float] = 2.0


class RedisProtocolError(ConfigurationError):
    """Redis answered with an error (wrong password, not a Redis server, ...)."""


class RedisConnection:
    """A minimal RESP2 connection: enough for PING, AUTH, SCAN, DBSIZE and DEL."""

    def __init__(self, settings: RedisSettings, timeout: float = DEFAULT_TIMEOUT_SECS) -> None:
        if settings.ssl:
            raise ConfigurationError(
                "the kit's Redis check does not speak TLS; check a TLS Redis with redis-cli")
        self._settings = settings
        try:
            self._sock = socket.create_connection((settings.host, settings.port), timeout=timeout)
        except OSError as exc:
            raise ConfigurationError(
                f"Redis at {settings.host}:{settings.port} is unreachable ({exc.strerror or exc}); "
                "start redis-server or fix RedisSettings(host, port) - a node started without "
                "it hangs retrying instead of failing"
            ) from None
        self._buffer = self._sock.makefile("rb")
        if settings.password is not None:
            args = ["AUTH"] + ([settings.username] if settings.username else [])
            # The password is sent, never logged: errors below only quote Redis' own answer.
            self.command(*args, settings.password.reveal())

    def close(self) -> None:
        """Close the socket."""
        self._buffer.close()
        self._sock.close()

    def __enter__(self) -> RedisConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def command(self, *args: str) -> Any:
        """Send one command and return the decoded reply (bytes are decoded as UTF-8)."""
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg.encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self._sock.sendall(b"".join(parts))
        return self._read()

    def _read(self) -> Any:
        line = self._buffer.readline()
        if not line:
            raise RedisProtocolError("Redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisProtocolError(f"Redis answered: {rest.decode(errors='replace')}")
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self._buffer.read(size + 2)[:-2]
            return data.decode(errors="replace")
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self._read() for _ in range(count)]
        raise RedisProtocolError(f"not a Redis server at {self._settings.describe()}")

    def scan(self, pattern: str, count: int = 1000) -> list[str]:
        """Every key matching ``pattern`` (SCAN, never the blocking KEYS)."""
        cursor, keys = "0", []
        while True:
            cursor, batch = self.command("SCAN", cursor, "MATCH", pattern, "COUNT", str(count))
            keys.extend(batch)
            if cursor == "0":
                return keys


def check_redis(settings: RedisSettings, timeout: float = DEFAULT_TIMEOUT_SECS) -> None:
    """Raise :class:`~nautilus_exec_kit.errors.ConfigurationError` unless Redis answers PING."""
    with RedisConnection(settings, timeout) as conn:
        answer = conn.command("PING")
    if answer != "PONG":
        raise RedisProtocolError(f"{settings.describe()} answered {answer!r} to PING")


def production_cache_config(settings: RedisSettings) -> CacheConfig:
    """The kit's production cache: Redis, msgpack, buffered writes, never flushed on start.

    ``flush_on_start=False`` is the whole point (a restart must reload the state). Writes are
    buffered for ``settings.buffer_interval_ms`` (100 ms by default): that bounds what a SIGKILL
    can lose, and start-up reconciliation with the venue restores anything newer.
    """
    config = settings.cache_config()
    if config.flush_on_start:
        raise ConfigurationError("flush_on_start=True would throw away the state a restart needs")
    return config


def trader_key_pattern(trader_id: str) -> str:
    """The key pattern Nautilus uses for one trader (``use_trader_prefix=True``, the default)."""
    return f"trader-{trader_id}:*"


def persisted_state(settings: RedisSettings, trader_id: str) -> dict[str, int]:
    """How many keys of each kind (orders, positions, accounts, ...) ``trader_id`` persisted."""
    with RedisConnection(settings) as conn:
        keys = conn.scan(trader_key_pattern(trader_id))
    counts: Counter[str] = Counter()
    for key in keys:
        parts = key.split(":")
        counts[parts[1] if len(parts) > 2 else "other"] += 1
    return dict(counts)


def delete_trader_state(settings: RedisSettings, trader_id: str) -> int:
    """Delete every key of ``trader_id`` (a fresh start). Returns how many were deleted.

    Never do this to a live trader's state: the restart would forget its orders and positions.
    """
    with RedisConnection(settings) as conn:
        keys = conn.scan(trader_key_pattern(trader_id))
        deleted = 0
        for start in range(0, len(keys), 500):
            deleted += int(conn.command("DEL", *keys[start:start + 500]))
    return deleted


__all__ = [
    "DEFAULT_TIMEOUT_SECS",
    "RedisConnection",
    "RedisProtocolError",
    "check_redis",
    "delete_trader_state",
    "persisted_state",
    "production_cache_config",
    "trader_key_pattern",
]
