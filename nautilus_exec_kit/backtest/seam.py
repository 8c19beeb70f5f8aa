"""The one seam in front of the simulated venue: the ``"ExecEngine.execute"`` endpoint.

Why a shared seam: NautilusTrader 1.231 has no hook between a strategy's commands and the
``SimulatedExchange`` (``nautilus_backtest_facts.md`` §3.4). The RiskEngine sends every command
that survives it to the message-bus endpoint ``"ExecEngine.execute"``; swapping that endpoint
(public ``deregister`` / ``register``) is the one way to answer a command the way Binance would
where the simulator cannot. Two parts of the kit's venue do so: reject injection
(:mod:`~nautilus_exec_kit.backtest.rejects`) and mark-price triggers
(:mod:`~nautilus_exec_kit.backtest.mark_triggers`). The endpoint holds one handler, so they share
it here: each interceptor is called in priority order with the command and the next handler,
and either answers the command itself or passes it on; the last handler is the execution
engine's own ``execute``.

    seam = ExecuteSeam.of(engine)                  # installs itself once per engine
    seam.add(my_interceptor, priority=10)          # my_interceptor(command, forward)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

#: ``interceptor(command, forward)``: answer ``command`` or call ``forward(command)``.
Interceptor = Callable[[Any, Callable[[Any], None]], None]

ENDPOINT = "ExecEngine.execute"


class ExecuteSeam:
    """The interceptors in front of one engine's execution engine, in priority order (lower
    first: reject injection answers a command before mark-price triggers would hold it)."""

    _installed: ClassVar[dict[int, ExecuteSeam]] = {}

    def __init__(self, msgbus: Any, execute: Callable[[Any], None]) -> None:
        self._msgbus = msgbus
        self._execute = execute
        self._interceptors: list[tuple[int, int, Interceptor]] = []
        self._chain: Callable[[Any], None] = execute

    @classmethod
    def of(cls, engine: Any) -> ExecuteSeam:
        """The seam of ``engine`` (a ``BacktestEngine``), put in front of its execution engine
        the first time it is asked for."""
        msgbus = engine.kernel.msgbus
        seam = cls._installed.get(id(msgbus))
        if seam is not None and seam._msgbus is msgbus:
            return seam
        execute = engine.kernel.exec_engine.execute
        seam = cls(msgbus, execute)
        msgbus.deregister(ENDPOINT, execute)
        msgbus.register(ENDPOINT, seam._dispatch)
        cls._installed[id(msgbus)] = seam
        return seam

    def add(self, interceptor: Interceptor, priority: int) -> None:
        """Put ``interceptor`` in the chain (equal priorities keep the order they were added)."""
        self._interceptors.append((priority, len(self._interceptors), interceptor))
        self._interceptors.sort(key=lambda entry: entry[:2])
        chain: Callable[[Any], None] = self._execute
        for _, _, link in reversed(self._interceptors):
            chain = _bind(link, chain)
        self._chain = chain

    def _dispatch(self, command: Any) -> None:
        self._chain(command)


def _bind(interceptor: Interceptor, forward: Callable[[Any], None]) -> Callable[[Any], None]:
    return lambda command: interceptor(command, forward)


__all__ = ["ENDPOINT", "ExecuteSeam", "Interceptor"]
