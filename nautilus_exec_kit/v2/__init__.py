"""The kit's binding for NautilusTrader 2 (Rust + PyO3; tested with ``2.0.0rc6``).

Install with ``pip install 'nautilus-exec-kit[v2]'``. Strategy authors import the same names as
on Nautilus 1, from ``nautilus_exec_kit`` (which picks this binding when the installed
``nautilus_trader`` is 2.x)::

    from nautilus_exec_kit import ExecKitConfig, ExecutionMixin

* :mod:`.convert`: Nautilus 2 values, enums and instruments as the core's plain values;
* :mod:`.config`: ``ExecKitConfig``, a v2 ``StrategyConfig`` with the kit's settings;
* :mod:`.mixin`: ``ExecutionMixin``, the same helpers as on Nautilus 1, admitted by the core's
  ``OrderPipeline``;
* :mod:`.policy`: the error policy on the ``on_order_*`` hooks (the core decides, this applies);
* :mod:`.backtest`: the Binance-like simulated venue and reject injection on v2's engine.

What v2 does differently, and what the kit does about it, is in docs/migration.md.
"""
