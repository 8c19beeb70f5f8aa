"""Request authentication as Binance does it: API key, HMAC-SHA256 or Ed25519 signature, recvWindow.

The signature is checked against the *raw* query string (everything before ``&signature=``), because
that is exactly what the client signed; re-encoding parsed params would break on JSON lists.
Secrets never leave this module: failures say which check failed, not with what.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import unquote_plus

import attrs

from nautilus_exec_kit.sandbox._engine import BinanceReject

BAD_KEY = BinanceReject(-2015, "Invalid API-key, IP, or permissions for action.", status=401)
BAD_SIGNATURE = BinanceReject(-1022, "Signature for this request is not valid.")
BAD_TIMESTAMP = BinanceReject(
    -1021, "Timestamp for this request is outside of the recvWindow."
)


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
class Authenticator:
    """Checks the API key header, the signature and the timestamp of signed requests."""

    api_key: str
    api_secret: str | None = attrs.field(repr=False)
    ed25519_public_key: str | None = attrs.field(repr=False)
    verify_signatures: bool = True
    recv_window_ms: int = 5000
    _ed_key: object | None = attrs.field(default=None, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.ed25519_public_key:
            self._ed_key = load_ed25519_public_key(self.ed25519_public_key)

    def check_key(self, header_key: str | None) -> None:
        """-2015 unless the ``X-MBX-APIKEY`` header names the venue's key."""
        if header_key is None or not hmac.compare_digest(header_key, self.api_key):
            raise BAD_KEY

    def verify(self, payload: str, signature: str, *, url_encoded: bool = True) -> bool:
        """Whether ``signature`` signs ``payload`` with the HMAC secret or the Ed25519 key.

        REST signatures arrive URL-encoded in the query string; WS API ones arrive raw (a base64
        ``+`` must not be read as a space there).
        """
        if self.api_secret is not None:
            expected = hmac.new(self.api_secret.encode(), payload.encode(), hashlib.sha256)
            if hmac.compare_digest(expected.hexdigest(), signature):
                return True
        if self._ed_key is not None:
            from cryptography.exceptions import InvalidSignature

            try:
                text = unquote_plus(signature) if url_encoded else signature
                raw = base64.b64decode(text, validate=True)
                self._ed_key.verify(raw, payload.encode())  # type: ignore[attr-defined]
            except (InvalidSignature, ValueError):
                return False
            return True
        return False

    def check_signed(self, raw_query: str, timestamp: str | None, recv_window: str | None,
                     now_ms: int) -> None:
        """-1022 for a bad signature, -1021 for a timestamp outside recvWindow."""
        if self.verify_signatures:
            payload, sep, signature = raw_query.rpartition("&signature=")
            if not sep or not self.verify(payload, signature):
                raise BAD_SIGNATURE
        self.check_timestamp(timestamp, recv_window, now_ms)

    def check_timestamp(self, timestamp: str | None, recv_window: str | None, now_ms: int) -> None:
        if not timestamp:
            raise BinanceReject(
                -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."
            )
        window = int(recv_window) if recv_window else self.recv_window_ms
        # Binance: valid if timestamp < serverTime + 1000 and serverTime - timestamp <= recvWindow.
        ts = int(timestamp)
        if ts >= now_ms + 1000 or now_ms - ts > window:
            raise BAD_TIMESTAMP
