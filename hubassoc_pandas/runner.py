"""Where the plan meets the client: workers, pacing, retries, journal and progress.

The main thread owns all bookkeeping (outcomes, journal, progress); worker threads only send
one batch each, waiting on the shared :class:`~hubassoc_pandas.pacing.Pacer` and retrying
what may be retried (429 on the rolling window, 5xx, network failures, unreadable bodies).
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pandas import isna as pd_isna

from .client import HubSpotClient
from .errors import AuthenticationError, FatalApiError, MissingScopesError
from .journal import Journal, OutcomeRow
from .pacing import Backoff, Pacer
from .plan import Plan, chunk, mirror_last
from .progress import Progress
from .responses import (
    ApiResponse,
    ErrorInfo,
    Kind,
    classify,
    pairs_named,
    parse_error,
    retry_after_seconds,
    size_limit_from,
)
from .results import FAILED, NOT_SENT, STATUSES, UNCONFIRMED, PairOutcomes, apply_success

__all__ = ["RunOptions", "RunReport", "run"]

logger = logging.getLogger("hubassoc_pandas")


@dataclass(frozen=True)
class RunOptions:
    """How a run sends: object types, batch size, concurrency and retry budget."""

    from_type: str
    to_type: str
    batch_size: int = 100
    max_workers: int = 16
    max_attempts: int = 5
    max_rate_limit_waits: int = 30
    backoff: Backoff = field(default_factory=Backoff)
    interrupt_grace: float = 5.0


@dataclass
class RunReport:
    """What a run did, beyond the per-pair outcomes."""

    requests: int = 0
    batches: int = 0
    rate_limited: int = 0
    final_batch_size: int = 0
    stopped: str | None = None  # INTERRUPTED, DAILY_LIMIT or FATAL
    fatal: FatalApiError | None = None
    started: float = field(default_factory=time.time)
    finished: float = 0.0


@dataclass
class _Work:
    pairs: np.ndarray
    resend: bool = False
    refused_with: str | None = None  # the whole-batch refusal this work was split from
    batch: int = 0  # the request number, given when the work is sent


@dataclass
class _Sent:
    work: _Work
    batch: int
    attempts: int
    rate_limited: int = 0
    response: ApiResponse | None = None
    kind: Kind | None = None  # None: abandoned before an answer, because the run stopped
    from_ids: list[str] = field(default_factory=list)  # the batch's IDs as sent
    to_ids: list[str] = field(default_factory=list)
    maybe_applied: bool = False  # an attempt may have reached HubSpot without a clear answer


def run(
    plan: Plan,
    pending: np.ndarray,
    outcomes: PairOutcomes,
    client: HubSpotClient,
    pacer: Pacer,
    options: RunOptions,
    *,
    progress: Progress,
    journal: Journal | None = None,
    first_batch: int = 1,
) -> RunReport:
    """Send the pending pairs and record every outcome in ``outcomes``.

    Returns when every pending pair is decided or the run stopped (Ctrl-C, the daily limit, a
    fatal refusal); pairs left undecided are marked ``not_sent`` with the reason.
    """
    return _Runner(
        plan, pending, outcomes, client, pacer, options, progress, journal, first_batch
    ).go()


class _Runner:
    def __init__(
        self,
        plan: Plan,
        pending: np.ndarray,
        outcomes: PairOutcomes,
        client: HubSpotClient,
        pacer: Pacer,
        options: RunOptions,
        progress: Progress,
        journal: Journal | None,
        first_batch: int,
    ) -> None:
        self.plan = plan
        # a pair and its mirror never share a batch: mirrors with the larger from-ID go last
        self.pending, self.boundary = mirror_last(plan.pair_from, plan.pair_to, pending)
        self.outcomes = outcomes
        self.client = client
        self.pacer = pacer
        self.options = options
        self.progress = progress
        self.journal = journal
        self.batch_size = options.batch_size
        self.next_batch = first_batch
        self.cursor = 0
        self.front: deque[_Work] = deque()
        self.resend: list[int] = []
        self.stop = threading.Event()
        self.in_flight: dict[Future[_Sent], _Work] = {}
        self.posting: set[int] = set()  # batches whose request may be at HubSpot right now
        self.stop_info: ErrorInfo | None = None
        self.report = RunReport()
        # rows per status code among decided pairs (restored from a journal included)
        self._rows_by_status = np.bincount(
            outcomes.status, weights=plan.rows_of_pair, minlength=len(STATUSES)
        ).astype(np.int64)
        self._rows_by_status[NOT_SENT] = 0
        self._lone_refusals: dict[str, int] = {}  # message -> single pairs refused with it
        self._pair_specific: set[str] = set()  # refusals a part of the batch then got past

    # -- scheduling ------------------------------------------------------------------------
    def _next_work(self) -> _Work | None:
        if self.front:
            return self.front.popleft()
        if len(self.resend) >= self.batch_size or (
            self.resend and self.cursor >= len(self.pending)
        ):
            return _Work(self._take_resend(), resend=True)
        if self.cursor < len(self.pending):
            end = self.cursor + self.batch_size
            if self.cursor < self.boundary:
                end = min(end, self.boundary)
            pairs = self.pending[self.cursor : end]
            self.cursor += len(pairs)
            return _Work(pairs)
        return None

    def _take_resend(self) -> np.ndarray:
        """Up to a batch of pairs to send again, leaving any pair whose mirror is taken."""
        taken: list[int] = []
        kept: list[int] = []
        keys: set[tuple[int, int]] = set()
        pair_from, pair_to = self.plan.pair_from, self.plan.pair_to
        for pair in self.resend:
            key = (int(pair_from[pair]), int(pair_to[pair]))
            if len(taken) < self.batch_size and key[::-1] not in keys:
                taken.append(pair)
                keys.add(key)
            else:
                kept.append(pair)
        self.resend = kept
        return np.array(taken, dtype=np.int64)

    def go(self) -> RunReport:
        executor = _DaemonPool(self.options.max_workers)
        in_flight = self.in_flight
        try:
            try:
                while True:
                    while not self.stop.is_set() and len(in_flight) < self.options.max_workers:
                        work = self._next_work()
                        if work is None:
                            break
                        work.batch, self.next_batch = self.next_batch, self.next_batch + 1
                        in_flight[executor.submit(self._send, work)] = work
                    if not in_flight:
                        break
                    done, _ = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
                    for future in done:
                        work = in_flight.pop(future)
                        self._handle(future, work)
                    hold = self.pacer.blocked_for()
                    self.progress.note(f"rate limited, waiting {hold:.0f}s" if hold > 0.5 else None)
            except KeyboardInterrupt:
                self._stop(
                    "INTERRUPTED",
                    "Interrupted before this row was sent; run retry() or "
                    "associate() again with the same journal to send it.",
                )
                logger.warning("interrupted: finishing the %d requests in flight", len(in_flight))
                self._drain(in_flight)
        finally:
            self.stop.set()
            executor.shutdown()
            self._settle_undecided()
            self.progress.note(None)
            self.progress.close()
            self.report.final_batch_size = self.batch_size
            self.report.finished = time.time()
        return self.report

    def _drain(self, in_flight: dict[Future[_Sent], _Work]) -> None:
        deadline = time.monotonic() + self.options.interrupt_grace
        try:
            while in_flight and time.monotonic() < deadline:
                done, _ = wait(in_flight, timeout=0.1, return_when=FIRST_COMPLETED)
                for future in done:
                    self._handle(future, in_flight.pop(future))
        except KeyboardInterrupt:
            pass

    def _stop(self, category: str, message: str) -> None:
        if self.stop_info is None:
            self.stop_info = ErrorInfo(category=category, message=message, retryable=True)
            self.report.stopped = category
        self.stop.set()

    # -- worker side -------------------------------------------------------------------------
    def _send(self, work: _Work) -> _Sent:
        from_ids, to_ids = self._wire_ids(work.pairs)
        batch = work.batch
        sent = _Sent(work, batch, attempts=0, from_ids=from_ids, to_ids=to_ids)
        failures = 0
        while True:
            sent_at = self.pacer.acquire(self.stop)
            if sent_at is None:
                sent.kind = None
                return sent
            sent.attempts += 1
            self.posting.add(batch)
            response = self.client.post_batch(
                self.options.from_type, self.options.to_type, from_ids, to_ids
            )
            if response.status != 429:
                sent.maybe_applied = True
            self.posting.discard(batch)
            self.pacer.observe(sent_at, response.headers, self.pacer.clock())
            kind = classify(response)
            sent.response, sent.kind = response, kind
            if kind is Kind.RATE_LIMITED:
                sent.rate_limited += 1
                hold = self.pacer.block(self.pacer.clock(), retry_after_seconds(response))
                logger.info("batch %d: 429 rate limited, all workers wait %.1fs", batch, hold)
                if sent.rate_limited >= self.options.max_rate_limit_waits:
                    return sent
                continue
            if kind is Kind.TRANSIENT:
                failures += 1
                if failures >= self.options.max_attempts:
                    return sent
                delay = self.options.backoff.delay(failures)
                logger.info(
                    "batch %d: %s, retrying in %.1fs (attempt %d of %d)",
                    batch,
                    _describe(response),
                    delay,
                    failures + 1,
                    self.options.max_attempts,
                )
                if self.stop.wait(delay):
                    sent.kind = None
                    return sent
                continue
            return sent

    # -- main-thread bookkeeping -----------------------------------------------------------
    def _handle(self, future: Future[_Sent], work: _Work) -> None:
        try:
            sent = future.result()
        except Exception as exc:  # a bug or an unexpected library error: keep the rows
            logger.exception("a batch failed inside the client")
            info = ErrorInfo("CLIENT_ERROR", f"{type(exc).__name__}: {exc}", retryable=True)
            self._finish(work.pairs, FAILED, info, batch=0, attempts=1)
            return
        self.report.requests += sent.attempts
        self.report.rate_limited += sent.rate_limited
        if sent.attempts:
            self.report.batches += 1
        response, kind = sent.response, sent.kind
        pairs = work.pairs
        if kind is None or response is None:
            if sent.maybe_applied:  # sent, but the run stopped before a final answer
                self._finish(
                    pairs, UNCONFIRMED, self._stopped_in_flight(), sent.batch, sent.attempts
                )
            return  # otherwise never sent: settled as not_sent when the run ends
        if kind is Kind.SUCCESS:
            self._apply_success(sent, response)
        elif kind is Kind.TOO_LARGE and len(pairs) > 1:
            message = (
                str(response.body.get("message", "")) if isinstance(response.body, dict) else ""
            )
            self.batch_size = min(self.batch_size, size_limit_from(message, len(pairs)))
            logger.warning(
                "HubSpot refused a batch of %d as too large; batch size is now %d",
                len(pairs),
                self.batch_size,
            )
            self.front.extendleft(
                reversed([_Work(p, work.resend) for p in chunk(pairs, self.batch_size)])
            )
        elif kind in (Kind.REJECTED, Kind.TOO_LARGE):
            self._isolate(sent, response)
        elif kind is Kind.DAILY_LIMIT:
            self._stop(
                "DAILY_LIMIT",
                "HubSpot's daily API limit is used up; nothing more can be sent until it resets "
                "at midnight in the portal's time zone. Then run retry() on these results or "
                "associate() again with the same journal.",
            )
        elif kind in (Kind.UNAUTHORIZED, Kind.FORBIDDEN, Kind.FATAL):
            self._fatal(kind, response)
        else:  # TRANSIENT or RATE_LIMITED with the budget spent
            # a 2xx that could not be read may have done its work: unconfirmed, not failed
            status = UNCONFIRMED if 200 <= response.status < 300 else FAILED
            self._finish(
                pairs, status, _give_up_info(kind, response, sent), sent.batch, sent.attempts
            )

    def _apply_success(self, sent: _Sent, response: ApiResponse) -> None:
        pairs = sent.work.pairs
        decided, open_pairs, verdict = apply_success(
            self.outcomes,
            pairs,
            sent.from_ids,
            sent.to_ids,
            response,
            batch=sent.batch,
            attempts=sent.attempts,
        )
        if sent.work.refused_with is not None and verdict.confirmed:
            self._pair_specific.add(sent.work.refused_with)  # part of it got through
        if len(open_pairs) and not sent.work.resend:
            self.outcomes.attempts[open_pairs] += sent.attempts
            self.outcomes.batch[open_pairs] = sent.batch
            self.resend.extend(open_pairs.tolist())
        elif len(open_pairs):
            note = "; ".join(sorted({i.message for i in verdict.unattributed if i.message}))[:500]
            info = ErrorInfo(
                "UNCONFIRMED",
                f"HubSpot answered {response.status} twice without confirming or refusing this "
                "pair, so it may or may not be associated"
                + (f" (errors naming no pair: {note})" if note else ""),
                http_status=response.status,
                retryable=True,
            )
            self.outcomes.refused(
                open_pairs, info, status=UNCONFIRMED, batch=sent.batch, attempts=sent.attempts
            )
            decided = np.concatenate([decided, open_pairs])
        self._record(decided)

    def _wire_ids(self, pairs: np.ndarray) -> tuple[list[str], list[str]]:
        return (
            [str(v) for v in self.plan.pair_from[pairs].tolist()],
            [str(v) for v in self.plan.pair_to[pairs].tolist()],
        )

    def _isolate(self, sent: _Sent, response: ApiResponse) -> None:
        """A whole batch refused: re-send apart the pairs it names, or split it in halves.

        Only a pair refused on its own is marked failed, so a pair named by mistake (an ID
        that also appears on the other side, say) is still associated. A refusal that names
        no pair and has already come back for single pairs is about the request itself:
        splitting further would only multiply requests, so the batch fails as a whole.
        """
        pairs = sent.work.pairs
        body = response.body if response.body is not None else response.text
        info = parse_error(body, http_status=response.status)
        named = (
            pairs_named(response.body, sent.from_ids, sent.to_ids) if isinstance(body, dict) else []
        )
        if len(pairs) == 1:
            if not named:
                self._lone_refusals[info.message] = self._lone_refusals.get(info.message, 0) + 1
            self._finish(pairs, FAILED, info, sent.batch, sent.attempts)
            return
        if (
            not named
            and info.message not in self._pair_specific
            and self._lone_refusals.get(info.message, 0) >= 3
        ):
            # may still be about a pair after all: retry() is allowed to send these again
            whole = dataclasses.replace(info, retryable=True)
            self._finish(pairs, FAILED, whole, sent.batch, sent.attempts)
            return
        self.outcomes.attempts[pairs] += sent.attempts
        if named and len(named) < len(pairs):
            first, second = pairs[named], np.delete(pairs, named)
        else:
            half = len(pairs) // 2
            first, second = pairs[:half], pairs[half:]
        self.front.appendleft(_Work(second, sent.work.resend, info.message))
        self.front.appendleft(_Work(first, sent.work.resend, info.message))

    def _fatal(self, kind: Kind, response: ApiResponse) -> None:
        info = parse_error(
            response.body if response.body is not None else response.text,
            http_status=response.status,
        )
        body = response.body if isinstance(response.body, dict) else {}
        common: dict[str, Any] = {
            "status": response.status,
            "category": info.category,
            "correlation_id": info.correlation_id,
            "body": body,
        }
        error: FatalApiError
        if kind is Kind.UNAUTHORIZED:
            error = AuthenticationError(
                f"HubSpot refused the access token (401 {info.category or ''}: {info.message}). "
                "Check that the token is current and belongs to this portal; private-app "
                "tokens are shown under Settings > Integrations > Private Apps.",
                **common,
            )
        elif kind is Kind.FORBIDDEN:
            scopes = _required_scopes(body)
            error = MissingScopesError(
                f"HubSpot refused the request (403 {info.category or ''}): the token lacks "
                f"the scopes {', '.join(scopes) or '(not named)'}. Add them to the private "
                "app (or OAuth grant) and use the new token.",
                scopes=scopes,
                **common,
            )
        else:
            error = FatalApiError(
                f"HubSpot cannot process these requests ({response.status}: "
                f"{info.message or _describe(response)}). Check the object types, base_url "
                "and api_version.",
                **common,
            )
        if self.report.fatal is None:
            self.report.fatal = error
        self._stop("FATAL", f"Not sent: the run stopped at HTTP {response.status}: {info.message}")

    def _finish(
        self, pairs: np.ndarray, status: int, info: ErrorInfo, batch: int, attempts: int
    ) -> None:
        self.outcomes.refused(pairs, info, status=status, batch=batch, attempts=attempts)
        self._record(np.asarray(pairs, dtype=np.int64))

    def _record(self, decided: np.ndarray) -> None:
        """Journal the decided pairs and move the progress bar."""
        if len(decided) == 0:
            return
        if self.journal is not None:
            self.journal.record(self._journal_rows(decided))
        # each pair is recorded once, when decided: add its rows to the running tally
        weights = self.plan.rows_of_pair[decided]
        self._rows_by_status += np.bincount(
            self.outcomes.status[decided], weights=weights, minlength=len(STATUSES)
        ).astype(np.int64)
        counts = {name: int(n) for name, n in zip(STATUSES, self._rows_by_status, strict=True)}
        counts["invalid"] = self.plan.n_invalid
        self.progress.advance(int(weights.sum()), counts)

    def _journal_rows(self, pairs: np.ndarray) -> list[OutcomeRow]:
        o = self.outcomes
        rows: list[OutcomeRow] = []
        for p in pairs.tolist():
            type_id = int(o.type_id[p])
            rows.append(
                (
                    int(self.plan.pair_from[p]),
                    int(self.plan.pair_to[p]),
                    STATUSES[o.status[p]],
                    int(o.batch[p]),
                    int(o.attempts[p]),
                    int(o.http_status[p]),
                    None if type_id < 0 else type_id,
                    o.association_category[p],
                    o.error_category[p],
                    o.error_message[p],
                )
            )
        return rows

    def _stopped_in_flight(self) -> ErrorInfo:
        reason = self.stop_info.category if self.stop_info else "INTERRUPTED"
        return ErrorInfo(
            reason,
            "Sent, but the run stopped before HubSpot's answer came back, so it may or may not "
            "be associated; retry() sends it again (associating twice is harmless).",
            retryable=True,
        )

    def _settle_undecided(self) -> None:
        """Mark every pair the run did not decide: unconfirmed if its request may have
        reached HubSpot, else not sent; saying why."""
        o = self.outcomes
        for future, work in list(self.in_flight.items()):
            if not future.done() and work.batch in self.posting:
                o.refused(
                    work.pairs,
                    self._stopped_in_flight(),
                    status=UNCONFIRMED,
                    batch=work.batch,
                    attempts=1,
                )
        undecided = self.pending[
            (o.status[self.pending] == NOT_SENT) & pd_isna(o.error_category[self.pending])
        ]
        if self.resend:  # answered 2xx without a word about them, and not yet sent again
            waiting = np.array(self.resend, dtype=np.int64)
            self.resend = []
            reason = self.stop_info.category if self.stop_info else "INTERRUPTED"
            o.refused(
                waiting,
                ErrorInfo(
                    reason,
                    "Sent once; HubSpot answered without confirming or refusing it and the run "
                    "stopped before sending it again, so it may or may not be associated.",
                    retryable=True,
                ),
                status=UNCONFIRMED,
                batch=0,
                attempts=0,
            )
            undecided = np.setdiff1d(undecided, waiting)
        if len(undecided) == 0:
            return
        info = self.stop_info or ErrorInfo(
            "INTERRUPTED", "The run ended before this row was sent.", retryable=True
        )
        o.refused(undecided, info, status=NOT_SENT, batch=0, attempts=0)


class _DaemonPool:
    """A fixed set of daemon worker threads running submitted calls, returning futures.

    Unlike a ThreadPoolExecutor, whose threads the interpreter waits for at exit, these never
    keep a process alive: after Ctrl-C, a request still hanging on the network must not hold
    up the exit of a script that already has its results.
    """

    def __init__(self, workers: int) -> None:
        self._queue: queue.SimpleQueue[
            tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None
        ] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"hubassoc-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, call: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._queue.put((future, call, args))
        return future

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            future, call, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call(*args))
            except BaseException as exc:  # handed to the waiting thread via the future
                future.set_exception(exc)

    def shutdown(self) -> None:
        """Cancel calls not started yet and let every thread end after its current call."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        for _ in self._threads:
            self._queue.put(None)


