"""The start-up position check on NautilusTrader 2: after the node reconciled, do its positions
equal Binance's? If not, the kit's helpers refuse to trade, and say why.

Why the kit asks Binance itself: v1's guard compares the cache with the position reports the
engine reconciled from (the ``ExecutionMassStatus`` it publishes on the message bus). v2 gives
Python neither the bus nor its adapter's HTTP client nor the reports; what it reconciled is only
visible as the result, in the cache. So the check reads the venue's positions with its own
signed ``GET /fapi/v2/positionRisk`` (weight 5, the endpoint v2's adapter reconciles from), with
the node's credentials (:class:`PositionRiskReader`), and hands both sides to the core's
comparison (:func:`nautilus_exec_kit.core.reconciliation.check_positions`).

When: v2 starts the strategies right after reconciliation and applies the events it buffered
meanwhile a moment later (measured: a fill that landed during reconciliation is counted twice,
0.050 in the node where Binance holds 0.030, and it shows up after ``on_start``). The check
therefore reads :data:`~nautilus_exec_kit.core.reconciliation.STARTUP_CHECK_DELAY_MS` after the
strategy starts and, on a mismatch, once more
:data:`~nautilus_exec_kit.core.reconciliation.CONFIRM_DELAY_MS` later (a fill in transit during
one read does not count, :func:`~nautilus_exec_kit.core.reconciliation.confirmed`). Orders the
kit's helpers get before the verdict wait for it (the core's ``position_check_hold``,
:mod:`nautilus_exec_kit.core.close_hold`): sent when the check passes, refused when it halts. On
a confirmed mismatch (``on_mismatch="halt"``, the default) the helpers refuse orders with
:class:`ReconciliationMismatch` until ``exec_kit_resume_trading()``; cancels always pass. A
venue that cannot be read counts as a failed check: the kit does not trade on a position it
could not verify.

The node factory (:func:`nautilus_exec_kit.v2.live.build_live_node`) attaches the check to
every kit strategy; a backtest has none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlencode

import attrs

from nautilus_exec_kit.core.errors import ConfigurationError
from nautilus_exec_kit.core.reconciliation import (
    CONFIRM_DELAY_MS,
    STARTUP_CHECK_DELAY_MS,
    MismatchAction,
    NodeFill,
    NodePosition,
    PositionCheck,
    VenuePosition,
    check_positions,
    confirmed,
    venue_positions_from_rows,
)
from nautilus_exec_kit.secrets import Secret, redact
from nautilus_exec_kit.v2.convert import SIDE

#: The USD-M futures REST base of each adapter environment (``BinanceEnvironment`` names), for
#: DEMO and LIVE; the sandbox passes its own.
FUTURES_HTTP_URLS: Final[dict[str, str]] = {
    "LIVE": "https://fapi.binance.com",
    "DEMO": "https://demo-fapi.binance.com",
}
POSITION_RISK_PATH: Final = "/fapi/v2/positionRisk"
#: The actions the v2 binding can carry out (v1's REDUCE needs the risk engine's state).
V2_ACTIONS: Final = frozenset({MismatchAction.LOG, MismatchAction.HALT})
_ALERT: Final = "exec-kit-position-check"


class VenueUnreadable(Exception):
    """The venue's positions could not be read (network, auth, rate limit)."""


