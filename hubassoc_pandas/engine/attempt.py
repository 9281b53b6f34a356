"""Worker side: send one batch, retrying what may be retried, and hand back the last answer.

Runs on a worker thread. It waits on the shared pacer before every attempt, tells the pacer
what the rate-limit headers said, and follows :func:`~.policy.next_step` for 429s, 5xx,
network failures and unreadable bodies. Bookkeeping is left to the main thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from hubassoc_pandas.engine.pacing import Pacer
from hubassoc_pandas.engine.policy import Kind, Step, classify, describe, next_step
from hubassoc_pandas.engine.scheduler import Work
from hubassoc_pandas.operations.base import Encoded, Operation
from hubassoc_pandas.transport.backoff import Backoff
from hubassoc_pandas.transport.responses import ApiResponse, retry_after_seconds

__all__ = ["Attempts", "Sent", "Tally", "send_with_retries"]

logger = logging.getLogger("hubassoc_pandas")


@dataclass
class Sent:
    """What became of one batch: its last answer and what it cost.

    ``kind`` None means abandoned before a final answer because the run stopped;
    ``maybe_applied`` that some attempt may have reached HubSpot; ``lost_answer`` that one
    did reach it (or may have) and its answer was lost.
    """

    work: Work
    encoded: Encoded
    attempts: int = 0
    rate_limited: int = 0
    response: ApiResponse | None = None
    kind: Kind | None = None
    maybe_applied: bool = False
    lost_answer: bool = False


@dataclass(frozen=True)
class Attempts:
    """The retry budget: attempts on transient failures, waits on 429s, and the backoff."""

    max_attempts: int = 5
    max_rate_limit_waits: int = 30
    backoff: Backoff = field(default_factory=Backoff)


@dataclass
class Tally:
    """The failed attempts and rate-limit waits of one request so far.

    Examples
    --------
    >>> tally = Tally()
    >>> tally.after(Kind.TRANSIENT, ApiResponse(503, {}), Attempts(max_attempts=1)).action
    'done'
    >>> tally.failures, tally.waits
    (1, 0)
    """

    failures: int = 0
    waits: int = 0

    def after(self, kind: Kind, response: ApiResponse, budget: Attempts) -> Step:
        """Count an attempt that answered ``kind``, then what comes next
        (:func:`~.policy.next_step` within ``budget``)."""
        self.failures += kind in (Kind.TRANSIENT, Kind.LOCKED)
        self.waits += kind in (Kind.RATE_LIMITED, Kind.MIGRATING)
        return next_step(
            kind,
            failures=self.failures,
            waits=self.waits,
            max_attempts=budget.max_attempts,
            max_rate_limit_waits=budget.max_rate_limit_waits,
            backoff=budget.backoff.delay,
            retry_after=retry_after_seconds(response),
        )


class Reachability:
    """Counts attempts that could not reach HubSpot at all (connection refused, name not
    resolved, TLS failure), across workers; trips when too many come in a row.

    A dead endpoint must not cost minutes per thousand rows: with nothing ever answered, a
    few such failures in a row stop the run; after answers, a longer run of them does.

    Examples
    --------
    >>> reach = Reachability(before_answers=2)
    >>> reach.unreachable("refused"), reach.unreachable("refused"), reach.tripped
    (False, True, True)
    """

    def __init__(self, before_answers: int = 3, after_answers: int = 12) -> None:
        self._limits = (before_answers, after_answers)
        self._streak = 0
        self._answered = False
        self._lock = threading.Lock()
        self.tripped = False
        self.last_error: str | None = None

    def answered(self) -> None:
        """An attempt got an answer (any status) or may have reached HubSpot."""
        with self._lock:
            self._streak = 0
            self._answered = True

    def unreachable(self, error: str | None) -> bool:
        """An attempt could not reach HubSpot; returns whether the run must now stop."""
        with self._lock:
            self._streak += 1
            self.last_error = error
            limit = self._limits[1] if self._answered else self._limits[0]
            if self._streak >= limit:
                self.tripped = True
            return self.tripped


def send_with_retries(
    work: Work,
    operation: Operation,
    post: Callable[[str, object], ApiResponse],
    pacer: Pacer,
    budget: Attempts,
    stop: threading.Event,
    posting: set[int],
    reach: Reachability | None = None,
) -> Sent:
    """Send ``work`` until an answer decides it, the budget is spent or ``stop`` is set.

    ``posting`` holds the batch numbers whose request may be at HubSpot right now; ``reach``
    counts attempts that could not connect, and stops the run (sets ``stop``) when it trips.
    """
    reach = reach or Reachability()
    sent = Sent(work, operation.encode(work.keys))
    path, batch = operation.path(), work.batch
    tally = Tally()
    while True:
        sent_at = pacer.acquire(stop)
        if sent_at is None:
            sent.kind = None
            return sent
        sent.attempts += 1
        posting.add(batch)
        response = post(path, sent.encoded.payload)
        posting.discard(batch)
        _note_answer(sent, response, reach, stop)
        pacer.observe(sent_at, response.headers, refused=response.status == 429)
        kind = classify(response, empty_ok=operation.empty_ok)
        sent.response, sent.kind = response, kind
        if kind is Kind.RATE_LIMITED:
            sent.rate_limited += 1
        step = tally.after(kind, response, budget)
        if step.action == "done":
            return sent
        if step.action == "hold":
            hold = pacer.block(pacer.clock(), retry_after_seconds(response))
            logger.info("batch %d: %s, all workers wait %.1fs", batch, describe(response), hold)
            continue
        logger.info(
            "batch %d: %s, sending again in %.1fs (%d failed attempts of %d)",
            batch,
            describe(response),
            step.delay,
            tally.failures,
            budget.max_attempts,
        )
        if stop.wait(step.delay):  # "wait" and "backoff" end early when the run stops
            sent.kind = None
            return sent


def _note_answer(
    sent: Sent, response: ApiResponse, reach: Reachability, stop: threading.Event
) -> None:
    """Record whether the attempt may have reached HubSpot, and whether HubSpot is reachable."""
    connected = response.status != 0 or response.lost
    if response.status != 429 and connected:
        sent.maybe_applied = True
    sent.lost_answer |= response.lost
    if connected:
        reach.answered()
    elif reach.unreachable(response.error):
        stop.set()
