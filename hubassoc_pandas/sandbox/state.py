"""The sandbox's data: records that exist, stored associations, rate-limit counters.

Nothing here locks; :class:`~hubassoc_pandas.sandbox.app.App` holds one lock around every
use of this state.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

__all__ = ["AssociationStore", "DailyCounter", "RecordSet", "RollingWindow"]


class RecordSet:
    """The IDs of one object type that exist. Ranges stay ranges (O(1) membership).

    Parameters
    ----------
    ids : Iterable[int | str]
        A ``range`` (kept as is, however large) or any iterable of integer or digit-string IDs.

    Examples
    --------
    >>> records = RecordSet(range(1, 10_000_001))
    >>> 9_999_999 in records, 0 in records
    (True, False)
    """

    def __init__(self, ids: Iterable[int | str] = ()) -> None:
        self.ranges: list[range] = []
        self.ids: set[int] = set()
        self.add(ids)

    def add(self, ids: Iterable[int | str]) -> None:
        """Add IDs (a range or an iterable of int/digit-string IDs)."""
        if isinstance(ids, range):
            if ids.step != 1:
                self.ids.update(ids)
            elif len(ids):
                self.ranges.append(ids)
            return
        for value in ids:
            self.ids.add(_as_id(value))

    def has(self, record_id: int) -> bool:
        """Whether the record exists (``record_id`` must be an int)."""
        if record_id in self.ids:
            return True
        return any(r.start <= record_id < r.stop for r in self.ranges)

    def __contains__(self, record_id: object) -> bool:
        return isinstance(record_id, int) and self.has(record_id)

    def __len__(self) -> int:
        return len(self.ids) + sum(len(r) for r in self.ranges)


def _as_id(value: int | str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"record IDs must be positive integers, got {value!r}")
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise ValueError(f"record IDs must be digits, got {value!r}")
        value = int(value)
    if not isinstance(value, int) or value <= 0:
        raise ValueError(f"record IDs must be positive integers, got {value!r}")
    return value


class AssociationStore:
    """Stored default associations, kept in both directions.

    ``links[(a, b)][x]`` is the set of IDs of type ``b`` associated with record ``x`` of
    type ``a``; storing ``a:x -> b:y`` also stores ``b:y -> a:x``.
    """

    def __init__(self) -> None:
        self.links: dict[tuple[str, str], dict[int, set[int]]] = {}
        self.total = 0

    def targets(self, from_type: str, to_type: str, from_id: int) -> set[int] | None:
        """The IDs of ``to_type`` associated with ``from_type:from_id`` (None if none)."""
        pair = self.links.get((from_type, to_type))
        return None if pair is None else pair.get(from_id)

    def add(self, from_type: str, to_type: str, from_id: int, to_id: int) -> bool:
        """Store one association (both directions); return whether it was new."""
        forward = self.links.setdefault((from_type, to_type), {}).setdefault(from_id, set())
        if to_id in forward:
            return False
        forward.add(to_id)
        self.links.setdefault((to_type, from_type), {}).setdefault(to_id, set()).add(from_id)
        self.total += 1
        return True

    def pairs(self, from_type: str, to_type: str) -> set[tuple[str, str]]:
        """All stored associations ``from_type -> to_type`` as ``(from_id, to_id)`` strings."""
        pair = self.links.get((from_type, to_type), {})
        return {(str(f), str(t)) for f, targets in pair.items() for t in targets}

    def count(self) -> int:
        """Number of stored associations (each counted once, not per direction)."""
        return self.total

    def clear(self) -> None:
        """Forget every association."""
        self.links.clear()
        self.total = 0


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
