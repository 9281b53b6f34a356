"""Where an operation's keys meet the network: workers, answers, journal and progress.

The main thread owns all bookkeeping (the ledger, the journal, progress); worker threads only
send one batch each (:mod:`.attempt`). :func:`run` returns when every pending key is decided
or the run stopped (Ctrl-C, the daily limit, a fatal refusal); keys left undecided are marked
``unconfirmed`` when their request may have reached HubSpot, else ``not_sent``, saying why.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait

import numpy as np

from hubassoc_pandas.engine.attempt import Reachability, Sent, send_with_retries
from hubassoc_pandas.engine.interrupts import ctrl_c_held
from hubassoc_pandas.engine.isolate import Isolator, Lineage, isolation_budget
from hubassoc_pandas.engine.journal import Journal
from hubassoc_pandas.engine.ledger import Ledger
from hubassoc_pandas.engine.pacing import Pacer
from hubassoc_pandas.engine.policy import Kind, fatal_error, give_up_info, size_limit_from
from hubassoc_pandas.engine.report import EngineOptions, RunReport
from hubassoc_pandas.engine.scheduler import DaemonPool, Work, WorkQueue
from hubassoc_pandas.inputs.plan import chunk
from hubassoc_pandas.operations.base import Operation
from hubassoc_pandas.progress import Progress
from hubassoc_pandas.status import (
    CLIENT_ERROR,
    DAILY_LIMIT,
    FAILED,
    FATAL,
    INTERRUPTED,
    JOURNAL,
    MIGRATION,
    NETWORK,
    NOT_SENT,
    UNCONFIRMED,
    UNCONFIRMED_CODE,
    status_words,
)
from hubassoc_pandas.transport.responses import ApiResponse, ErrorInfo, parse_error

__all__ = ["run"]

logger = logging.getLogger("hubassoc_pandas")


def run(
    operation: Operation,
    pending: np.ndarray,
    ledger: Ledger,
    post: Callable[[str, object], ApiResponse],
    pacer: Pacer,
    options: EngineOptions,
    *,
    progress: Progress,
    journal: Journal | None = None,
    first_batch: int = 1,
    invalid_rows: int = 0,
    on_sending: Callable[[], object] | None = None,
) -> RunReport:
    """Send the ``pending`` keys of ``operation`` and record every outcome in ``ledger``.

    ``post(path, payload)`` sends one request (see :meth:`HubSpotClient.post`); ``progress``
    is told the rows decided, with ``invalid_rows`` counted as invalid from the start;
    ``on_sending()`` is called once, when the first request has been handed to a worker.
    """
    return _Engine(
        operation, pending, ledger, post, pacer, options, progress, journal, first_batch
    ).go(invalid_rows, on_sending)


class _Engine:
    def __init__(
        self,
        operation: Operation,
        pending: np.ndarray,
        ledger: Ledger,
        post: Callable[[str, object], ApiResponse],
        pacer: Pacer,
        options: EngineOptions,
        progress: Progress,
        journal: Journal | None,
        first_batch: int,
    ) -> None:
        self.op = operation
        self.pending = pending
        self.ledger = ledger
        self.post = post
        self.pacer = pacer
        self.options = options
        self.progress = progress
        self.journal = journal
        self.words = status_words(operation.success)
        ordered, boundary = operation.order(pending)
        self.queue = WorkQueue(ordered, boundary, options.batch_size, operation.separate)
        self.isolator = Isolator(isolation_budget(len(pending), options.batch_size))
        self.next_batch = first_batch
        self.stop = threading.Event()
        self.in_flight: dict[Future[Sent], Work] = {}
        self.posting: set[int] = set()  # batches whose request may be at HubSpot right now
        self.stop_info: ErrorInfo | None = None
        self.report = RunReport()
        self.invalid_rows = 0
        self.reach = Reachability()

    def go(self, invalid_rows: int, on_sending: Callable[[], object] | None = None) -> RunReport:
        self.invalid_rows = invalid_rows
        pool = DaemonPool(self.options.max_workers)
        try:
            try:
                self._loop(pool, on_sending)
            except KeyboardInterrupt:
                self._stop(
                    INTERRUPTED,
                    "Interrupted before this row was sent; run retry() or the same call "
                    "again with the same journal to send it.",
                )
                logger.warning(
                    "interrupted: finishing the %d requests in flight", len(self.in_flight)
                )
                self._drain()
        finally:
            self.stop.set()
            pool.shutdown()
            self._note_unreachable()
            self._settle_undecided()
            self.progress.note(None)
            self.progress.close()
            self.report.final_batch_size = self.queue.batch_size
            self.report.finished = time.time()
        return self.report

    def _loop(self, pool: DaemonPool, on_sending: Callable[[], object] | None) -> None:
        in_flight = self.in_flight
        while True:
            with ctrl_c_held():
                while not self.stop.is_set() and len(in_flight) < self.options.max_workers:
                    work = self.queue.next(in_flight.values())
                    if work is None:
                        break
                    work.batch, self.next_batch = self.next_batch, self.next_batch + 1
                    in_flight[pool.submit(self._send, work)] = work
            if not in_flight:
                return
            if on_sending is not None:
                on_sending()
                on_sending = None
            done, _ = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
            with ctrl_c_held():
                for future in done:
                    self._handle(future, in_flight.pop(future))
            hold = self.pacer.blocked_for()
            self.progress.note(f"rate limited, waiting {hold:.0f}s" if hold > 0.5 else None)

    def _send(self, work: Work) -> Sent:
        return send_with_retries(
            work,
            self.op,
            self.post,
            self.pacer,
            self.options.attempts,
            self.stop,
            self.posting,
            self.reach,
        )

    def _drain(self) -> None:
        deadline = time.monotonic() + self.options.interrupt_grace
        try:
            while self.in_flight and time.monotonic() < deadline:
                done, _ = wait(self.in_flight, timeout=0.1, return_when=FIRST_COMPLETED)
                with ctrl_c_held():
                    for future in done:
                        self._handle(future, self.in_flight.pop(future))
        except KeyboardInterrupt:
            pass

    def _stop(self, category: str, message: str) -> None:
        if self.stop_info is None:
            self.stop_info = ErrorInfo(category=category, message=message, retryable=True)
            self.report.stopped = category
        self.stop.set()

    # -- answers -----------------------------------------------------------------------------
    def _handle(self, future: Future[Sent], work: Work) -> None:
        if work.named and work.lineage is not None:  # a named part's answer is in
            work.lineage.unanswered_names -= 1
        try:
            sent = future.result()
        except Exception as exc:  # a bug or an unexpected library error: keep the rows
            logger.exception("a batch failed inside the client")
            info = ErrorInfo(CLIENT_ERROR, f"{type(exc).__name__}: {exc}", retryable=True)
            self._decide(work.keys, FAILED, info, batch=0, attempts=1)
            return
        self.report.requests += sent.attempts
        self.report.rate_limited += sent.rate_limited
        if sent.attempts:
            self.report.batches += 1
        response, kind = sent.response, sent.kind
        if kind is None or response is None:
            if sent.maybe_applied:  # sent, but the run stopped before a final answer
                self._decide(
                    work.keys, UNCONFIRMED, self._stopped_in_flight(), work.batch, sent.attempts
                )
            return  # otherwise never sent: settled as not_sent when the run ends
        if kind is Kind.SUCCESS:
            self._succeeded(sent, response)
        elif kind is Kind.TOO_LARGE and len(work.keys) > 1:
            self._shrink(work, response)
        elif kind in (Kind.REJECTED, Kind.TOO_LARGE):
            self._isolate(sent, response)
        elif kind is Kind.DAILY_LIMIT:
            self._stop(
                DAILY_LIMIT,
                "HubSpot's daily API limit is used up; nothing more can be sent until it resets "
                "at midnight in the portal's time zone. Then run retry() on these results or "
                "the same call again with the same journal.",
            )
        elif kind is Kind.MIGRATING:
            self._stop(
                MIGRATION,
                f"HubSpot is migrating this account (477 Migration in Progress, Retry-After: "
                f"{response.header('Retry-After') or 'not given'} s); nothing more can be sent "
                "until it ends. Then run retry() or the same call again with the same journal.",
            )
        elif kind in (Kind.UNAUTHORIZED, Kind.FORBIDDEN, Kind.FATAL):
            self._fatal(kind, response)
        else:
            self._give_up(sent, kind, response)

    def _give_up(self, sent: Sent, kind: Kind, response: ApiResponse) -> None:
        """A batch still failing (5xx, network, 423, unreadable, 429) after its budget."""
        work = sent.work
        self.queue.sizer.forget(work.suspect)
        if not sent.maybe_applied and self.reach.tripped:
            return  # never reached HubSpot and the run is stopping: settled as not_sent
        info = give_up_info(kind, response, attempts=sent.attempts, rate_limited=sent.rate_limited)
        # an answer lost after sending, or a 2xx that could not be read, may have done its
        # work: unconfirmed, never failed
        lost = sent.lost_answer or 200 <= response.status < 300
        self._decide(work.keys, UNCONFIRMED if lost else FAILED, info, work.batch, sent.attempts)

    def _succeeded(self, sent: Sent, response: ApiResponse) -> None:
        work, ledger = sent.work, self.ledger
        decoded = self.op.decode(response, work.keys, sent.encoded)
        keys = work.keys
        self.queue.sizer.accepted(len(keys), work.suspect)
        decided = [
            ledger.apply(
                keys, decoded, batch=work.batch, attempts=sent.attempts, http_status=response.status
            )
        ]
        if work.refused_with is not None and len(decoded.succeeded):
            self.isolator.got_past(work.refused_with)  # part of it got through
            if work.named:  # ... and it was the part the refusal named: it named wrongly
                self.isolator.misnamed(work.refused_with)
        if len(decoded.more):  # next pages: sent again at once, decided by a later answer
            more = keys[decoded.more]
            ledger.attempts[more] += sent.attempts
            self.queue.push_front(Work(part) for part in chunk(more, self.queue.batch_size))
        still_open = keys[decoded.open]
        if len(still_open) and not work.resend:
            ledger.attempts[still_open] += sent.attempts
            ledger.batch[still_open] = work.batch
            self.queue.add_resend(still_open)
        elif len(still_open):
            note = "; ".join(sorted({i.message for i in decoded.unattributed if i.message}))[:500]
            doubt = f": {decoded.doubt}" if decoded.doubt else ""
            info = ErrorInfo(
                UNCONFIRMED_CODE,
                f"HubSpot answered {response.status} twice without confirming or refusing this "
                f"row{doubt}, so it may or may not be {self.op.success}"
                + (f" (errors naming no key: {note})" if note else "")
                + ("; retry() sends it again (harmless if it is done)" if doubt else ""),
                http_status=response.status,
                retryable=True,
            )
            ledger.refused(
                still_open, info, status=UNCONFIRMED, batch=work.batch, attempts=sent.attempts
            )
            decided.append(still_open)
        self._record(np.concatenate(decided))

    def _shrink(self, work: Work, response: ApiResponse) -> None:
        body = response.body
        message = str(body.get("message", "")) if isinstance(body, dict) else ""
        limit = size_limit_from(message, len(work.keys))
        named = limit if limit != size_limit_from("", len(work.keys)) else None
        size = self.queue.sizer.learn_too_large(len(work.keys), named)
        logger.warning(
            "HubSpot refused a batch of %d as too large; batch size is now %d",
            len(work.keys),
            size,
        )
        self.queue.push_front(Work(part, work.resend) for part in chunk(work.keys, size))

    def _isolate(self, sent: Sent, response: ApiResponse) -> None:
        """A whole batch refused: re-send apart the keys it names (while its names prove
        right), or split it in halves."""
        work = sent.work
        body = response.body if response.body is not None else response.text
        info = parse_error(body, http_status=response.status)
        named = self.op.named(response.body, sent.encoded)
        lineage = work.lineage or Lineage()
        decision = self.isolator.refused(len(work.keys), info, named, lineage)
        # naming no key (or none to trust), it may be about the size: both halves going
        # through will tell
        suspect = self.queue.sizer.refused(
            len(work.keys), work.suspect, named=decision.named or decision.fail is not None
        )
        if decision.fail is not None:
            self._decide(work.keys, FAILED, decision.fail, work.batch, sent.attempts)
            return
        self.ledger.attempts[work.keys] += sent.attempts
        lineage.unanswered_names += decision.named
        self.queue.push_front(
            Work(
                work.keys[part],
                work.resend,
                info.message,
                suspect=suspect,
                lineage=lineage,
                named=decision.named and number == 0,
            )
            for number, part in enumerate(decision.parts)
        )

    def _fatal(self, kind: Kind, response: ApiResponse) -> None:
        error, info = fatal_error(kind, response)
        if self.report.fatal is None:
            self.report.fatal = error
        self._stop(FATAL, f"Not sent: the run stopped at HTTP {response.status}: {info.message}")

    # -- bookkeeping ---------------------------------------------------------------------------
    def _decide(
        self, keys: np.ndarray, status: int, info: ErrorInfo, batch: int, attempts: int
    ) -> None:
        self.ledger.refused(keys, info, status=status, batch=batch, attempts=attempts)
        self._record(np.asarray(keys, dtype=np.int64))

    def _record(self, decided: np.ndarray) -> None:
        """Journal the decided keys, then count them and move the progress bar."""
        if len(decided) == 0:
            return
        if self.journal is not None and self.report.journal_error is None:
            texts = self.op.journal_keys(decided)
            try:
                self.journal.record(self.ledger.journal_rows(decided, texts, self.words))
            except sqlite3.Error as exc:  # locked past its timeout, disk full, file removed
                self._journal_failed(exc)
        rows = self.ledger.tally_decided(decided)
        counts = dict(zip(self.words, self.ledger.rows_by_status().tolist(), strict=True))
        counts["invalid"] = self.invalid_rows
        self.progress.advance(rows, counts)

    def _note_unreachable(self) -> None:
        if self.reach.tripped:
            self._stop(
                NETWORK,
                f"Not sent: HubSpot could not be reached ({self.reach.last_error}), so the run "
                "stopped. Check the network, proxy settings (HTTPS_PROXY, NO_PROXY) and "
                "base_url, then run retry().",
            )

    def _journal_failed(self, exc: sqlite3.Error) -> None:
        message = f"The journal {self.journal!r} could not be written ({exc})"
        logger.error("%s: stopping the run", message)
        self.report.journal_error = f"{message}; the run stopped, keeping every result."
        self._stop(
            JOURNAL,
            f"Not sent: {message}, so the run stopped. Free the journal (or give another "
            "file) and run retry().",
        )

    def _stopped_in_flight(self) -> ErrorInfo:
        reason = self.stop_info.category if self.stop_info else INTERRUPTED
        return ErrorInfo(
            reason,
            "Sent, but the run stopped before HubSpot's answer came back, so it may or may not "
            f"be {self.op.success}; retry() sends it again (sending twice is harmless).",
            retryable=True,
        )

    def _settle_undecided(self) -> None:
        """Mark every key the run did not decide: unconfirmed if its request may have
        reached HubSpot, else not sent; saying why."""
        ledger = self.ledger
        for future, work in list(self.in_flight.items()):
            if not future.done() and work.batch in self.posting:
                info = self._stopped_in_flight()
                ledger.refused(work.keys, info, status=UNCONFIRMED, batch=work.batch, attempts=1)
        undecided = self.pending[ledger.is_open(self.pending)]
        waiting = self.queue.take_resend()
        if len(waiting):  # answered 2xx without a word about them, and not yet sent again
            reason = self.stop_info.category if self.stop_info else INTERRUPTED
            info = ErrorInfo(
                reason,
                "Sent once; HubSpot answered without confirming or refusing it and the run "
                f"stopped before sending it again, so it may or may not be {self.op.success}.",
                retryable=True,
            )
            ledger.refused(waiting, info, status=UNCONFIRMED, batch=0, attempts=0)
            undecided = np.setdiff1d(undecided, waiting)
        if len(undecided) == 0:
            return
        info = self.stop_info or ErrorInfo(
            INTERRUPTED, "The run ended before this row was sent.", retryable=True
        )
        ledger.refused(undecided, info, status=NOT_SENT, batch=0, attempts=0)
