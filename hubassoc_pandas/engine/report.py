"""What a run is told (:class:`EngineOptions`) and what it reports besides the per-key
outcomes (:class:`RunReport`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hubassoc_pandas.engine.attempt import Attempts
from hubassoc_pandas.errors import FatalApiError

__all__ = ["EngineOptions", "RunReport"]


@dataclass(frozen=True)
class EngineOptions:
    """How a run sends: batch size, concurrency, retry budget and the Ctrl-C grace."""

    batch_size: int
    max_workers: int = 16
    attempts: Attempts = field(default_factory=Attempts)
    interrupt_grace: float = 5.0


@dataclass
class RunReport:
    """What a run did, beyond the per-key outcomes."""

    requests: int = 0
    batches: int = 0
    rate_limited: int = 0
    final_batch_size: int = 0
    stopped: str | None = None  # INTERRUPTED, DAILY_LIMIT, MIGRATION, NETWORK, JOURNAL, FATAL
    fatal: FatalApiError | None = None
    journal_error: str | None = None
    started: float = field(default_factory=time.time)
    finished: float = 0.0