def _give_up_info(kind: Kind, response: ApiResponse, sent: _Sent) -> ErrorInfo:
    if kind is Kind.RATE_LIMITED:
        info = parse_error(response.body, http_status=429)
        return ErrorInfo(
            "RATE_LIMIT",
            f"Still rate limited after {sent.rate_limited} waits: {info.message}",
            http_status=429,
            correlation_id=info.correlation_id,
            detail=info.detail,
            retryable=True,
        )
    if response.status == 0:
        return ErrorInfo(
            "NETWORK", f"No answer after {sent.attempts} attempts: {response.error}", retryable=True
        )
    if not isinstance(response.body, dict):  # an HTML page or other text: show a snippet
        return ErrorInfo(
            "SERVER_ERROR" if response.status >= 500 else "BAD_RESPONSE",
            f"{_describe(response)} (after {sent.attempts} attempts)",
            http_status=response.status,
            detail=response.text[:4000] or None,
            retryable=True,
        )
    info = parse_error(response.body, http_status=response.status)
    category = info.category or ("SERVER_ERROR" if response.status >= 500 else "BAD_RESPONSE")
    return ErrorInfo(
        category,
        f"HTTP {response.status} after {sent.attempts} attempts: "
        f"{info.message or _describe(response)}",
        http_status=response.status,
        correlation_id=info.correlation_id,
        detail=info.detail,
        retryable=True,
    )


def _required_scopes(body: dict) -> list[str]:
    scopes: list[str] = []
    for holder in [body, *[e for e in body.get("errors") or [] if isinstance(e, dict)]]:
        context = holder.get("context")
        if isinstance(context, dict):
            for key in ("requiredScopes", "missingScopes"):
                value = context.get(key)
                if isinstance(value, list):
                    scopes.extend(str(v) for v in value if str(v) not in scopes)
    return scopes


def _describe(response: ApiResponse) -> str:
    if response.status == 0:
        return response.error or "no response"
    if response.body is None and response.text:
        snippet = " ".join(response.text.split())[:200]
        return f"HTTP {response.status} with a body that is not JSON: {snippet!r}"
    return f"HTTP {response.status}"
