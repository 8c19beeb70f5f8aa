"""The kit's decisions, with no Nautilus import: what an order must satisfy and what to do when
the venue says no.

Why a core: NautilusTrader 1.231 (Cython) and 2.x (Rust + PyO3) expose different Python objects
for the same things. Everything the kit *decides* lives here on plain values (integers at a
given fixed precision, the core's own enums in :mod:`~nautilus_exec_kit.core.vocab`), so both
generations get the same answers from the same code; a binding per generation
(:mod:`nautilus_exec_kit.v1`, :mod:`nautilus_exec_kit.v2`) turns Nautilus objects into these
values and the answers back into Nautilus calls.

* :mod:`.rules`, :mod:`.intent`, :mod:`.validator`, :mod:`.margin`: instrument filters and the
  pre-trade checks, on integers;
* :mod:`.capabilities`: what each Binance account type accepts, as data;
* :mod:`.params`: ``close_position`` / ``price_match``;
* :mod:`.positions`: position modes, legs, position ID text;
* :mod:`.algo`: algo (conditional) orders and the open-algo cap;
* :mod:`.pipeline`: an order's journey through all of the above, in one pass;
* :mod:`.policy`: reject parsing, the error policy table, backoff, the rate budget, the breaker;
* :mod:`.errors`: the exception tree.

``tests/core`` runs with Nautilus made unimportable, which keeps this true.
"""
