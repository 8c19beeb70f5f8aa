"""Run the venue on its own event loop in a daemon thread.

A ``TradingNode`` owns the loop of the thread it runs in, so an in-process sandbox (tests,
``exec-kit live --env sandbox``) needs a loop of its own; this is that loop.
"""

from __future__ import annotations

import asyncio
import threading

import attrs

from nautilus_exec_kit.sandbox._config import SandboxConfig
from nautilus_exec_kit.sandbox._server import SandboxVenue


@attrs.define(eq=False)
class SandboxHandle:
    """A venue running in a background thread; ``stop()`` shuts it down and joins the thread."""

    venue: SandboxVenue
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the venue and its loop; safe to call twice."""
        if not self.thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self.venue.stop(), self.loop)
        future.result(timeout=timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=timeout)

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_sandbox_in_thread(config: SandboxConfig, timeout: float = 10.0, *,
                          restart_of: SandboxVenue | None = None) -> SandboxHandle:
    """Start a :class:`SandboxVenue` on a fresh loop in a daemon thread; return once it listens.

    ``restart_of`` restarts a stopped venue (see :class:`SandboxVenue`); give ``config`` its port
    so clients find it again.

    >>> with run_sandbox_in_thread(SandboxConfig()) as sandbox:   # doctest: +SKIP
    ...     print(sandbox.venue.base_url_http)
    """
    loop = asyncio.new_event_loop()
    venue = SandboxVenue(config, restart_of=restart_of)
    started = threading.Event()
    failure: list[BaseException] = []

    def main() -> None:
        asyncio.set_event_loop(loop)

        async def boot() -> None:
            try:
                await venue.start()
            except BaseException as exc:
                failure.append(exc)
            finally:
                started.set()

        boot_task = loop.create_task(boot())
        try:
            loop.run_forever()
        finally:
            del boot_task
            loop.close()

    thread = threading.Thread(target=main, name="exec-kit-sandbox", daemon=True)
    thread.start()
    if not started.wait(timeout):
        raise TimeoutError("sandbox venue did not start in time")
    if failure:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        raise failure[0]
    return SandboxHandle(venue, loop, thread)
