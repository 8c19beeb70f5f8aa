"""Run as a subprocess by ``test_api_secret_never_logged``: a fresh process, so the node's
process-global Rust logger writes this node's whole log to stdout (in-process tests cannot
rely on that once another test has initialised logging).

Trades, gets a reject and loses its user stream; prints ``SCENARIO-DONE`` at the end.
"""

from __future__ import annotations

from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.events import OrderFilled, OrderRejected

from nautilus_exec_kit.sandbox import run_sandbox_in_thread
from tests.sandbox.node_harness import NodeHarness
from tests.sandbox.test_node_oneway import CONFIG, _submit_market


def main() -> None:
    sandbox = run_sandbox_in_thread(CONFIG)
    node = NodeHarness(sandbox.venue, CONFIG.api_key, str(CONFIG.api_secret))
    try:
        node.start()
        node.wait_for(OrderFilled, _submit_market(node, OrderSide.BUY, "0.010"))
        node.wait_for(OrderRejected, _submit_market(node, OrderSide.BUY, "100.000"))
        node.venue.faults.disconnect_user_streams()
        node.wait_until(lambda: node.venue.truth()["user_streams"] == 1, 15)
        print("SCENARIO-DONE", flush=True)
    finally:
        node.stop()
        sandbox.stop()


if __name__ == "__main__":
    main()
