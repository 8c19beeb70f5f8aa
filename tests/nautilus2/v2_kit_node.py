"""A NautilusTrader 2 ``LiveNode`` (the Binance adapter, data + execution) running a *kit*
strategy (the v2 binding's ExecutionMixin) against a sandbox URL; the node comes from the kit's
v2 factory (``nautilus_exec_kit.v2.live.build_live_node``).

Run by ``test_kit_nautilus2.py`` under the ``.venv-v2`` interpreter. The strategy walks one
script on the quote count (a post-only limit, its modify and cancel, a market fill, a
close_position stop through the Algo Order API and its cancel, a post-only limit that would
take, a close), then arms one sandbox fault before each of five market orders (a -1003, a
-1007 "placed" whose fill frames are lost too, a -1007 "not placed", a 418 ban, a -2015), so
each policy action meets the real adapter: back off, reconcile, halt, fail fast, and an
ambiguous answer to a filled order is not executed twice. The fail-fast stop prints
``KIT-REPORT <json>`` with what the cache and the kit saw (``on_stop``). The node runs until
SIGINT.

Usage: ``python v2_kit_node.py <http base> <ws base>/ws <ws api url> <admin token> [MODE]``
(a key of ``SCRIPTS``: ``HEDGE`` the hedge-mode script, ``HEDGE_STEPS``, against a dual-side
sandbox account; ``PROTECT`` an entry sent with its close_position stop and take-profit, whose
stop the test then triggers; ``FLIP`` a short flipped to a long in one tick while the venue is
slow to take the reduce-only close (this node sends orders over REST); ``EARLY`` a market order
in ``on_start`` and one on the first quote, before the start-up position check's verdict
(``EARLY_RECOVER``: on an account that already holds positions); the restart and recovery
scripts).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from nautilus_trader.model import InstrumentId, OrderSide, StrategyId
from nautilus_trader.trading import Strategy

from nautilus_exec_kit.secrets import Secret
from nautilus_exec_kit.v2.config import ExecKitConfig
from nautilus_exec_kit.v2.live import Credentials, SandboxEndpoints, build_live_node
from nautilus_exec_kit.v2.mixin import ExecutionMixin

API_KEY, API_SECRET = "sandbox-api-key", "sandbox-api-secret"
IID = InstrumentId.from_str("BTCUSDT-PERP.BINANCE")
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _px(value: float) -> str:
    return f"{round(value, 1):.1f}"


class KitScript(ExecutionMixin, Strategy):  # type: ignore[misc]
    """Runs ``STEPS[n]`` on the n-th quote; records what each step returned or raised."""

    def __init__(
        self, config: ExecKitConfig, steps: dict[int, Callable[[KitScript, float, float], Any]],
    ) -> None:
        super().__init__(config)
        self.steps = steps
        self.quotes = 0
        self.orders: dict[str, Any] = {}
        self.errors: list[str] = []
        self.after_liquidation: dict[str, Any] = {}
        self.recovered: dict[str, Any] = {}
        self.reported = False
        self.done: set[str] = set()  # one-shot steps of a script that watches the cache
        self.notes: dict[str, Any] = {}  # what a step saw at the time

    def on_start(self) -> None:
        self.subscribe_quotes(IID)
        # v2's risk engine denies a trailing stop without a last trade price
        # (MARKET_PRICE_UNAVAILABLE): a strategy that trails subscribes to trades
        self.subscribe_trades(IID)

    def on_quote(self, quote: Any) -> None:
        if self._kit_position_check is not None and self.exec_kit_position_check() is None:
            return  # the steps count quotes from the verdict on (EarlyScript sends before it)
        self.quotes += 1
        step = self.steps.get(self.quotes)
        if step is None:
            return
        try:
            step(self, quote.bid_price.as_double(), quote.ask_price.as_double())
        except Exception as error:
            self.errors.append(f"{type(error).__name__}: {error}")

    def on_stop(self) -> None:
        self.report()

    def note_recovered(self) -> None:
        cache = self._kit_cache
        self.recovered = {
            "open_orders": sorted(
                [o.client_order_id.value, o.order_type.name, str(o.strategy_id)]
                for o in cache.orders_open()
            ),
            "positions": sorted(
                [str(p.id), p.side.name, str(p.quantity), str(p.strategy_id)]
                for p in cache.positions_open()
            ),
            "algo_open": self.open_algo_orders(IID),
            "holding": [[str(h.side), h.quantity_raw] for h in (
                [self.kit_holding(IID, "LONG"), self.kit_holding(IID, "SHORT")] if self._kit_hedge
                else [self.kit_holding(IID)])],
        }

    def note_after_liquidation(self) -> None:
        holding = self.kit_holding(IID)
        node = self._kit_cache.position(self.kit_position_id(IID))
        self.after_liquidation = {
            "holding": [None if holding.side is None else holding.side.name,
                        holding.quantity_raw],
            "node_position": None if node is None or node.is_closed else node.side.name,
            "close_all": len(self.close_all(IID)),
        }

    def report(self, *_: Any) -> None:
        # The kit's own reference: v2 runs on_stop inside the strategy's stop(), where the
        # strategy's attributes cannot be read (docs/migration.md).
        cache = self._kit_cache
        out = {
            "orders": {
                name: _order_report(cache, order)
                for name, order in self.orders.items() if order is not None
            },
            "notes": self.notes,
            "decisions": [
                [d.action.value, d.reason.key, d.reason.message]
                for d in self.exec_kit_policy.decisions
            ],
            "errors": self.errors,
            "positions_open": [str(p.id) for p in cache.positions_open()],
            "positions_closed": sorted(
                [str(p.id), str(p.closing_order_id)] for p in cache.positions_closed()),
            "retries": sorted(
                o.status.name for o in cache.orders()
                if any(t.startswith("retry-of=") for t in (o.tags or []))
            ),
            "stats": self.exec_kit_stats(),
            "risk_events": [[e.kind.value, e.side.name, str(e.quantity), e.replayed]
                            for e in self.exec_kit_risk_events()],
            "after_liquidation": self.after_liquidation,
            "recovered": self.recovered,
            "position_check": _verdict(self.exec_kit_position_check()),
            "open_orders": sorted(
                [o.client_order_id.value, o.order_type.name, str(o.strategy_id)]
                for o in cache.orders_open()
            ),
            "algo_open": self.open_algo_orders(IID),
            "holding": None if self._kit_hedge else self.kit_holding(IID).quantity_raw,
        }
        print("KIT-REPORT " + json.dumps(out), flush=True)


def _order_report(cache: Any, order: Any) -> dict[str, Any]:
    cached = cache.order(order.client_order_id)  # None: never reached Nautilus
    return {
        "client_order_id": order.client_order_id.value,
        "type": order.order_type.name,
        "status": "NOT_SENT" if cached is None else cached.status.name,
        "price": str(getattr(cached, "price", None)),
        "position_id": str(cache.position_id(order.client_order_id)),
        "venue_order_id": str(None if cached is None else cached.venue_order_id),
    }


def _verdict(verdict: Any) -> dict[str, Any] | None:
    if verdict is None:
        return None
    check = verdict.check
    return {
        "ok": verdict.ok, "halts": verdict.halts, "unreadable": verdict.unreadable,
        "text": verdict.describe(),
        "mismatches": None if check is None else [
            [m.kind.value, m.instrument_id, m.side, str(m.node_quantity), str(m.venue_quantity)]
            for m in check.mismatches],
    }


def _keep(name: str, make: Callable[[KitScript, float, float], Any]) -> Any:
    def step(s: KitScript, bid: float, ask: float) -> None:
        s.orders[name] = make(s, bid, ask)
    return step


STEPS: dict[int, Callable[[KitScript, float, float], Any]] = {
    5: _keep("limit", lambda s, bid, ask: s.submit_limit(IID, BUY, "0.010", _px(bid - 500),
                                                          post_only=True)),
    15: lambda s, bid, ask: s.modify(s.orders["limit"], price=_px(bid - 400)),
    25: lambda s, bid, ask: s.cancel(s.orders["limit"]),
    30: _keep("market", lambda s, bid, ask: s.submit_market(IID, BUY, "0.010")),
    40: _keep("stop", lambda s, bid, ask: s.submit_stop_market(
        IID, SELL, "0.010", _px(bid * 0.98), reduce_only=True)),
    45: _keep("close_stop", lambda s, bid, ask: s.submit_stop_market(
        IID, SELL, None, _px(bid * 0.97), close_position=True)),
    # the other conditional types, each an algo order, each then cancelled
    46: _keep("stop_limit", lambda s, bid, ask: s.submit_stop_limit(
        IID, SELL, "0.010", _px(bid * 0.975), _px(bid * 0.98), reduce_only=True)),
    47: _keep("take_profit", lambda s, bid, ask: s.submit_take_profit(
        IID, SELL, "0.010", _px(bid * 1.05), reduce_only=True)),
    48: _keep("take_profit_limit", lambda s, bid, ask: s.submit_take_profit_limit(
        IID, SELL, "0.010", _px(bid * 1.049), _px(bid * 1.05), reduce_only=True)),
    49: _keep("trailing", lambda s, bid, ask: s.submit_trailing_stop(
        IID, SELL, "0.010", 100, activation_price=_px(ask * 1.01), reduce_only=True)),
    50: lambda s, bid, ask: s.cancel(s.orders["stop"]),
    51: lambda s, bid, ask: s.cancel(s.orders["stop_limit"]),
    52: lambda s, bid, ask: s.cancel(s.orders["take_profit"]),
    53: lambda s, bid, ask: s.cancel(s.orders["take_profit_limit"]),
    54: lambda s, bid, ask: s.cancel(s.orders["trailing"]),
    55: _keep("taker", lambda s, bid, ask: s.submit_limit(IID, BUY, "0.010", _px(ask + 50),
                                                          post_only=True)),
    60: _keep("off_tick", lambda s, bid, ask: s.submit_limit(IID, BUY, "0.010", "40000.05")),
    65: _keep("close", lambda s, bid, ask: s.close_all(IID)[0]),
    70: lambda s, bid, ask: _faulted(s, "backoff", {
        "kind": "binance_error", "status": 429, "code": -1003,
        "msg": "Too many requests; current limit is 2400 requests per minute."}),
    # placed and filled, then 503 -1007, and its NEW and TRADE frames lost: an adapter that
    # re-sent it under the same client order ID would execute it twice (v1 with max_retries);
    # v2 asks the venue and books the fill (benchmarks/v2_retry_soak.py measures more)
    75: lambda s, bid, ask: _faulted(s, "placed_unseen", {"kind": "timeout_placed"},
                                     frames_dropped=2),
    100: lambda s, bid, ask: _faulted(s, "reconcile", {"kind": "timeout_not_placed"}),
    130: lambda s, bid, ask: _faulted(s, "halt", {
        "kind": "binance_error", "status": 418, "code": -1003,
        "msg": f"Way too many requests; IP(127.0.0.1) banned until {_ms_from_now(1500)}."
               " Please use the websocket for live updates to avoid bans."}),
    250: _keep("flat", lambda s, bid, ask: s.close_all(IID)[0]),
    # Binance liquidates a long: v2 books the fill to an EXTERNAL position; the kit delivers
    # the risk event and reads the leg as flat, so close_all sends nothing.
    255: _keep("liq_entry", lambda s, bid, ask: s.submit_market(IID, BUY, "0.010")),
    262: lambda s, bid, ask: _admin_action("liquidation"),
    285: lambda s, bid, ask: s.note_after_liquidation(),
    300: lambda s, bid, ask: _faulted(s, "fail_fast", {
        "kind": "binance_error", "status": 401, "code": -2015,
        "msg": "Invalid API-key, IP, or permissions for action."}),
}
ADMIN: dict[str, str] = {}


def _ms_from_now(ms: int) -> int:
    return int(time.time() * 1000) + ms


def _admin_action(name: str) -> None:
    """Carry out one sandbox action (``POST /admin/action/<name>``), e.g. a liquidation."""
    request = urllib.request.Request(
        f"{ADMIN['http']}/admin/action/{name}", data=b"{}",
        headers={"X-Sandbox-Admin-Token": ADMIN["token"], "Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).read()


def _add_fault(rule: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{ADMIN['http']}/admin/faults", data=json.dumps(rule).encode(),
        headers={"X-Sandbox-Admin-Token": ADMIN["token"], "Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).read()


def _faulted(s: KitScript, name: str, rule: dict[str, Any], frames_dropped: int = 0) -> None:
    """Arm one sandbox fault for the next order (``POST /admin/faults``), and optionally drop
    its next ``frames_dropped`` ORDER_TRADE_UPDATE frames, then send a market order into it."""
    if frames_dropped:
        _add_fault({"kind": "drop_user_frames", "event": "ORDER_TRADE_UPDATE",
                    "count": frames_dropped})
    _add_fault({"path": "/fapi/v1/order", "method": "POST", "count": 1, **rule})
    s.orders[name] = s.submit_market(IID, BUY, "0.010")


def _long_with_stop(s: KitScript, bid: float, ask: float) -> None:
    """The LONG leg's entry and its close_position stop, in the same tick."""
    s.orders["long"] = s.submit_market(IID, BUY, "0.020", position_side="LONG")
    s.orders["long_stop"] = s.submit_stop_market(
        IID, SELL, None, _px(bid * 0.9), close_position=True, position_side="LONG")


