"""A tiny signed REST client for raw Binance calls in tests (what the adapter never sends)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode


def call(base_url: str, method: str, path: str, params: dict[str, Any] | None = None, *,
         api_key: str = "sandbox-api-key", api_secret: str | None = "sandbox-api-secret",
         signed: bool = True, timestamp: int | None = None,
         bad_signature: bool = False) -> tuple[int, Any, dict[str, str]]:
    """Send one request; return (status, decoded body or raw text, headers)."""
    query = dict(params or {})
    if signed:
        query["timestamp"] = timestamp if timestamp is not None else int(time.time() * 1000)
    qs = urlencode(query)
    if signed and api_secret is not None:
        sig = hmac.new(api_secret.encode(), qs.encode(), hashlib.sha256).hexdigest()
        if bad_signature:
            sig = "0" * len(sig)
        qs += f"&signature={sig}"
    req = urllib.request.Request(f"{base_url}{path}?{qs}", method=method,
                                 headers={"X-MBX-APIKEY": api_key})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            status, raw, headers = resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        status, raw, headers = err.code, err.read().decode(), dict(err.headers)
    try:
        body: Any = json.loads(raw)
    except ValueError:
        body = raw
    return status, body, headers
