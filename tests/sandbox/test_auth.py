"""The venue's authentication as Binance checks it, without sockets: keys, signatures, windows."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from nautilus_exec_kit.sandbox import BinanceReject
from nautilus_exec_kit.sandbox._auth import Authenticator, split_signature, ws_payload
from nautilus_exec_kit.sandbox._config import ApiCredential


def _auth() -> Authenticator:
    return Authenticator.of([ApiCredential("k", "s3cret"), ApiCredential("k2", "other")],
                            verify_signatures=True, recv_window_ms=5000)


def _sig(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def test_query_signature_and_timestamp_window() -> None:
    auth = _auth()
    payload = "symbol=BTCUSDT&timestamp=1000"
    params = {"symbol": "BTCUSDT", "timestamp": "1000"}
    auth.check_signed("k", f"{payload}&signature={_sig('s3cret', payload)}", "", params, 1500)
    with pytest.raises(BinanceReject, match="-1022"):
        auth.check_signed("k", f"{payload}&signature={'0' * 64}", "", params, 1500)
    with pytest.raises(BinanceReject, match="-1022"):  # k2's secret does not sign for k
        auth.check_signed("k", f"{payload}&signature={_sig('other', payload)}", "", params, 1500)
    with pytest.raises(BinanceReject, match="-1021"):
        auth.check_signed("k", f"{payload}&signature={_sig('s3cret', payload)}", "", params, 7000)
    assert "s3cret" not in repr(auth) and "other" not in repr(auth)


def test_body_and_split_signatures_are_binance_total_params() -> None:
    """Binance signs query + body concatenated; ccxt puts everything in the body."""
    auth = _auth()
    params = {"symbol": "BTCUSDT", "side": "BUY", "timestamp": "1000"}
    body = "symbol=BTCUSDT&side=BUY&timestamp=1000"
    auth.check_signed("k", "", f"{body}&signature={_sig('s3cret', body)}", params, 1500)
    query, rest = "symbol=BTCUSDT", "side=BUY&timestamp=1000"
    total = query + rest
    auth.check_signed("k", query, f"{rest}&signature={_sig('s3cret', total)}", params, 1500)
    with pytest.raises(BinanceReject, match="-1022"):  # signed the body alone: not the total
        auth.check_signed("k", query, f"{rest}&signature={_sig('s3cret', rest)}", params, 1500)
    assert split_signature("a=1&signature=x", "b=2") == ("a=1b=2", "x")
    assert split_signature("a=1&signature=x", "signature=y")[1] is None  # two signatures


@pytest.mark.parametrize(("header", "code"), [(None, -2014), ("", -2014), ("nope", -2015)])
def test_missing_and_unknown_keys(header: str | None, code: int) -> None:
    with pytest.raises(BinanceReject) as err:
        _auth().check_key(header)
    assert err.value.code == code
    assert _auth().check_key("k2") == "k2"


@pytest.mark.parametrize(("recv_window", "code"),
                         [("60001", -1131), ("abc", -1100), ("-5", -1100)])
def test_recv_window_limits(recv_window: str, code: int) -> None:
    with pytest.raises(BinanceReject) as err:
        _auth().check_timestamp("1000", recv_window, 1500)
    assert err.value.code == code


def test_recv_window_60000_is_allowed_and_used() -> None:
    _auth().check_timestamp("1000", "60000", 60_999)
    with pytest.raises(BinanceReject, match="-1021"):
        _auth().check_timestamp("1000", "60000", 61_001)


@pytest.mark.parametrize("timestamp", ["abc", "1e3", "NaN", "12.5"])
def test_malformed_timestamp_is_1100(timestamp: str) -> None:
    with pytest.raises(BinanceReject) as err:
        _auth().check_timestamp(timestamp, None, 1500)
    assert err.value.code == -1100


def test_ws_signatures_sort_params_and_ed25519_logon_only() -> None:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.PEM,
                                               PublicFormat.SubjectPublicKeyInfo).decode()
    auth = Authenticator.of([ApiCredential("k", "s3cret", public)], verify_signatures=True,
                            recv_window_ms=5000)
    params = {"timestamp": 1000, "apiKey": "k", "symbol": "BTCUSDT"}
    assert ws_payload(params) == "apiKey=k&symbol=BTCUSDT&timestamp=1000"
    hmac_signed = {**params, "signature": _sig("s3cret", ws_payload(params))}
    auth.check_ws_signed("k", hmac_signed, 1500)
    assert not auth.verify_ed25519("k", hmac_signed, hmac_signed["signature"])
    odd = {**params, "newClientOrderId": "a:b/c d"}
    encoded = "apiKey=k&newClientOrderId=a%3Ab%2Fc+d&symbol=BTCUSDT&timestamp=1000"
    auth.check_ws_signed("k", {**odd, "signature": _sig("s3cret", encoded)}, 1500)  # the SDK
    auth.check_ws_signed("k", {**odd, "signature": _sig("s3cret", ws_payload(odd))}, 1500)
    ed = base64.b64encode(private.sign(ws_payload(params).encode())).decode()
    assert auth.verify_ed25519("k", params, ed)
    with pytest.raises(BinanceReject, match="-1022"):
        auth.check_ws_signed("k", {**params, "symbol": "ETHUSDT", "signature": ed}, 1500)