@attrs.frozen
class PositionRiskReader:
    """Binance's positions over REST, signed with the node's credentials (HMAC-SHA256, or
    Ed25519 when the secret is a PKCS#8 PEM key, as the adapter takes it)."""

    base_url: str
    api_key: Secret
    api_secret: Secret
    recv_window_ms: int = 5_000
    timeout_s: float = 5.0

    def rows(self) -> list[dict[str, Any]]:
        """The ``positionRisk`` rows; raises :class:`VenueUnreadable` with a redacted reason."""
        query = urlencode({"recvWindow": self.recv_window_ms,
                           "timestamp": int(time.time() * 1000)})
        url = f"{self.base_url}{POSITION_RISK_PATH}?{query}&signature={self._sign(query)}"
        request = urllib.request.Request(url, headers={"X-MBX-APIKEY": self.api_key.reveal()})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                rows = json.loads(answer.read())
        except urllib.error.HTTPError as error:
            body = error.read().decode(errors="replace")[:200]
            raise VenueUnreadable(self._redact(f"HTTP {error.code}: {body}")) from None
        except (OSError, ValueError) as error:
            raise VenueUnreadable(self._redact(f"{type(error).__name__}: {error}")) from None
        if not isinstance(rows, list):
            raise VenueUnreadable(f"unexpected answer: {str(rows)[:200]}")
        return rows

    def positions(self) -> list[VenuePosition]:
        return venue_positions_from_rows(self.rows())

    def _sign(self, payload: str) -> str:
        secret = self.api_secret.reveal()
        if "PRIVATE KEY" in secret:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            key = load_pem_private_key(secret.encode(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ConfigurationError("api_secret is a PEM key but not an Ed25519 one")
            signature = base64.b64encode(key.sign(payload.encode())).decode()
            return urlencode({"s": signature})[2:]
        return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()

    def _redact(self, text: str) -> str:
        return redact(text, [self.api_key, self.api_secret])


def node_positions(cache: Any) -> list[NodePosition]:
    """The node's open positions (every owner) as the core's values, with their fills (the
    core counts a liquidation's fill on the leg it closed, whatever ID v2 booked it to)."""
    positions = []
    for position in cache.positions_open():
        quantity = position.quantity.as_decimal()
        fills = [NodeFill(f.client_order_id.value, SIDE[f.order_side], f.last_qty.as_decimal())
                 for f in position.events()]
        positions.append(NodePosition(
            str(position.instrument_id), position.id.value,
            -quantity if position.side.name == "SHORT" else quantity, fills,
        ))
    return positions


@attrs.frozen
class PositionVerdict:
    """The outcome of a start-up check: the comparison, or why the venue could not be read."""

    check: PositionCheck | None
    unreadable: str | None = None
    action: MismatchAction = MismatchAction.HALT

    @property
    def ok(self) -> bool:
        return self.check is not None and self.check.ok

    @property
    def halts(self) -> bool:
        return not self.ok and self.action is MismatchAction.HALT

    def headline(self) -> str:
        """The verdict in one line (a refused order's log line names it)."""
        if self.check is None:
            what = f"could not read the venue's positions ({self.unreadable})"
        elif self.ok:
            return f"start-up position check: {self.check.describe()}"
        else:
            what = "; ".join(m.describe() for m in self.check.mismatches)
        return f"start-up position check failed: {what}"

    def describe(self) -> str:
        if self.check is None:
            what = f"could not read the venue's positions ({self.unreadable})"
        else:
            what = self.check.describe()
        if self.ok:
            return f"start-up position check: {what}"
        then = ("the kit's helpers refuse new orders (ReconciliationMismatch) until "
                "exec_kit_resume_trading(); restart the node once the venue and the node agree"
                if self.halts else "on_mismatch='log': trading goes on")
        return f"start-up position check failed: {what}\n  {then}"


@attrs.define
class StartupPositionCheck:
    """One strategy's check: read :data:`STARTUP_CHECK_DELAY_MS` after ``start`` and, unless
    that read matched, again :data:`CONFIRM_DELAY_MS` later; then hand the verdict over.

    The verdict of two reads is what differed in both (:func:`confirmed`); when the first read
    could not reach the venue, the second read alone. ``read_venue`` and ``read_node`` return
    the two sides as core values; ``on_verdict`` gets the :class:`PositionVerdict`.
    """

    read_venue: Callable[[], list[VenuePosition]]
    hedge_mode: bool
    action: MismatchAction = MismatchAction.HALT

    def start(self, clock: Any, read_node: Callable[[], list[NodePosition]],
              on_verdict: Callable[[PositionVerdict], None]) -> None:
        def read() -> PositionCheck:
            return check_positions(read_node(), self.read_venue(), hedge_mode=self.hedge_mode)

        def verdict(earlier: PositionCheck | None) -> None:
            try:
                check = read()
            except Exception as error:  # VenueUnreadable, or the cache could not be read
                on_verdict(PositionVerdict(None, str(error), self.action))
                return
            if earlier is not None:
                check = confirmed(earlier, check)
            on_verdict(PositionVerdict(check, action=self.action))

        def first(_: Any) -> None:
            try:
                check: PositionCheck | None = read()
            except Exception:  # the second read decides
                check = None
            if check is not None and check.ok:
                on_verdict(PositionVerdict(check, action=self.action))
                return
            clock.set_time_alert_ns(f"{_ALERT}-confirm",
                                    clock.timestamp_ns() + CONFIRM_DELAY_MS * 1_000_000,
                                    lambda _: verdict(check), True)

        clock.set_time_alert_ns(_ALERT, clock.timestamp_ns() + STARTUP_CHECK_DELAY_MS * 1_000_000,
                                first, True)


def mismatch_action(value: MismatchAction | str) -> MismatchAction:
    """``on_mismatch`` as the v2 binding carries it out (``log`` or ``halt``)."""
    action = MismatchAction(value)
    if action not in V2_ACTIONS:
        raise ConfigurationError(
            f"position_check={action.value!r} is not offered on NautilusTrader 2 (v2 gives "
            "Python no risk-engine trading state); use 'halt' or 'log'",
        )
    return action


__all__ = [
    "FUTURES_HTTP_URLS",
    "PositionRiskReader",
    "PositionVerdict",
    "StartupPositionCheck",
    "VenueUnreadable",
    "mismatch_action",
    "node_positions",
]
