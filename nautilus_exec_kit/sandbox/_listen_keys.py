"""The account's listenKeys: one per API key, as Binance keeps them.

Binance USDT-M gives each API key one listenKey at a time: ``POST /fapi/v1/listenKey`` returns the
key's active listenKey (extending it) or a new one, ``PUT`` keeps *that* key's listenKey alive and
``DELETE`` closes it. A client can never touch, learn or close a listenKey another API key made;
the sandbox used to answer ``PUT`` with any client's key and ``DELETE`` by closing all of them.
"""

from __future__ import annotations

import secrets

import attrs

from nautilus_exec_kit.sandbox._engine import BinanceReject

NO_SUCH_KEY = BinanceReject(-1125, "This listenKey does not exist.")


@attrs.define
class _Entry:
    owner: str = attrs.field(repr=False)
    expires_ms: int


@attrs.define
class ListenKeys:
    """listenKey -> (owning API key, expiry); the registry the REST and WS API routes share."""

    validity_ms: int
    _keys: dict[str, _Entry] = attrs.field(factory=dict, repr=False)

    def copy(self) -> ListenKeys:
        """The same keys for a restarted venue (Binance keeps listenKeys across its restarts)."""
        return ListenKeys(self.validity_ms, {k: _Entry(e.owner, e.expires_ms)
                                             for k, e in self._keys.items()})

    def __len__(self) -> int:
        return len(self._keys)

    def _owned(self, owner: str, now_ms: int) -> str | None:
        for key, entry in self._keys.items():
            if entry.owner == owner and entry.expires_ms > now_ms:
                return key
        return None

    def open(self, owner: str, now_ms: int) -> str:
        """``owner``'s active listenKey, extended, or a new one."""
        key = self._owned(owner, now_ms)
        if key is None:
            key = secrets.token_urlsafe(48)
        self._keys[key] = _Entry(owner, now_ms + self.validity_ms)
        return key

    def keepalive(self, owner: str, now_ms: int, key: str | None = None) -> str:
        """Extend ``owner``'s listenKey (the one named, if any); -1125 if it has none."""
        current = self._owned(owner, now_ms)
        if current is None or (key and key != current):
            raise NO_SUCH_KEY
        self._keys[current].expires_ms = now_ms + self.validity_ms
        return current

    def close(self, owner: str, now_ms: int, key: str | None = None) -> None:
        """Close ``owner``'s listenKey (the one named, if any); -1125 if it has none."""
        current = self._owned(owner, now_ms)
        if current is None or (key and key != current):
            raise NO_SUCH_KEY
        del self._keys[current]

    def is_valid(self, key: str, now_ms: int) -> bool:
        entry = self._keys.get(key)
        return entry is not None and entry.expires_ms > now_ms

    def expire_all(self) -> None:
        self._keys.clear()