#: Hedge mode (a sandbox with ``dual_side_position=True``): both legs (the LONG one with a
#: close_position stop sent with its entry), partial and opposite-side closes of the LONG leg,
#: an over-close the kit refuses, then flat and the stop cancelled.
HEDGE_STEPS: dict[int, Callable[[KitScript, float, float], Any]] = {
    5: _long_with_stop,
    10: _keep("short", lambda s, bid, ask: s.submit_market(IID, SELL, "0.010",
                                                           position_side="SHORT")),
    20: _keep("close_long_part", lambda s, bid, ask: s.close_long(IID, "0.005")),
    25: _keep("sell_on_long", lambda s, bid, ask: s.submit_market(IID, SELL, "0.005",
                                                                  position_side="LONG")),
    30: lambda s, bid, ask: s.close_long(IID, "1.000"),  # more than the leg holds: refused
    35: _keep("close_short", lambda s, bid, ask: s.close_short(IID)),
    40: _keep("close_rest", lambda s, bid, ask: s.close_long(IID)),
    45: lambda s, bid, ask: s.cancel(s.orders["long_stop"]),
    50: lambda s, bid, ask: s.report(),
}


#: A restart, first run: a position, a resting limit and a resting algo stop, then the test
#: kills the node (SIGKILL) once it reported.
BEFORE_KILL_STEPS: dict[int, Callable[[KitScript, float, float], Any]] = {
    5: _keep("market", lambda s, bid, ask: s.submit_market(IID, BUY, "0.010")),
    8: _keep("limit", lambda s, bid, ask: s.submit_limit(IID, BUY, "0.010", _px(bid - 800))),
    11: _keep("stop", lambda s, bid, ask: s.submit_stop_market(
        IID, SELL, "0.010", _px(bid * 0.9), reduce_only=True)),
    25: lambda s, bid, ask: s.report(),
}

