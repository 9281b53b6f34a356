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

from ..operations.base import Encoded, Operation
from ..pacing import Backoff, Pacer
from ..responses import ApiResponse, retry_after_seconds
from .policy import Kind, classify, describe, next_step
from .scheduler import Work

__all__ = ["Attempts", "Sent", "send_with_retries"]

logger = logging.getLogger("hubassoc_pandas")


@dataclass
class Sent:
    """What became of one batch: its last answer and what it cost.

    ``kind`` None means abandoned before a final answer because the run stopped;
    ``maybe_applied`` that some attempt may have reached HubSpot without a clear answer.
    """

    work: Work
    encoded: Encoded
    attempts: int = 0
    rate_limited: int = 0
    response: ApiResponse | None = None
    kind: Kind | None = None
    maybe_applied: bool = False


@dataclass(frozen=True)
class Attempts:
    """The retry budget: attempts on transient failures, waits on 429s, and the backoff."""

    max_attempts: int = 5
    max_rate_limit_waits: int = 30
    backoff: Backoff = field(default_factory=Backoff)


def send_with_retries(
    work: Work,
    operation: Operation,
    post: Callable[[str, object], ApiResponse],
    pacer: Pacer,
    budget: Attempts,
    stop: threading.Event,
    posting: set[int],
) -> Sent:
    """Send ``work`` until an answer decides it, the budget is spent or ``stop`` is set.

    ``posting`` holds the batch numbers whose request may be at HubSpot right now.
    """
    sent = Sent(work, operation.encode(work.keys))
    path, batch = operation.path(), work.batch
    failures = 0
    while True:
        sent_at = pacer.acquire(stop)
        if sent_at is None:
            sent.kind = None
            return sent
        sent.attempts += 1
        posting.add(batch)
        response = post(path, sent.encoded.payload)
        if response.status != 429:
            sent.maybe_applied = True
        posting.discard(batch)
        pacer.observe(sent_at, response.headers, pacer.clock())
        kind = classify(response, empty_ok=operation.empty_ok)
        sent.response, sent.kind = response, kind
        if kind is Kind.RATE_LIMITED:
            sent.rate_limited += 1
        elif kind is Kind.TRANSIENT:
            failures += 1
        step = next_step(
            kind,
            failures=failures,
            rate_limited=sent.rate_limited,
            max_attempts=budget.max_attempts,
            max_rate_limit_waits=budget.max_rate_limit_waits,
            backoff=budget.backoff.delay,
        )
        if step.action == "hold":
            hold = pacer.block(pacer.clock(), retry_after_seconds(response))
            logger.info("batch %d: 429 rate limited, all workers wait %.1fs", batch, hold)
        elif step.action == "backoff":
            logger.info(
                "batch %d: %s, retrying in %.1fs (attempt %d of %d)",
                batch,
                describe(response),
                step.delay,
                failures + 1,
                budget.max_attempts,
            )
            if stop.wait(step.delay):
                sent.kind = None
                return sent
        else:
            return sent
