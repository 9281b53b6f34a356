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
    """

    def __init__(self, limit: int, seconds: float) -> None:
        if limit <= 0 or seconds <= 0:
            raise ValueError("rate_limit must be (positive int, positive seconds)")
        self.limit = limit
        self.seconds = seconds
        self.stamps: deque[float] = deque()

    def _expire(self, now: float) -> None:
        cutoff = now - self.seconds
        stamps = self.stamps
        while stamps and stamps[0] <= cutoff:
            stamps.popleft()

    def try_acquire(self, now: float) -> bool:
        """Count a request at ``now`` if the window has room; return whether it had."""
        self._expire(now)
        if len(self.stamps) >= self.limit:
            return False
        self.stamps.append(now)
        return True

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
        """Forget every counted request."""
        self.stamps.clear()


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