#: A restart, second run (the same account, a new node with an empty cache): what start-up
#: reconciliation recovered, then the kit cancels the recovered orders and closes the position.
AFTER_RESTART_STEPS: dict[int, Callable[[KitScript, float, float], Any]] = {
    5: lambda s, bid, ask: s.note_recovered(),
    8: lambda s, bid, ask: [s.cancel(o) for o in s._kit_cache.orders_open(instrument_id=IID)],
    20: _keep("close", lambda s, bid, ask: s.close_all(IID)[0]),
    35: lambda s, bid, ask: s.report(),
}
#: A start on an account that already holds something: what reconciliation recovered, then an
#: order (refused if the kit halted on a mismatch).
RECOVER_STEPS: dict[int, Callable[[KitScript, float, float], Any]] = {
    5: lambda s, bid, ask: s.note_recovered(),
    6: _keep("after_start", lambda s, bid, ask: s.submit_market(
        IID, BUY, "0.010", position_side="LONG" if s._kit_hedge else None)),
    20: lambda s, bid, ask: s.report(),
}
def _protect(s: KitScript, bid: float, ask: float) -> None:
    """What a strategy author writes (and the example strategies do): a market entry, its
    close_position stop and its close_position take-profit, all in the same tick, before the
    entry fills."""
    s.orders["entry"] = s.submit_market(IID, BUY, "0.010")
    s.orders["protect_stop"] = s.submit_stop_market(
        IID, SELL, None, _px(bid * 0.99), close_position=True)
    s.orders["protect_tp"] = s.submit_take_profit(
        IID, SELL, None, _px(bid * 1.01), close_position=True)


