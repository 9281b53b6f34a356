"""Rate-limit meters: a rolling window of requests and a daily counter.

Nothing here locks; the portal holds one lock around every use.
"""

from __future__ import annotations

import math
from collections import deque

__all__ = ["DailyCounter", "RollingWindow"]


class RollingWindow:
    """A rolling-window request limit: at most ``limit`` requests per ``seconds``.

    Parameters
    ----------
    limit : int
        Requests allowed in any window.
    seconds : float
        Window length.
    background : float
        Requests per second another user of the same token spends in this window, evenly
        spaced from the window's first use (each counted only while the window has room).

    Examples
    --------
    >>> window = RollingWindow(10, 10.0, background=1.0)
    >>> window.try_acquire(0.0), window.remaining(4.5)
    (True, 4)
    """

    def __init__(self, limit: int, seconds: float, background: float = 0.0) -> None:
        if limit <= 0 or seconds <= 0:
            raise ValueError("rate_limit must be (positive int, positive seconds)")
        if background < 0:
            raise ValueError("background rate must be >= 0")
        self.limit = limit
        self.seconds = seconds
        self.background = background
        self.stamps: deque[float] = deque()
        self._next_background: float | None = None

    def _expire(self, now: float) -> None:
        self._spend_background(now)
        cutoff = now - self.seconds
        stamps = self.stamps
        while stamps and stamps[0] <= cutoff:
            stamps.popleft()

    def _spend_background(self, now: float) -> None:
        """Count the other user's requests due by ``now``."""
        if not self.background:
            return
        step = 1.0 / self.background
        due = self._next_background
        if due is None:
            due = now
        elif due < now - self.seconds:
            due += math.floor((now - self.seconds - due) / step) * step  # older ones expired
        stamps, cutoff = self.stamps, 0.0
        while due <= now:
            cutoff = due - self.seconds
            while stamps and stamps[0] <= cutoff:
                stamps.popleft()
            if len(stamps) < self.limit:
                stamps.append(due)
            due += step
        self._next_background = due

    def try_acquire(self, now: float) -> bool:
        """Count a request at ``now`` if the window has room; return whether it had."""
        self._expire(now)
        if len(self.stamps) >= self.limit:
            return False
        self.stamps.append(now)
        return True

    def release(self) -> None:
        """Take back the request counted last (it was refused by another limit)."""
        if self.stamps:
            self.stamps.pop()

    def remaining(self, now: float) -> int:
        """Requests still allowed in the current window."""
        self._expire(now)
        return max(0, self.limit - len(self.stamps))

    def retry_after(self, now: float) -> int:
        """Whole seconds (at least 1) until the window has room again."""
        self._expire(now)
        if len(self.stamps) < self.limit:
            return 1
        wait = self.stamps[0] + self.seconds - now
        return max(1, math.ceil(wait))

    def clear(self) -> None:
        """Forget every counted request; the background starts again."""
        self.stamps.clear()
        self._next_background = None


class DailyCounter:
    """Requests counted against the sandbox's daily limit (until :meth:`clear`)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.used = 0

    def try_acquire(self) -> bool:
        """Count a request if the daily limit allows it; return whether it did."""
        if self.limit is not None and self.used >= self.limit:
            return False
        self.used += 1
        return True

    def remaining(self) -> int:
        """Requests left today (0 when no limit is set)."""
        return 0 if self.limit is None else max(0, self.limit - self.used)

    def clear(self) -> None:
        """Start a new day."""
        self.used = 0
