"""The engine: sends any :class:`~hubassoc_pandas.operations.base.Operation`'s keys in paced,
retried batches and records every key's outcome. It names no endpoint.

- :mod:`.policy`: what an answer means; retry, wait, stop or give up (pure).
- :mod:`.isolate`: what to do with a batch refused as a whole (pure).
- :mod:`.ledger`: per-key outcomes and the one tally of rows per status (pure).
- :mod:`.scheduler`: the work queue and the daemon worker threads.
- :mod:`.attempt`: a worker sending one batch with its retries.
- :mod:`.run`: the main-thread loop tying them together.
"""