def _after_stop(s: KitScript, bid: float, ask: float) -> None:
    """Once the test moved the price through the stop and the stop filled: cancel the
    take-profit (a closePosition order rests on Binance with no position), then report."""
    cache = s._kit_cache
    stop, take_profit = s.orders["protect_stop"], s.orders["protect_tp"]
    if "cancel_tp" not in s.done and cache.is_order_closed(stop.client_order_id):
        s.done.add("cancel_tp")
        s.cancel(take_profit)
    if ("cancel_tp" in s.done and "reported" not in s.done
            and cache.is_order_closed(take_profit.client_order_id)):
        s.done.add("reported")
        s.report()


#: Protective orders sent with their entry: the first report once they rest at the venue; the
#: test then moves the venue's price through the stop; the second once the stop closed the
#: position and the take-profit was cancelled (or at quote 400, whatever happened).
PROTECT_STEPS: dict[int, Callable[[KitScript, float, float], Any]] = {
    5: _protect,
    20: lambda s, bid, ask: s.report(),
    **dict.fromkeys(range(21, 400), _after_stop),
    400: lambda s, bid, ask: s.report(),
}
def _delay_reduce_only_orders(delay_ms: int) -> None:
    """The venue is slow to take the next reduce-only order (a latency rule on REST orders
    carrying reduceOnly=true: the FLIP node sends orders over REST); the order sent beside it
    is not delayed, so unless the kit keeps them in order it overtakes the reduce-only one."""
    _add_fault({"kind": "latency", "path": "/fapi/v1/order", "method": "POST",
                "delay_ms": delay_ms, "count": 1, "params": {"reduceOnly": "true"}})


