"""Credentials come from the adapter's documented variables; key types are detected like it does."""

from __future__ import annotations

import base64
import warnings

import pytest
from conftest import HMAC_KEY, HMAC_SECRET, ed25519_pem
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nautilus_trader.adapters.binance.common.credentials import get_api_key, get_api_secret
from nautilus_trader.adapters.binance.common.enums import (
    BinanceAccountType,
    BinanceEnvironment,
    BinanceKeyType,
)

from nautilus_exec_kit.core.errors import ConfigurationError, MissingCredentials
from nautilus_exec_kit.live.credentials import (
    credential_vars,
    credentials_from_env,
    detect_key_type,
)
from nautilus_exec_kit.live.environments import PROFILES, Environment

FUT = BinanceAccountType.USDT_FUTURES


@pytest.mark.parametrize(
    ("env", "binance_env"),
    [(Environment.DEMO, BinanceEnvironment.DEMO), (Environment.LIVE, BinanceEnvironment.LIVE)],
)
def test_variable_names_are_the_ones_the_adapter_reads(
    env: Environment, binance_env: BinanceEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_var, secret_var = credential_vars(env, FUT)
    monkeypatch.setenv(key_var, HMAC_KEY)
    monkeypatch.setenv(secret_var, HMAC_SECRET)
    # The adapter, given the same environment, finds exactly these values.
    assert get_api_key(FUT, binance_env) == HMAC_KEY
    assert get_api_secret(FUT, binance_env) == HMAC_SECRET
    creds = credentials_from_env(env, FUT)
    assert creds.api_key.reveal() == HMAC_KEY
    assert creds.key_type is BinanceKeyType.HMAC


def test_testnet_spot_vars_match_the_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    key_var, secret_var = credential_vars(Environment.TESTNET, BinanceAccountType.SPOT)
    monkeypatch.setenv(key_var, HMAC_KEY)
    monkeypatch.setenv(secret_var, HMAC_SECRET)
    assert get_api_key(BinanceAccountType.SPOT, BinanceEnvironment.TESTNET) == HMAC_KEY


def test_testnet_futures_refused_with_the_reason() -> None:
    with pytest.raises(ConfigurationError, match="DEMO"):
        credential_vars(Environment.TESTNET, FUT)


def test_ed25519_pem_from_env_is_detected(ed25519_secret: str) -> None:
    environ = {"BINANCE_DEMO_API_KEY": HMAC_KEY, "BINANCE_DEMO_API_SECRET": ed25519_secret}
    creds = credentials_from_env("demo", FUT, environ)
    assert creds.key_type is BinanceKeyType.ED25519
    assert creds.api_secret.reveal() == ed25519_secret
    for text in (repr(creds), str(creds), creds.describe()):
        assert ed25519_secret not in text
        assert ed25519_secret.splitlines()[1] not in text
        assert HMAC_KEY not in text


def test_missing_variables_are_named_without_values() -> None:
    with pytest.raises(MissingCredentials) as info:
        credentials_from_env("live", FUT, {"BINANCE_API_KEY": HMAC_KEY})
    message = str(info.value)
    assert "BINANCE_API_SECRET" in message
    assert HMAC_KEY not in message


def test_deprecated_futures_vars_are_still_accepted() -> None:
    environ = {"BINANCE_ED25519_API_KEY": HMAC_KEY, "BINANCE_ED25519_API_SECRET": ed25519_pem()}
    creds = credentials_from_env("live", FUT, environ)
    assert creds.key_type is BinanceKeyType.ED25519
    assert "BINANCE_ED25519_API_KEY" in creds.source


def test_sandbox_vars_are_kit_specific() -> None:
    assert PROFILES[Environment.SANDBOX].futures_key_vars == (
        "EXEC_KIT_SANDBOX_API_KEY",
        "EXEC_KIT_SANDBOX_API_SECRET",
    )


def test_hmac_secret_detected_as_hmac() -> None:
    assert detect_key_type(HMAC_SECRET) is BinanceKeyType.HMAC


def test_encrypted_pem_refused() -> None:
    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        )
        .decode()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ConfigurationError, match="encrypted"):
            detect_key_type(pem)


def test_rsa_pem_refused() -> None:
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=1024)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(ConfigurationError, match="not an Ed25519"):
        detect_key_type(pem)


def test_raw_ed25519_seed_refused() -> None:
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    with pytest.raises(ConfigurationError, match="raw 32-byte"):
        detect_key_type(base64.b64encode(seed).decode())
