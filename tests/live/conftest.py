"""Shared helpers for the live/ tests: generated keys and a probe strategy on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HERE = Path(__file__).parent
# The probe strategy is imported by path string ("live_probe_strategy:ProbeStrategy").
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

PROBE = "live_probe_strategy:ProbeStrategy"
IID = "BTCUSDT-PERP.BINANCE"
HMAC_KEY = "hK3vTq9XyPz2LmN8bR4cW6dF1gJ5sA7eU0iO3pQ9zX2vC8nM4bL6kJ1hG5fD7sA0"
HMAC_SECRET = "sEcReT7Yq2Wm9Xn4Bv6Cz1Ax3Lk8Jh5Gf0Ds2Pa7Oi4Uy9Tr6Ee3Ww1Qq8Zz5Xx"


def ed25519_pem() -> str:
    """A fresh unencrypted PKCS#8 PEM Ed25519 private key (what Binance asks users to make)."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


@pytest.fixture
def ed25519_secret() -> str:
    return ed25519_pem()