def _flip_to_long(s: KitScript, bid: float, ask: float) -> None:
    """The example strategy's flip from short to long, in one tick: cancel, close the short,
    buy, protect the long with a close_position stop and take-profit, while the venue is slow
    to take the close: the entry would reach it first (and close the short itself), and so
    would the stop (while it still holds the short). Then the take-profit is cancelled in the
    same tick, while held."""
    _delay_reduce_only_orders(300)
    s.cancel_all_orders(IID)
    s.orders["flip_close"] = s.close_all(IID)[0]
    s.orders["flip_entry"] = s.submit_market(IID, BUY, "0.010")
    s.orders["flip_stop"] = s.submit_stop_market(
        IID, SELL, None, _px(bid * 0.99), close_position=True)
    s.orders["flip_tp"] = s.submit_take_profit(
        IID, SELL, None, _px(bid * 1.01), close_position=True)
    s.notes["held_at_send"] = {k: v for k, v in s.exec_kit_stats().items()
                               if k.startswith(("close_hold.", "sequence_hold."))}
    s.cancel(s.orders["flip_tp"])


def _flip_cancelled(s: KitScript, bid: float, ask: float) -> None:
    """Back to short the same way, but the strategy cancels its entry while the kit holds it
    behind the close: the kit answers the cancel, the entry never leaves, the long is closed."""
    _delay_reduce_only_orders(300)
    s.cancel_all_orders(IID)  # the long's stop
    s.orders["back_close"] = s.close_all(IID)[0]
    s.orders["back_entry"] = s.submit_market(IID, SELL, "0.010")
    s.notes["back_held"] = s._kit_cache.order(s.orders["back_entry"].client_order_id) is None
    s.cancel(s.orders["back_entry"])


def _flip_unanswered(s: KitScript, bid: float, ask: float) -> None:
    """A flip whose close gets no answer within the kit's bound (the venue holds it 4x the
    bound): the kit sends the entry at the bound and the venue decides (here: the entry
    closes the long, Binance refuses the late close with -2022)."""
    _delay_reduce_only_orders(4 * FlipScript.order_hold_max_ms)
    s.orders["late_close"] = s.close_all(IID)[0]
    s.orders["late_entry"] = s.submit_market(IID, SELL, "0.010")


class FlipScript(KitScript):  # type: ignore[misc]
    """The FLIP script's strategy: a short hold bound, so the unanswered close takes 2 s."""

    order_hold_max_ms = 500


