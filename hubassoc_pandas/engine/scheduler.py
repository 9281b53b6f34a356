"""The work queue of a run and the daemon threads that send it.

The queue hands out batches in this order: work split off a refused batch (so bad keys are
isolated before new work starts), keys waiting for their one re-send once a batch of them is
ready (or nothing new is left), then new keys in the operation's order. New batches are cut
at the size the run's :class:`~.sizing.BatchSizer` gives, and a batch of a size not yet
accepted goes only while no other such batch is in flight (slow start).
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np

from hubassoc_pandas.engine.isolate import Lineage
from hubassoc_pandas.engine.sizing import BatchSizer

__all__ = ["DaemonPool", "Work", "WorkQueue"]


@dataclass
class Work:
    """A batch of keys to send.

    ``resend``: its keys were answered once without a word and are being sent again;
    ``refused_with``: the whole-batch refusal it was split from; ``suspect``: that
    refusal's number when it may have been about the batch's size (see
    :meth:`BatchSizer.refused`); ``batch``: the request number, given when it is sent;
    ``lineage``: the refused batch it is a part of; ``named``: its keys are the ones that
    refusal named.
    """

    keys: np.ndarray
    resend: bool = False
    refused_with: str | None = None
    batch: int = 0
    suspect: int | None = None
    lineage: Lineage | None = None
    named: bool = False


class WorkQueue:
    """Cuts the keys to send into batches.

    Parameters
    ----------
    ordered : numpy.ndarray
        Keys in sending order.
    boundary : int
        A position in ``ordered`` no batch may straddle.
    batch_size : int
        Keys per batch, at most; the sizer may lower it during the run.
    separate : callable
        ``separate(keys, limit) -> (taken, kept)``: the operation's rule for which waiting
        keys may share a re-send batch.

    Examples
    --------
    >>> q = WorkQueue(np.arange(5), 3, 2, lambda keys, n: (list(keys[:n]), list(keys[n:])))
    >>> [q.next().keys.tolist() for _ in range(3)], q.next()
    ([[0, 1], [2], [3, 4]], None)

    Once a refusal may have been about the size, a batch of a size not yet accepted waits
    while another is out (given ``in_flight``):

    >>> q = WorkQueue(np.arange(5), 5, 2, lambda keys, n: (list(keys[:n]), list(keys[n:])))
    >>> suspect = q.sizer.refused(2)
    >>> first = q.next(in_flight=[])
    >>> q.next(in_flight=[first]) is None, q.sizer.accepted(2), q.next(in_flight=[first]).keys
    (True, None, array([2, 3]))
    """

    def __init__(
        self,
        ordered: np.ndarray,
        boundary: int,
        batch_size: int,
        separate: Callable[[Sequence[int], int], tuple[list[int], list[int]]],
    ) -> None:
        self.ordered = ordered
        self.boundary = boundary
        self.sizer = BatchSizer(batch_size)
        self._separate = separate
        self._cursor = 0
        self._front: deque[Work] = deque()
        self._resend: list[int] = []

    @property
    def batch_size(self) -> int:
        """The batch size in force: the size new batches are cut at, or while that one is
        still being tried after a refusal, the largest accepted."""
        sizer = self.sizer
        return (
            sizer.size
            if sizer.tried(sizer.size) or not sizer.largest_accepted
            else (sizer.largest_accepted)
        )

    def next(self, in_flight: Iterable[Work] | None = None) -> Work | None:
        """The next batch to send, or None when nothing may go now.

        ``in_flight``: the batches out now; while one of them has a size never accepted,
        only batches of a size already accepted go (None: no such check).
        """
        sizer = self.sizer
        out = list(in_flight) if in_flight is not None else []
        # slow start: one batch of an untried size at a time, and none besides the halves
        # of a refusal that may have been about the size until they are answered; with
        # nothing out, anything may go (so the run never stalls)
        probing = bool(out) and (
            bool(sizer.suspects) or any(not sizer.tried(len(w.keys)) for w in out)
        )
        size = sizer.safe_size() if probing else sizer.size
        if self._front and sizer.too_large(len(self._front[0].keys)):
            self._recut()
        if self._front:
            work = self._front[0]
            if out and not sizer.tried(len(work.keys)):
                busy = any(not sizer.tried(len(w.keys)) for w in out)
                if busy or (sizer.suspects and not sizer.is_suspect(work.suspect)):
                    return None
            return self._front.popleft()
        if size < 1:
            return None
        new_left = self._cursor < len(self.ordered)
        if len(self._resend) >= size or (self._resend and not new_left):
            taken, self._resend = self._separate(self._resend, size)
            return Work(np.asarray(taken, dtype=np.int64), resend=True)
        if new_left:
            end = self._cursor + size
            if self._cursor < self.boundary:
                end = min(end, self.boundary)
            keys = self.ordered[self._cursor : end]
            self._cursor += len(keys)
            return Work(keys)
        return None

    def _recut(self) -> None:
        """Cut again, together, the waiting work split before its size was known too large
        (pooling it leaves one short batch, not one per piece)."""
        size = self.sizer.size
        pools: dict[tuple[bool, str | None], list[np.ndarray]] = {}
        kept: deque[Work] = deque()
        for work in self._front:
            if self.sizer.too_large(len(work.keys)):
                pools.setdefault((work.resend, work.refused_with), []).append(work.keys)
            else:
                kept.append(work)
        cut = [
            Work(keys[start : start + size], resend, refused_with)
            for (resend, refused_with), parts in pools.items()
            for keys in [np.concatenate(parts)]
            for start in range(0, len(keys), size)
        ]
        self._front = deque(cut) + kept

    def push_front(self, works: Iterable[Work]) -> None:
        """Send these next, in the order given."""
        self._front.extendleft(reversed(list(works)))

    def add_resend(self, keys: np.ndarray) -> None:
        """Keys answered without a word: send them once more."""
        self._resend.extend(keys.tolist())

    def take_resend(self) -> np.ndarray:
        """Every key still waiting for its re-send (the run is stopping)."""
        waiting, self._resend = np.asarray(self._resend, dtype=np.int64), []
        return waiting


class DaemonPool:
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
