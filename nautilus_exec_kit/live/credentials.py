"""API credentials: read from the documented environment variables, key type detected, never shown.

The adapter supports HMAC secrets and Ed25519 private keys (unencrypted PKCS#8 PEM); it detects
Ed25519 by the PKCS#8 OID inside the base64 body (``is_ed25519_private_key``). The kit uses the
adapter's own detector so the two can never disagree, and adds the checks the adapter leaves to a
failed login: an encrypted PEM (the adapter only warns and then signs with garbage), an RSA key
(refused by the exec client factory), a raw 32-byte Ed25519 seed (not detected, signs as HMAC).

Example::

    creds = credentials_from_env(Environment.DEMO)
    print(creds.describe())          # 'Ed25519 key ****a1b2 (from BINANCE_DEMO_API_KEY)'
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping

import attrs
from nautilus_trader.adapters.binance.common.credentials import is_ed25519_private_key
from nautilus_trader.adapters.binance.common.enums import BinanceAccountType, BinanceKeyType

from nautilus_exec_kit.core.errors import ConfigurationError, MissingCredentials
from nautilus_exec_kit.live.environments import (
    TESTNET_FUTURES_MESSAGE,
    Environment,
    profile,
)
from nautilus_exec_kit.secrets import Secret


@attrs.frozen
class Credentials:
    """An API key and secret, with the detected key type and where they came from.

    Both values are :class:`~nautilus_exec_kit.secrets.Secret`: the repr shows ``'****'``.
    """

    api_key: Secret
    api_secret: Secret
    key_type: BinanceKeyType
    #: Where the values came from, e.g. ``"env BINANCE_DEMO_API_KEY"`` or ``"sandbox venue"``.
    source: str

    @classmethod
    def from_values(cls, api_key: str, api_secret: str, *, source: str) -> Credentials:
        """Wrap plain values, detecting the key type (raises on unusable secrets)."""
        return cls(
            api_key=Secret(api_key),
            api_secret=Secret(api_secret),
            key_type=detect_key_type(api_secret),
            source=source,
        )

    @property
    def key_id(self) -> str:
        """The API key's tail, safe to print (``****a1b2``)."""
        return self.api_key.masked()

    def describe(self) -> str:
        """One printable line: key type, redacted key id, source."""
        return f"{self.key_type.value} key {self.key_id} ({self.source})"


def _pem_body(api_secret: str) -> bytes | None:
    body = "".join(line.strip() for line in api_secret.splitlines() if not line.startswith("-----"))
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None


def detect_key_type(api_secret: str) -> BinanceKeyType:
    """The key type the adapter will use for ``api_secret``: HMAC or ED25519.

    Raises :class:`ConfigurationError` for secrets the adapter would accept but sign wrongly with:
    encrypted PEM, RSA / other PEM keys, and raw 32-byte Ed25519 seeds.
    """
    if not api_secret.strip():
        raise ConfigurationError("api_secret is empty; set the secret variable to the key's secret")
    if "ENCRYPTED" in api_secret:
        raise ConfigurationError(
            "api_secret is an encrypted PEM key; the adapter supports only unencrypted PKCS#8 "
            "PEM. Decrypt it with: openssl pkey -in encrypted.pem -out decrypted.pem"
        )
    if is_ed25519_private_key(api_secret):
        return BinanceKeyType.ED25519
    if "-----BEGIN" in api_secret:
        raise ConfigurationError(
            "api_secret is a PEM key but not an Ed25519 PKCS#8 private key (RSA keys are refused "
            "by the Binance exec client). Use an Ed25519 key "
            "(openssl genpkey -algorithm ed25519) or an HMAC secret"
        )
    body = _pem_body(api_secret)
    if body is not None and len(body) == 32 and api_secret.strip().endswith("="):
        raise ConfigurationError(
            "api_secret looks like a raw 32-byte Ed25519 seed; the adapter only detects PKCS#8 "
            "PEM keys and would sign it as an HMAC secret. Export it as PEM "
            "(openssl pkey -in key.pem) and set that instead"
        )
    return BinanceKeyType.HMAC


def credential_vars(
    environment: Environment | str, account_type: BinanceAccountType
) -> tuple[str, str]:
    """The (key, secret) environment variable names for ``environment`` and ``account_type``."""
    prof = profile(environment)
    if account_type.is_spot_or_margin:
        names = prof.spot_key_vars
    else:
        if not prof.futures:
            raise ConfigurationError(TESTNET_FUTURES_MESSAGE)
        names = prof.futures_key_vars
    if names is None:
        raise ConfigurationError(
            f"environment={prof.environment.value} does not offer account_type={account_type.value}"
        )
    return names


def credentials_from_env(
    environment: Environment | str,
    account_type: BinanceAccountType = BinanceAccountType.USDT_FUTURES,
    environ: Mapping[str, str] | None = None,
) -> Credentials:
    """Read the API key and secret from the variables the adapter documents for ``environment``.

    ``environ`` defaults to :data:`os.environ` (tests pass their own mapping). Raises
    :class:`~nautilus_exec_kit.errors.MissingCredentials` naming the variables that are unset.
    """
    env = os.environ if environ is None else environ
    key_var, secret_var = credential_vars(environment, account_type)
    api_key, api_secret = env.get(key_var), env.get(secret_var)
    source_vars = (key_var, secret_var)

    deprecated = profile(environment).deprecated_futures_key_vars
    if (
        (api_key is None or api_secret is None)
        and deprecated
        and not account_type.is_spot_or_margin
    ):
        # The adapter still reads these for futures (with a DeprecationWarning): accept them too,
        # so a node the adapter would start is not refused by the kit.
        old_key, old_secret = env.get(deprecated[0]), env.get(deprecated[1])
        if old_key is not None and old_secret is not None:
            api_key, api_secret, source_vars = old_key, old_secret, deprecated

    missing = [
        name
        for name, value in zip((key_var, secret_var), (api_key, api_secret), strict=True)
        if not value
    ]
    if missing or api_key is None or api_secret is None:
        raise MissingCredentials(
            f"{' and '.join(missing)} not set: environment="
            f"{Environment.parse(environment).value} reads the API key from {key_var} and the "
            f"secret (HMAC secret or unencrypted Ed25519 PEM) from {secret_var}"
        )
    return Credentials.from_values(api_key, api_secret, source=f"env {source_vars[0]}")


__all__ = ["Credentials", "credential_vars", "credentials_from_env", "detect_key_type"]