#: Flips while the venue is slow to take the reduce-only close: a short, :func:`_flip_to_long`
#: (report 1 once the long rests with its stop), :func:`_flip_cancelled` (report 2, flat), a
#: long, :func:`_flip_unanswered` (report 3).
FLIP_STEPS: dict[int, Callable[[KitScript, float, float], Any]] = {
    5: _keep("short", lambda s, bid, ask: s.submit_market(IID, SELL, "0.010")),
    15: _flip_to_long,
    35: lambda s, bid, ask: s.report(),
    37: _flip_cancelled,
    55: lambda s, bid, ask: s.report(),
    57: _keep("long", lambda s, bid, ask: s.submit_market(IID, BUY, "0.010")),
    62: _flip_unanswered,
    90: lambda s, bid, ask: s.report(),
}
class EarlyScript(KitScript):  # type: ignore[misc]
    """A strategy that trades at once: a market order in ``on_start`` and another on the
    first quote, both before the start-up position check has its verdict (the kit holds them
    for it), as an author writes it: no try/except, no wait for ``on_position_check``."""

    def on_start(self) -> None:
        super().on_start()
        self.orders["on_start"] = self.submit_market(IID, BUY, "0.010")
        self.notes["held_at_start"] = len(self.kit_unsent_orders(IID))

    def on_quote(self, quote: Any) -> None:
        if "first_quote" not in self.orders:
            self.notes["first_quote_before_verdict"] = self.exec_kit_position_check() is None
            self.orders["first_quote"] = self.submit_market(IID, BUY, "0.010")
        super().on_quote(quote)


def _report_when_answered(s: KitScript, bid: float, ask: float) -> None:
    """Report once EarlyScript's two orders were answered, the check halted, or at quote 60."""
    cache = s._kit_cache
    answered = all(cache.order(s.orders[n].client_order_id) is not None
                   and cache.is_order_closed(s.orders[n].client_order_id)
                   for n in ("on_start", "first_quote"))
    if "reported" not in s.done and (answered or s.quotes >= 60
                                     or s.exec_kit_position_check().halts):
        s.done.add("reported")
        s.report()


#: After the verdict (EarlyScript's two orders held until then): the report.
EARLY_STEPS: dict[int, Callable[[KitScript, float, float], Any]] = dict.fromkeys(
    range(3, 61), _report_when_answered)
SCRIPTS = {"ONE_WAY": STEPS, "EARLY": EARLY_STEPS, "EARLY_RECOVER": EARLY_STEPS,
           "PROTECT": PROTECT_STEPS, "FLIP": FLIP_STEPS, "HEDGE": HEDGE_STEPS,
           "BEFORE_KILL": BEFORE_KILL_STEPS, "RECOVER": RECOVER_STEPS,
           "RECOVER_HEDGE": RECOVER_STEPS, "AFTER_RESTART": AFTER_RESTART_STEPS}


def main(http: str, ws: str, ws_api: str, admin_token: str, mode: str = "ONE_WAY") -> None:
    ADMIN.update(http=http, token=admin_token)
    hedge = mode in ("HEDGE", "RECOVER_HEDGE")
    restart = mode in ("BEFORE_KILL", "AFTER_RESTART", "RECOVER", "RECOVER_HEDGE",
                       "EARLY_RECOVER")
    script = {"FLIP": FlipScript, "EARLY": EarlyScript,
              "EARLY_RECOVER": EarlyScript}.get(mode, KitScript)
    strategy = script(
        ExecKitConfig(
            strategy_id=StrategyId.from_str("KIT-001"),
            position_mode="HEDGE" if hedge else "ONE_WAY",
            on_invalid_order="raise" if hedge else "deny",
            # a restarted v2 node has an empty cache: the strategy claims the instrument's
            # orders start-up reconciliation brings back (docs/migration.md)
            external_order_instrument_ids=[IID] if restart else None,
        ),
        SCRIPTS[mode],
    )
    node = build_live_node(
        [strategy], environment="sandbox", endpoints=SandboxEndpoints(http, ws, ws_api),
        credentials=Credentials(Secret(API_KEY), Secret(API_SECRET)), trader_id="TESTER-001",
        use_ws_trading=mode != "FLIP",  # FLIP: orders over REST, where latency rules apply
    )
    node.run()


if __name__ == "__main__":
    main(*sys.argv[1:6])
