"""Instruments from a saved ``GET /fapi/v1/exchangeInfo`` response, parsed by the adapter itself.

Why through the adapter: a backtest must trade the instrument the live node will trade, and the
live node builds it with ``BinanceFuturesInstrumentProvider`` (precision from ``tickSize`` /
``stepSize``, limits from PRICE_FILTER / LOT_SIZE / MIN_NOTIONAL, fee tier 0, the whole symbol
entry kept in ``instrument.info``). So the saved file is handed to that provider through an HTTP
client whose only answer is the file: the adapter's own msgspec schema decodes it and its own
``_parse_instrument`` builds each ``CryptoPerpetual``. Nothing here re-parses a filter.

What that implies (the live node does the same): ``margin_init`` and ``margin_maint`` are 1
("Binance docs: ignore API values"), so Nautilus' leveraged margin model charges exactly
``notional / leverage`` as initial margin, and maker/taker fees are Binance's tier 0 (0.02% /
0.05%). ``MARKET_LOT_SIZE`` and the other filters stay in ``instrument.info["filters"]``.

Example::

    instruments = load_exchange_info("exchangeInfo.json", symbols=["BTCUSDT", "ETHUSDT"])
    runner = BacktestRunner(config, instruments=list(instruments.values()))
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
from nautilus_trader.adapters.binance.common.enums import BinanceAccountType
from nautilus_trader.adapters.binance.futures.providers import BinanceFuturesInstrumentProvider
from nautilus_trader.adapters.binance.futures.schemas.market import BinanceFuturesExchangeInfo
from nautilus_trader.adapters.binance.http.client import BinanceHttpClient
from nautilus_trader.common.component import TestClock
from nautilus_trader.core.nautilus_pyo3 import HttpMethod
from nautilus_trader.model.instruments import CryptoPerpetual

from nautilus_exec_kit.data.errors import DataFileError

#: The only route the provider calls without credentials.
_EXCHANGE_INFO_PATH = "/fapi/v1/exchangeInfo"


class SavedExchangeInfoClient(BinanceHttpClient):
    """A ``BinanceHttpClient`` that answers ``exchangeInfo`` with saved bytes and nothing else.

    No socket is opened: the provider's requests stop here.
    """

    def __init__(self, body: bytes, clock: Any) -> None:
        super().__init__(clock=clock, api_key=None, api_secret=None, base_url="saved://")
        self._body = body

    async def send_request(
        self,
        http_method: HttpMethod,
        url_path: str,
        payload: dict[str, str] | None = None,
        ratelimiter_keys: list[str] | None = None,
    ) -> bytes:
        if url_path != _EXCHANGE_INFO_PATH:
            raise RuntimeError(f"a saved exchangeInfo answers no {url_path}")
        return self._body


def load_exchange_info(
    path: str | Path, symbols: Iterable[str] | None = None
) -> dict[str, CryptoPerpetual]:
    """The perpetuals of a saved exchangeInfo JSON, by Binance symbol (``"BTCUSDT"``).

    ``symbols`` (Binance symbols) limits the result and must all be listed as perpetuals.
    Instruments are stamped with the response's ``serverTime`` (so importing the same file twice
    gives the same instrument version). Raises :class:`DataFileError` naming the file for an
    unreadable file, a response the adapter's schema refuses, or a symbol it does not list.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(str(path), None, "no such file")
    body = path.read_bytes()
    try:
        info = msgspec.json.decode(body, type=BinanceFuturesExchangeInfo)
    except msgspec.ValidationError as exc:  # a DecodeError too: catch it first
        raise DataFileError(
            str(path), None, f"not a /fapi/v1/exchangeInfo response: {_named(body, exc)}"
        ) from None
    except msgspec.DecodeError as exc:
        raise DataFileError(str(path), _line_of(body, exc), f"not JSON ({exc})") from None
    clock = TestClock()
    clock.set_time(info.serverTime * 1_000_000)
    provider = BinanceFuturesInstrumentProvider(
        client=SavedExchangeInfoClient(body, clock),
        clock=clock,  # type: ignore[arg-type]  # the provider only reads timestamp_ns()
        account_type=BinanceAccountType.USDT_FUTURES,
    )
    asyncio.run(provider.load_all_async())
    perpetuals = {
        i.raw_symbol.value: i for i in provider.list_all() if isinstance(i, CryptoPerpetual)
    }
    if symbols is None:
        return perpetuals
    wanted = list(dict.fromkeys(symbols))
    missing = [s for s in wanted if s not in perpetuals]
    if missing:
        listed = sorted(perpetuals)
        more = f" and {len(listed) - 10} more" if len(listed) > 10 else ""
        shown = ", ".join(listed[:10]) + more
        raise DataFileError(
            str(path), None, f"lists no perpetual {', '.join(missing)} (it lists {shown})"
        )
    return {s: perpetuals[s] for s in wanted}


def _line_of(body: bytes, exc: msgspec.DecodeError) -> int | None:
    """The line of a JSON syntax error (msgspec names the byte offset: '(byte N)')."""
    found = re.search(r"\(byte (\d+)\)", str(exc))
    return body[: int(found[1])].count(b"\n") + 1 if found else None


def _named(body: bytes, exc: msgspec.ValidationError) -> str:
    """The schema error, with the symbol it is in when the path points into ``symbols[i]``."""
    text = str(exc)
    marker = "$.symbols["
    if marker in text:
        index = text[text.index(marker) + len(marker) :].split("]")[0]
        try:
            symbol = json.loads(body)["symbols"][int(index)]["symbol"]
        except (ValueError, KeyError, IndexError, TypeError):
            return text
        return f"{text} (symbol {symbol})"
    return text


__all__ = ["SavedExchangeInfoClient", "load_exchange_info"]
