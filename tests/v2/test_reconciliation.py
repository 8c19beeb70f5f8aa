"""The v2 start-up position check's parts: Binance's positionRisk read with the node's own
credentials (real HTTP against the sandbox on 127.0.0.1), the two-read verdict on a clock, and
the factory's options. The check on a running LiveNode is in tests/nautilus2."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from nautilus_trader import model as nt
from nautilus_trader.core import UUID4
from nautilus_trader.model import StrategyId
from nautilus_trader.trading import Strategy

from nautilus_exec_kit.core import errors as E
from nautilus_exec_kit.core.reconciliation import (
    CONFIRM_DELAY_MS,
    STARTUP_CHECK_DELAY_MS,
    MismatchAction,
    NodePosition,
    VenuePosition,
    check_positions,
)
from nautilus_exec_kit.sandbox import SandboxConfig, SandboxVenue, run_sandbox_in_thread
from nautilus_exec_kit.secrets import Secret
from nautilus_exec_kit.v2.backtest import btcusdt_perp
from nautilus_exec_kit.v2.config import ExecKitConfig
from nautilus_exec_kit.v2.live import Credentials, SandboxEndpoints, build_live_node
from nautilus_exec_kit.v2.mixin import ExecutionMixin
from nautilus_exec_kit.v2.reconciliation import (
    PositionRiskReader,
    PositionVerdict,
    StartupPositionCheck,
    VenueUnreadable,
    node_positions,
)

IID = "BTCUSDT-PERP.BINANCE"
SECRET = "sandbox-api-secret"


@pytest.fixture(scope="module")
def venue() -> Iterator[SandboxVenue]:
    handle = run_sandbox_in_thread(SandboxConfig())
    handle.venue.faults.external_order(symbol="BTCUSDT", side="SELL", type="MARKET",
                                       quantity="0.030")
    yield handle.venue
    handle.stop()


def test_the_reader_signs_like_the_adapter_and_reads_the_venues_positions(
    venue: SandboxVenue,
) -> None:
    reader = PositionRiskReader(venue.base_url_http, Secret("sandbox-api-key"), Secret(SECRET))
    assert reader.positions() == [VenuePosition(IID, "BOTH", Decimal("-0.030"))]
    wrong = PositionRiskReader(venue.base_url_http, Secret("sandbox-api-key"),
                               Secret("not-the-secret-at-all"))
    with pytest.raises(VenueUnreadable, match="-1022") as info:
        wrong.positions()
    assert "not-the-secret-at-all" not in str(info.value)
    assert SECRET not in repr(reader)


def test_the_reader_signs_with_an_ed25519_key() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    handle = run_sandbox_in_thread(SandboxConfig(api_secret=None,
                                                 ed25519_public_key=public.decode()))
    try:
        reader = PositionRiskReader(handle.venue.base_url_http, Secret("sandbox-api-key"),
                                    Secret(private))
        assert reader.positions() == []
    finally:
        handle.stop()


class _Clock:
    """Fires time alerts in time order when told to advance (the unit's only stand-in)."""

    def __init__(self) -> None:
        self.now = 0
        self.alerts: list[tuple[int, Callable[[Any], None]]] = []

    def timestamp_ns(self) -> int:
        return self.now

    def set_time_alert_ns(self, name: str, at: int, callback: Callable[[Any], None],
                          allow_past: bool) -> None:
        self.alerts.append((at, callback))

    def advance_ms(self, ms: int) -> None:
        self.now += ms * 1_000_000
        due = sorted((a for a in self.alerts if a[0] <= self.now), key=lambda a: a[0])
        self.alerts = [a for a in self.alerts if a[0] > self.now]
        for _, callback in due:
            callback(None)


def _run(reads: list[Any], node: str = "0.030") -> tuple[list[PositionVerdict], list[int]]:
    """Run a check whose venue reads are ``reads`` (a quantity, or an exception to raise)."""
    clock, verdicts, read_at = _Clock(), [], []

    def read_venue() -> list[VenuePosition]:
        read_at.append(clock.now // 1_000_000)
        value = reads.pop(0)
        if isinstance(value, Exception):
            raise value
        return [VenuePosition(IID, "BOTH", value)]

    check = StartupPositionCheck(read_venue, hedge_mode=False)
    check.start(clock, lambda: [NodePosition(IID, "P-1", node)], verdicts.append)
    for _ in range(5):
        clock.advance_ms(500)
    return verdicts, read_at


def test_a_matching_first_read_is_the_verdict() -> None:
    verdicts, read_at = _run(["0.030"])
    assert [v.ok for v in verdicts] == [True] and read_at == [STARTUP_CHECK_DELAY_MS]


def test_a_mismatch_that_goes_away_was_a_fill_in_transit() -> None:
    verdicts, read_at = _run(["0.040", "0.030"])
    assert [v.ok for v in verdicts] == [True]
    assert read_at == [STARTUP_CHECK_DELAY_MS, STARTUP_CHECK_DELAY_MS + CONFIRM_DELAY_MS]


def test_a_mismatch_that_stays_halts() -> None:
    [verdict], _ = _run(["0.020", "0.020"])
    assert verdict.halts and "node 0.030 vs venue 0.020" in verdict.describe()
    assert "exec_kit_resume_trading()" in verdict.describe()


def test_an_unreadable_venue_is_a_failed_check() -> None:
    [verdict], _ = _run([VenueUnreadable("HTTP 418"), VenueUnreadable("HTTP 418")])
    assert verdict.halts and verdict.check is None
    assert "could not read the venue's positions (HTTP 418)" in verdict.describe()
    [recovered], _ = _run([VenueUnreadable("timeout"), "0.030"])
    assert recovered.ok


LOCAL = SandboxEndpoints("http://127.0.0.1:9", "ws://127.0.0.1:9/ws", "ws://127.0.0.1:9/ws-fapi/v1")
CREDS = Credentials(Secret("k" * 20), Secret("s" * 20))


def test_the_factory_attaches_the_check_to_kit_strategies_only_as_v2_can_act() -> None:
    class Kit(ExecutionMixin, Strategy):  # type: ignore[misc]
        pass

    with pytest.raises(E.ConfigurationError, match="not offered on NautilusTrader 2"):
        build_live_node([], environment="sandbox", endpoints=LOCAL, credentials=CREDS,
                        position_check="reduce")
    strategy = Kit(ExecKitConfig(strategy_id=StrategyId.from_str("KIT-001")))
    node = build_live_node([strategy], environment="sandbox", endpoints=LOCAL,
                           credentials=CREDS, position_check="log")
    check = strategy._kit_position_check
    assert check is not None and check.action is MismatchAction.LOG and not check.hedge_mode
    del node
    gc.collect()


def _position(coid: str, side: nt.OrderSide, qty: str, leg: str) -> nt.Position:
    instrument = btcusdt_perp()
    fill = nt.OrderFilled(
        nt.TraderId("TESTER-001"), nt.StrategyId("EXTERNAL"), instrument.id,
        nt.ClientOrderId(coid), nt.VenueOrderId("1"), nt.AccountId("BINANCE-001"),
        nt.TradeId(coid), side, nt.OrderType.MARKET, nt.Quantity.from_str(qty),
        nt.Price.from_str("50000.0"), nt.Currency.from_str("USDT"), nt.LiquiditySide.TAKER,
        UUID4(), 0, 0, False, nt.PositionId(f"{instrument.id}-{leg}"))
    return nt.Position(instrument, fill)


def _check_hedge(positions: list[nt.Position]) -> Any:
    class _Cache:  # the cache's one method the check reads
        def positions_open(self) -> list[nt.Position]:
            return positions

    return check_positions(node_positions(_Cache()), [], hedge_mode=True)


def test_a_hedge_liquidation_booked_to_external_is_read_on_the_leg_it_closed() -> None:
    """v2 books Binance's liquidation (a SELL closing LONG) to ``-EXTERNAL`` and keeps the stale
    ``-LONG``: the check hands each position's fills to the core, which counts the SELL on the
    LONG leg (as kit_holding reads it), so a flat venue is no mismatch."""
    stale_long = _position("O-1", nt.OrderSide.BUY, "0.004", "LONG")
    liquidation = _position("autoclose-1700000000000", nt.OrderSide.SELL, "0.004", "EXTERNAL")
    assert _check_hedge([stale_long, liquidation]).ok
    # another app's SELL in the same place is a SHORT the venue does not hold
    other_app = _position("other-app-1", nt.OrderSide.SELL, "0.004", "EXTERNAL")
    assert len(_check_hedge([stale_long, other_app]).mismatches) == 2
