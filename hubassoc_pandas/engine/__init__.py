"""The engine: sends any :class:`~hubassoc_pandas.operations.base.Operation`'s keys in paced,
retried batches and records every key's outcome. It names no endpoint.

- :mod:`.policy`: what an answer means; retry, wait, stop or give up (pure).
- :mod:`.isolate`: what to do with a batch refused as a whole (pure).
- :mod:`.ledger`: per-key outcomes and the one tally of rows per status (pure).
- :mod:`.scheduler`: the work queue and the daemon worker threads.
- :mod:`.attempt`: a worker sending one batch with its retries.
- :mod:`.run`: the main-thread loop tying them together; :mod:`.report`: what it is told
  and reports; :mod:`.interrupts`: Ctrl-C held over its bookkeeping.
- :mod:`.execute`: one operation over a plan's keys: journal, client, pacer, engine run.
- :mod:`.pacing`: the rate limiter every worker shares, and the hold after a 429.
- :mod:`.sizing`: the batch size, learned when HubSpot refuses one as too large.
- :mod:`.journal`: the SQLite file a run records each batch in, to resume from.
- :mod:`.settings`: :class:`~.settings.RunSettings`, how a run sends, checked once.

Internal: nothing here is public API.
"""

__all__: list[str] = []
