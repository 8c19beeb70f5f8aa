"""Request authentication as Binance does it: API key, HMAC-SHA256 or Ed25519 signature, recvWindow.

A REST signature is checked against the *raw* text the client signed: the query string and the
``application/x-www-form-urlencoded`` body concatenated (Binance's rule, ``totalParams = query +
body``), everything except ``&signature=``. Re-encoding parsed params would break on JSON lists and
on clients that encode differently. A WS API signature is over the params sorted by name.

Every check answers the code Binance answers, so a client's own error handling is exercised:
-2014 (no key / malformed key), -2015 (unknown key), -1022 (bad signature), -1021 (timestamp out of
recvWindow), -1131 (recvWindow above 60000), -1100 / -1102 (malformed / missing timestamp).
Secrets never leave this module: failures say which check failed, not with what.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote_plus, urlencode

import attrs

from nautilus_exec_kit.sandbox._config import ApiCredential
from nautilus_exec_kit.sandbox._engine import BinanceReject

#: A route's security level, as Binance's docs name them: none, API key only, API key + signature.
PUBLIC, API_KEY, SIGNED = "public", "api_key", "signed"

MISSING_KEY = BinanceReject(-2014, "API-key format invalid.", status=401)
BAD_KEY = BinanceReject(-2015, "Invalid API-key, IP, or permissions for action.", status=401)
BAD_SIGNATURE = BinanceReject(-1022, "Signature for this request is not valid.")
BAD_TIMESTAMP = BinanceReject(
    -1021, "Timestamp for this request is outside of the recvWindow."
)
BAD_RECV_WINDOW = BinanceReject(-1131, "recvWindow must be less than 60000")
#: Binance refuses any recvWindow above this (ms).
MAX_RECV_WINDOW_MS = 60_000
_DIGITS = re.compile(r"[0-9]{1,20}")


def load_ed25519_public_key(pem_or_b64: str) -> object:
    """An Ed25519 public key from a PEM (SubjectPublicKeyInfo) or a base64 raw 32-byte key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    text = pem_or_b64.strip()
    if text.startswith("-----"):
        key = load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("ed25519_public_key is a PEM key but not an Ed25519 one")
        return key
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


@attrs.define
class _Verifier:
    secret: str | None = attrs.field(repr=False)
    ed_key: object | None = attrs.field(repr=False)

    def verify(self, payload: str, signature: str, *, url_encoded: bool,
               ed25519_only: bool = False) -> bool:
        if self.secret is not None and not ed25519_only:
            expected = hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256)
            if hmac.compare_digest(expected.hexdigest(), signature):
                return True
        if self.ed_key is not None:
            from cryptography.exceptions import InvalidSignature

            try:
                text = unquote_plus(signature) if url_encoded else signature
                raw = base64.b64decode(text, validate=True)
                self.ed_key.verify(raw, payload.encode())  # type: ignore[attr-defined]
            except (InvalidSignature, ValueError):
                return False
            return True
        return False


def ws_payload(params: Mapping[str, Any]) -> str:
    """What a WS API request signs: every param but ``signature``, sorted by name, ``k=v&...``."""
    return "&".join(f"{k}={_ws_value(params[k])}" for k in sorted(params) if k != "signature")


def ws_payloads(params: Mapping[str, Any]) -> tuple[str, str]:
    """The two texts clients sign a WS API request as: ``k=v`` plain (ccxt, Nautilus) and
    URL-encoded (Binance's SDK, ``urlencode`` of the sorted params). Binance accepts both; they
    differ only when a value has a character that encoding changes (``a:b/c``)."""
    items = [(k, _ws_value(params[k])) for k in sorted(params) if k != "signature"]
    return "&".join(f"{k}={v}" for k, v in items), urlencode(items)


