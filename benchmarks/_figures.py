"""The figures ``throughput.py`` draws from one contender's run: per window and whole call.

Pure: everything is computed from the sandbox's log (when each request arrived and was
answered, with what status) and the contender's own clock (when its call started and ended,
its CPU sampled through the call).

- **per window**, as a share of what the limit allows in a window (less what another process
  spends), min, median and max: *fixed* windows, the run cut into windows of the limit's
  length from the first arrival, the 2xx arrivals of each whole window after the first (where
  the windows' edges fall between arrivals swings a count by one); and *rolling* windows, as
  the server counts them: the 2xx arrivals in the window ending at each arrival, for the
  windows wholly after the first;
- **start cost**: from the call's start to the first request's arrival (planning);
  **end cost**: from the last request's arrival to the call's end (the last answer's own
  latency, then the results frame);
- **CPU**: the whole call's, and the part spent from the first arrival to the last answer
  ("once sending"), per request sent in that span.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "Arrival",
    "CallCosts",
    "RollingShares",
    "WindowShares",
    "call_costs",
    "rolling_shares",
    "window_shares",
]

#: (arrival time, answer time, HTTP status, inputs), as the sandbox logged a request.
Arrival = tuple[float, float, int, int]


@dataclass(frozen=True)
class WindowShares:
    """2xx arrivals per whole window after the first, as shares of the allowed count."""

    windows: int
    counts: tuple[int, ...]
    allowed: float
    low: float | None
    median: float | None
    high: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "windows_after_first": self.windows,
            "served_per_window": list(self.counts),
            "allowed_per_window": round(self.allowed, 2),
            "window_min": None if self.low is None else round(self.low, 4),
            "window_median": None if self.median is None else round(self.median, 4),
            "window_max": None if self.high is None else round(self.high, 4),
        }


def window_shares(arrivals: Sequence[Arrival], window: float, allowed: float) -> WindowShares:
    """Cut the run into ``window``-second windows from its first arrival and count the 2xx
    arrivals of each whole window after the first (``allowed`` per window).

    Examples
    --------
    >>> log = [(t / 10, t / 10 + 0.3, 200, 1) for t in range(0, 35)]  # 10 per second
    >>> shares = window_shares(log, 1.0, 10.0)
    >>> shares.windows, shares.counts, shares.low
    (2, (10, 10), 1.0)
    """
    if not arrivals:
        return WindowShares(0, (), allowed, None, None, None)
    start = min(a[0] for a in arrivals)
    last = max(a[0] for a in arrivals)
    whole = int((last - start) // window)  # windows ending at or before the last arrival
    counts = [0] * whole
    for at, _, status, _ in arrivals:
        index = int((at - start) // window)
        if 1 <= index < whole and 200 <= status < 300:
            counts[index] += 1
    shares = [count / allowed for count in counts[1:]]
    if not shares:
        return WindowShares(0, (), allowed, None, None, None)
    return WindowShares(
        len(shares),
        tuple(counts[1:]),
        allowed,
        min(shares),
        statistics.median(shares),
        max(shares),
    )


@dataclass(frozen=True)
class RollingShares:
    """What the server's rolling window held at each 2xx arrival, as shares of the allowed
    count, for the windows wholly after the first."""

    low: float | None
    median: float | None
    high: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "rolling_min": None if self.low is None else round(self.low, 4),
            "rolling_median": None if self.median is None else round(self.median, 4),
            "rolling_max": None if self.high is None else round(self.high, 4),
        }


def rolling_shares(arrivals: Sequence[Arrival], window: float, allowed: float) -> RollingShares:
    """The 2xx arrivals in ``(t - window, t]`` at each 2xx arrival ``t`` from two windows
    after the first arrival (so that no window counted overlaps the first), over
    ``allowed``.

    Examples
    --------
    >>> log = [(t / 10, t / 10 + 0.3, 200, 1) for t in range(0, 35)]  # 10 per second
    >>> shares = rolling_shares(log, 0.95, 10.0)
    >>> shares.low, shares.high
    (1.0, 1.0)
    """
    served = sorted(a[0] for a in arrivals if 200 <= a[2] < 300)
    if not served:
        return RollingShares(None, None, None)
    since = served[0] + 2 * window
    counts = [
        index + 1 - bisect.bisect_right(served, t - window)
        for index, t in enumerate(served)
        if t >= since
    ]
    if not counts:
        return RollingShares(None, None, None)
    shares = [count / allowed for count in counts]
    return RollingShares(min(shares), statistics.median(shares), max(shares))


@dataclass(frozen=True)
class CallCosts:
    """What the call spent outside pacing, and its CPU."""

    start_s: float  # call start -> first arrival
    end_s: float  # last arrival -> call end
    last_answer_s: float  # of end_s, the last request's own wait for its answer
    cpu_s: float  # the whole call
    cpu_sending_s: float  # first arrival -> last answer
    requests: int  # sent in that span
    cpu_ms_per_request: float | None  # cpu_sending_s per request

    def as_dict(self) -> dict[str, object]:
        return {
            "start_cost_s": round(self.start_s, 3),
            "end_cost_s": round(self.end_s, 3),
            "start_end_cost_s": round(self.start_s + self.end_s, 3),
            "last_answer_s": round(self.last_answer_s, 3),
            "client_cpu_s": round(self.cpu_s, 2),
            "client_cpu_sending_s": round(self.cpu_sending_s, 2),
            "client_cpu_start_end_s": round(self.cpu_s - self.cpu_sending_s, 2),
            "client_cpu_ms_per_request": None
            if self.cpu_ms_per_request is None
            else round(self.cpu_ms_per_request, 2),
        }


def call_costs(
    arrivals: Sequence[Arrival],
    started_at: float,
    ended_at: float,
    cpu_s: float,
    cpu_at: Callable[[float], float],
) -> CallCosts:
    """Start and end costs and CPU of one call that began at ``started_at`` and ended at
    ``ended_at`` (``time.time()``); ``cpu_at(t)`` is the call's CPU seconds up to ``t``.

    Examples
    --------
    >>> log = [(1.2, 1.5, 200, 2000), (2.0, 2.3, 200, 2000)]
    >>> costs = call_costs(log, 1.0, 2.5, 0.4, lambda t: 0.1 * (t - 1.0))
    >>> round(costs.start_s, 3), round(costs.end_s, 3), costs.requests
    (0.2, 0.5, 2)
    """
    if not arrivals:
        return CallCosts(ended_at - started_at, 0.0, 0.0, cpu_s, 0.0, 0, None)
    first = min(a[0] for a in arrivals)
    last = max(arrivals, key=lambda a: a[0])
    answered = max(a[1] for a in arrivals)
    sending = max(0.0, cpu_at(answered) - cpu_at(first))
    count = len(arrivals)
    return CallCosts(
        start_s=first - started_at,
        end_s=ended_at - last[0],
        last_answer_s=last[1] - last[0],
        cpu_s=cpu_s,
        cpu_sending_s=sending,
        requests=count,
        cpu_ms_per_request=sending * 1000 / count,
    )
