"""Pace requests to HubSpot's rate limit and hold every worker after a 429. Clock injectable.

The :class:`Pacer` keeps the times of the requests it let through in the current window and
lets a request go only while that count stays under the limit less a small safety margin
(1%, at least one request: 94 of 95). Within the window it spaces requests evenly, one at a
time by default, on a fixed grid (``period / budget`` apart), so that requests reach the
server in the order and rhythm they were let through: a window spent in one burst reaches
the server spread by queueing, and the next burst, sent as soon as the first one's slots
free, would then overlap it; and two requests let go together leave the window together a
period later, so that the window's count would let two go together again, window after
window, where one late arrival of a pair puts the server one over. A request let go a little
late (a worker woken late) leaves the grid where it was, so late wake-ups cost no slot. A
pacer that fell further behind (a hold after a 429, no worker free) catches up on up to a
fifth of the window's slots at 1.3 times the even rate, the window count still guarding:
enough to regain, within the next window, the second or so that a whole-second
``Retry-After`` holds past the moment the window frees, while requests caught up stay further
apart than arrivals at a busy server jitter (in simulation, with arrivals jittering by up to
40 ms, catching up at one and a half times the rate drew a 429 windows later in most runs).
Workers wait their turn for a slot: one of them sleeps until the next slot is due.

It learns the limit from ``X-HubSpot-RateLimit-*`` headers and estimates the requests made by
other processes sharing the token: the server's count above its own, as the median of the last
few answers (an excess of more than one at once), since a single answer's excess of one is as
often one of its own requests that reached the server late. Spaced evenly with the window
full, one of its own requests sits at the very start of the server's window at every answer,
counted or not by the server as the two transit times differ: an excess of one with such a
request is that request, and so is any excess its own requests sent within two spacings of
the window's edges could explain, arriving late or early (a busy server's arrivals jitter by
that much), a 429's included. A 429 is not counted as a request (HubSpot did not serve it;
``-Remaining`` corrects that if it did), holds every worker until the window frees or
``Retry-After`` has passed, and widens the safety margin by a step, given back after some
windows without one while no other process shows. A 429 the headers did not predict
(``-Remaining`` above zero) shows that the limit enforced is lower than the one advertised
(HubSpot meters batch association endpoints apart from the app-wide window the headers
describe): the server's count when it refused becomes a ceiling for the rest of the run, so
the run settles below it instead of being refused again each window.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from hubassoc_pandas.engine.rate_limit import RateLimit
from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.transport.limit_headers import read_limit_headers

__all__ = ["Pacer"]


class Pacer:
    """A rolling-window pacer shared by all workers of a run.

    Parameters
    ----------
    limit : RateLimit
        The starting limit; headers may replace it.
    clock : callable
        Returns the current time in seconds (monotonic).
    max_retry_after : float
        Longest wait a single ``Retry-After`` may impose.
    ceiling : RateLimit, optional
        A limit the headers may lower but never raise (the user's own ``rate_limit``, when
        other integrations share the app).
    burst : int or None
        Requests that may leave back to back before even spacing (``period / budget`` apart)
        applies (1, the default: none); None spends the window in bursts, as fast as the
        window allows.
    widen : float
        How much a window with 429s widens the safety margin, at least one request (up to a
        fifth of the limit); narrowed again by as much after :data:`NARROW_AFTER` windows
        without a 429.
    smooth : int
        Answers whose median excess (the server's count above this pacer's) is taken for
        other processes' requests.
    catch_up : float
        Share of the window's budget a pacer that fell behind its even spacing may send
        early, at :data:`CATCH_UP_SPEED` times the even rate (not while another process
        shares the window).
    start : int or None
        Requests that go at once before the first spacing, nothing having been sent yet
        (the grid starts after them); None: as ``burst`` allows.

    Examples
    --------
    Spaced evenly, one at a time:

    >>> pacer = Pacer(RateLimit(4, 1.0, margin=0.0), burst=1)
    >>> pacer.try_acquire(0.0), pacer.try_acquire(0.0), pacer.try_acquire(0.25)
    (0.0, 0.25, 0.0)

    The window alone:

    >>> pacer = Pacer(RateLimit(3, 1.0, margin=0.0), burst=None)
    >>> [pacer.try_acquire(0.0) for _ in range(4)]
    [0.0, 0.0, 0.0, 1.0]
    """

    def __init__(
        self,
        limit: RateLimit | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_retry_after: float = 60.0,
        burst: int | None = 1,
        ceiling: RateLimit | None = None,
        widen: float = 0.01,
        smooth: int = 7,
        catch_up: float = 0.2,
        start: int | None = None,
    ) -> None:
        if burst is not None and burst < 1:
            raise ConfigError(f"burst={burst!r}: give a whole number >= 1, or None.")
        if smooth < 1:
            raise ConfigError(f"smooth={smooth!r}: give a whole number of answers >= 1.")
        if not 0.0 <= catch_up <= 1.0:
            raise ConfigError(f"catch_up={catch_up!r}: give a share of the window, 0 to 1.")
        if start is not None and start < 1:
            raise ConfigError(f"start={start!r}: give a whole number >= 1, or None.")
        self.limit = limit or RateLimit()
        self._ceiling = ceiling
        self._advertised: RateLimit | None = None  # what the headers say
        self.enforced: int | None = None  # per advertised period, learnt from 429s
        self.clock = clock
        self._max_retry_after = max_retry_after
        self._burst = burst
        self._widen = widen
        self._sent: list[float] = []  # sorted send times of this pacer's requests
        # the server's count less ours in recent answers (none yet: no one else)
        self._excess: deque[int] = deque([0] * smooth, maxlen=smooth)
        self._others = 0  # other processes' requests in the window, as last estimated
        self._others_at = float("-inf")  # when the answer it came from was sent
        self._next_at = float("-inf")  # when the even spacing lets the next request go
        self._last_sent_at = float("-inf")
        self._credit = 0.0  # slots fallen behind on, to catch up
        self._last_on_credit = False
        self._catch_up = catch_up
        self._blocked_until = float("-inf")
        self._widened_at = float("-inf")
        self._narrowed_at = float("-inf")
        self._others_seen_at = float("-inf")
        self._base_margin = self.limit.margin
        self._lock = threading.Lock()
        self._turn = threading.Lock()  # held by the one worker waiting for the next slot
        self._start_left = 0 if start is None or burst is None else start

    # -- pure core, driven with explicit times -------------------------------------------------
    def try_acquire(self, now: float) -> float:
        """Take a slot at ``now`` and return 0, or the seconds to wait before asking again."""
        with self._lock:
            if now < self._blocked_until:
                return self._blocked_until - now
            first = bisect.bisect_right(self._sent, now - self.limit.period)
            in_window = len(self._sent) - first
            budget = self.limit.budget
            others = self._others_now(now)
            if in_window + others >= budget:
                leaving = first + in_window + others - budget
                if leaving >= len(self._sent):  # others fill the window: look again later
                    return self.limit.period / 20
                return max(self._sent[leaving] + self.limit.period - now, 1e-3)
            if self._burst is not None:
                wait = self._spacing_wait(now, budget, self._burst)
                if wait > 0:
                    return wait
            bisect.insort(self._sent, now)
            if first > 4096:
                del self._sent[:first]
            return 0.0

    def _spacing_wait(self, now: float, budget: int, burst: int) -> float:
        """Even spacing (``period / budget`` apart, ``burst`` back to back): 0 and the slot
        taken, or the seconds to wait (call under the lock).

        The slots lie on a fixed grid: a request let go a little late (less than a spacing,
        a thread woken late) leaves the next slot where it was, so the late wake-ups of a
        long run cost no slot and never send two requests back to back. Slots the pacer
        fell further behind on (a hold, no worker free) start the grid again from now and
        become credit, spent at :data:`CATCH_UP_SPEED` times the even rate."""
        period = self.limit.period
        spacing = period / budget
        if self._start_left:  # nothing sent yet to space these from
            self._start_left -= 1
            if not self._start_left:
                self._next_at = now + spacing
            self._last_sent_at = now
            return 0.0
        late = now - self._next_at
        was_catching_up = self._credit > WHOLE or self._last_on_credit
        on_grid = 0 < late < spacing and not was_catching_up
        if now < self._others_seen_at + period:  # a burst could meet another process's
            self._credit = 0.0
        elif late > 0 and self._next_at > float("-inf") and not on_grid:
            self._credit = min(budget * self._catch_up, self._credit + late / spacing)
        earliest = self._next_at - spacing * (burst - 1)
        quick_at = self._last_sent_at + spacing / CATCH_UP_SPEED
        catching_up = self._credit > WHOLE or self._last_on_credit
        if catching_up and now < quick_at:
            return max(quick_at - now, 1e-4)
        if now >= earliest:
            self._next_at = (self._next_at if on_grid else max(self._next_at, now)) + spacing
            self._last_on_credit = False
        elif self._credit > WHOLE:
            self._credit -= 1
            self._last_on_credit = True
        else:
            return max(earliest - now, 1e-4)
        self._last_sent_at = now
        return 0.0

    def observe(
        self,
        sent_at: float,
        headers: Mapping[str, str],
        received_at: float | None = None,
        *,
        refused: bool = False,
    ) -> None:
        """Learn from the ``X-HubSpot-RateLimit-*`` headers of a request sent at ``sent_at``.

        ``-Max`` and ``-Interval-Milliseconds`` replace the limit; ``-Remaining`` reveals
        requests made by other processes with the same token, which then count here too (at
        ``sent_at``). The server counted the request when it arrived, some time between
        ``sent_at`` and ``received_at`` (when the answer came back; default ``sent_at``), so
        this pacer's own requests sent up to ``received_at`` may be in the server's count
        and are not taken for someone else's. HubSpot (and the sandbox) count a request and
        write its headers on arrival: the engine gives no ``received_at``, as taking the
        requests sent meanwhile for counted would hide other processes' use of the window.

        ``refused``: the answer was a 429. The request is taken out of the count, and when
        the headers still showed room (``-Remaining`` above zero, with at least a third of
        the limit used) the server's count becomes the enforced limit.
        """
        maximum, interval, remaining = read_limit_headers(headers)
        with self._lock:
            if refused:
                at = bisect.bisect_left(self._sent, sent_at)
                if at < len(self._sent) and self._sent[at] == sent_at:
                    del self._sent[at]
            else:
                self._narrow(sent_at)
            if not maximum or maximum <= 0:
                return
            period = interval / 1000.0 if interval and interval > 0 else self.limit.period
            self._advertised = RateLimit(maximum, period)
            if remaining is not None:
                full = maximum if self.enforced is None else min(maximum, self.enforced)
                contradicted = refused and maximum - remaining < full
                self._learn_enforced(maximum - remaining, maximum, contradicted, sent_at)
            self._set_limit()
            if remaining is None:
                return
            until = sent_at if received_at is None else max(sent_at, received_at)
            self._count_others(maximum - remaining, sent_at - period, until, sent_at, refused)

    def _count_others(
        self, used: int, since: float, until: float, at: float, refused: bool = False
    ) -> None:
        """Estimate other processes' requests in the window at ``at``: the server's ``used``
        beyond this pacer's own requests in (``since``, ``until``], as the median of the last
        few answers. One answer's excess of one may be one of this pacer's own requests that
        reached the server late (still in the server's window, out of the pacer's); another
        process's use shows in answer after answer, or as more than one at once, or in a
        429.

        Spaced evenly with the window full, this pacer sends each request one period after
        the one whose slot it takes, so at the window's start there is nearly always one of
        its own: the server still counts it whenever it took a little longer to arrive than
        the answered one, which happens for about every other answer. An excess of exactly
        one with such a request (within half an even spacing before ``since``) is that
        request, not another process: taken for one, it would cost a slot in every window.

        More than one too many is believed at once, less what this pacer's own requests
        could explain: those sent within :data:`REACH` even spacings before ``since`` (the
        server may still count them, had they arrived late) or after ``until`` (they may have
        overtaken the answered one). A server whose arrivals jitter by a few spacings (a busy
        one) shows such excesses every few answers; taken for another process, each would
        hold a slot and stop the catching up for a window; a 429 so explained is this
        pacer's own request one too many, not a sign that another process shares the window.
        """
        sent = self._sent
        start = bisect.bisect_right(sent, since)
        end = bisect.bisect_right(sent, until)
        ours = end - start
        # at most a window's worth: more could not be spent in it anyway
        excess = max(0, min(used - ours, self.limit.requests))
        spacing = self.limit.period / self.limit.budget
        if excess == 1 and not refused and start > 0:
            excess -= sent[start - 1] > since - spacing / 2  # our own, at the window's start
        self._excess.append(excess)
        excesses = self._excess
        # the median; but more than one too many is believed at once (another process may
        # have started), less what this pacer's own late or early arrivals could explain
        latest = excess if refused else 0
        if excess > 1:
            reach = REACH * spacing
            late = start - bisect.bisect_right(sent, since - reach)
            early = bisect.bisect_right(sent, until + reach) - end
            rest = excess - late - early
            latest = rest if rest > 1 or (refused and rest > 0) else 0
        self._others = max(sorted(excesses)[(len(excesses) - 1) // 2], latest)
        self._others_at = at
        if self._others > 1:  # a single one may be a late arrival of its own
            self._others_seen_at = at

    def _learn_enforced(self, used: int, maximum: int, contradicted: bool, at: float) -> None:
        """A 429 while the server counted ``used`` of ``maximum``: if it ``contradicted``
        the headers, the limit enforced is ``used``. An answer served beyond a limit learnt
        so proves it too low (a one-off 429 taken for the enforced limit)."""
        if contradicted and used >= maximum / 3:
            self.enforced = used if self.enforced is None else min(self.enforced, used)
            self._widened_at = at  # explained: the 429s of this window widen no margin
        elif self.enforced is not None and used > self.enforced and not contradicted:
            self.enforced = used

    def _others_now(self, now: float) -> int:
        """Other processes' requests in the window at ``now``: the last estimate, for one
        window after the answer it came from (those requests have left it by then; newer
        ones show in newer answers)."""
        return self._others if now < self._others_at + self.limit.period else 0

    def _narrow(self, at: float) -> None:
        """Give back one step of a widened safety margin after ``NARROW_AFTER`` windows
        with no 429, one step per window, down to the margin the pacer started with.

        Not while another process shares the window: its bursts, not this pacer's timing,
        are then what the margin guards against."""
        limit = self.limit
        if limit.margin <= self._base_margin:
            return
        period = limit.period
        quiet_since = max(self._widened_at, self._others_seen_at)
        if at < quiet_since + NARROW_AFTER * period or at < self._narrowed_at + period:
            return
        step = max(self._widen, 1 / limit.requests)
        margin = max(self._base_margin, limit.margin - step)
        self.limit = RateLimit(limit.requests, period, margin)
        self._narrowed_at = at

    def _set_limit(self) -> None:
        """The limit in force: the lowest of the headers', the user's and the enforced one."""
        advertised = self._advertised
        if advertised is None:
            return
        candidates = [RateLimit(advertised.requests, advertised.period, self.limit.margin)]
        if self._ceiling is not None:
            ceiling = self._ceiling
            candidates.append(RateLimit(ceiling.requests, ceiling.period, self.limit.margin))
        if self.enforced is not None:
            candidates.append(RateLimit(self.enforced, advertised.period, self.limit.margin))
        lowest = min(candidates, key=lambda limit: limit.requests / limit.period)
        if (lowest.requests, lowest.period) != (self.limit.requests, self.limit.period):
            self.limit = lowest

    def block(self, now: float, retry_after: float | None) -> float:
        """After a 429: hold every worker until ``Retry-After`` or until the window frees.

        It also widens the safety margin by ``widen``, at least one request (once per window,
        at most 20%), so a connection whose timing jitters keeps under the limit afterwards.
        Returns the seconds the hold lasts from ``now``.
        """
        with self._lock:
            # a refusal widens the safety margin a little, up to a fifth of the limit; the
            # 429s of one crowded window (many requests in flight) count once
            limit = self.limit
            if now >= self._widened_at + limit.period:
                margin = min(0.2, limit.margin + max(self._widen, 1 / limit.requests))
                self.limit = RateLimit(limit.requests, limit.period, margin)
                self._widened_at = now
            if retry_after is not None:
                wait = min(max(retry_after, 0.0), self._max_retry_after)
            else:
                first = bisect.bisect_right(self._sent, now - self.limit.period)
                oldest = self._sent[first] if first < len(self._sent) else now
                wait = max(oldest + self.limit.period - now, self.limit.period / 10)
            self._blocked_until = max(self._blocked_until, now + wait)
            return self._blocked_until - now

    def blocked_for(self) -> float:
        """Seconds left of a 429 hold, 0 when none."""
        return max(0.0, self._blocked_until - self.clock())

    # -- blocking helper used by worker threads ----------------------------------------------
    def acquire(self, stop: threading.Event) -> float | None:
        """Wait for a slot; return the send time, or None if ``stop`` was set while waiting.

        One waiting worker at a time asks for the next slot and sleeps until it is due; the
        others wait their turn, so a slot wakes one thread instead of every waiting one (a
        herd of wake-ups costs CPU and makes the one that takes the slot later).
        """
        while not stop.is_set():
            if not self._turn.acquire(timeout=0.5):
                continue
            try:
                while not stop.is_set():
                    now = self.clock()
                    wait = self.try_acquire(now)
                    if wait <= 0:
                        return now
                    if stop.wait(min(wait, 0.5)):
                        return None
            finally:
                self._turn.release()
        return None


#: Windows without a 429 after which a widened safety margin narrows by one step.
NARROW_AFTER = 6

#: How much faster than even spacing a pacer that fell behind may send to catch up.
CATCH_UP_SPEED = 1.3

#: How many even spacings a request of this pacer's own may arrive late or early at the
#: server, for an excess the server counts to be taken for its own (see ``_count_others``).
REACH = 2

#: A credit this close to a whole slot is one (sums of fractions of a slot round down).
WHOLE = 1 - 1e-6