def _ws_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@attrs.define
class Authenticator:
    """Checks API keys, signatures and timestamps for every credential of the account."""

    credentials: tuple[ApiCredential, ...]
    verify_signatures: bool = True
    recv_window_ms: int = 5000
    _verifiers: dict[str, _Verifier] = attrs.field(factory=dict, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        for cred in self.credentials:
            ed_key = (load_ed25519_public_key(cred.ed25519_public_key)
                      if cred.ed25519_public_key else None)
            self._verifiers[cred.api_key] = _Verifier(cred.api_secret, ed_key)

    @classmethod
    def of(cls, credentials: Iterable[ApiCredential], *, verify_signatures: bool,
           recv_window_ms: int) -> Authenticator:
        return cls(tuple(credentials), verify_signatures, recv_window_ms)

    def check_key(self, header_key: str | None) -> str:
        """The API key a request names, if it is one of the account's; -2014 / -2015 if not."""
        if not header_key:
            raise MISSING_KEY
        for known in self._verifiers:
            if hmac.compare_digest(header_key.encode(), known.encode()):
                return known
        raise BAD_KEY

    def verify(self, api_key: str, payload: str, signature: str, *,
               url_encoded: bool = True) -> bool:
        """Whether ``signature`` signs ``payload`` with ``api_key``'s HMAC secret or Ed25519 key.

        REST signatures arrive URL-encoded; WS API ones arrive raw (a base64 ``+`` must not be
        read as a space there).
        """
        verifier = self._verifiers.get(api_key)
        return verifier is not None and verifier.verify(payload, signature,
                                                        url_encoded=url_encoded)

    def verify_ed25519(self, api_key: str, params: Mapping[str, Any], signature: str) -> bool:
        """Whether ``signature`` signs the sorted ``params`` with ``api_key``'s Ed25519 key (the
        only kind ``session.logon`` accepts)."""
        verifier = self._verifiers.get(api_key)
        return verifier is not None and verifier.verify(ws_payload(params), signature,
                                                        url_encoded=False, ed25519_only=True)

    def check_signed(self, api_key: str, query: str, body: str, params: Mapping[str, str],
                     now_ms: int) -> None:
        """-1022 for a bad signature, then the timestamp checks (raw query and form body)."""
        if self.verify_signatures:
            payload, signature = split_signature(query, body)
            if signature is None or not self.verify(api_key, payload, signature):
                raise BAD_SIGNATURE
        self.check_timestamp(params.get("timestamp"), params.get("recvWindow"), now_ms)

    def check_ws_signed(self, api_key: str, params: Mapping[str, Any], now_ms: int) -> None:
        """A WS API request signed in its params (HMAC or Ed25519 over the sorted params)."""
        signature = str(params.get("signature", ""))
        if self.verify_signatures and not any(
            self.verify(api_key, payload, signature, url_encoded=False)
            for payload in dict.fromkeys(ws_payloads(params))
        ):
            raise BAD_SIGNATURE
        recv = params.get("recvWindow")
        self.check_timestamp(_opt_str(params.get("timestamp")), _opt_str(recv), now_ms)

    def check_timestamp(self, timestamp: str | None, recv_window: str | None, now_ms: int) -> None:
        if not timestamp:
            raise BinanceReject(
                -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."
            )
        window = self.recv_window_ms
        if recv_window:
            if not _DIGITS.fullmatch(recv_window):
                raise illegal_characters("recvWindow")
            window = int(recv_window)
            if window > MAX_RECV_WINDOW_MS:
                raise BAD_RECV_WINDOW
        if not _DIGITS.fullmatch(timestamp):
            raise illegal_characters("timestamp")
        # Binance: valid if timestamp < serverTime + 1000 and serverTime - timestamp <= recvWindow.
        ts = int(timestamp)
        if ts >= now_ms + 1000 or now_ms - ts > window:
            raise BAD_TIMESTAMP


def illegal_characters(name: str, legal: str = "^[0-9]{1,20}$") -> BinanceReject:
    """-1100 with Binance's wording for a parameter that does not match its format."""
    return BinanceReject(
        -1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'."
    )


def split_signature(query: str, body: str = "") -> tuple[str, str | None]:
    """(the signed payload, the signature) of a request; None if not exactly one signature.

    Binance signs ``totalParams``: the query string and the form body concatenated with nothing
    between them. The signature may end either part, so it is cut out of whichever carries it.
    """
    payloads, signatures = [], []
    for text in (query, body):
        parts = text.split("&") if text else []
        signatures += [p[len("signature="):] for p in parts if p.startswith("signature=")]
        payloads.append("&".join(p for p in parts if not p.startswith("signature=")))
    if len(signatures) != 1:
        return "".join(payloads), None
    return "".join(payloads), signatures[0]


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
