"""What to do with a batch refused as a whole (a 400 for every key). Pure: no I/O.

Only a key refused on its own is marked failed, so a key named by mistake (an ID that also
appears on the other side, say) still goes through. A refusal that names no key and has
already come back for single keys is about the request itself: splitting further would only
multiply requests, so later batches refused with it fail as a whole (retryable).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from hubassoc_pandas.transport.responses import ErrorInfo

__all__ = ["Isolation", "Isolator"]

#: Single keys refused with the same unnamed message before it counts as about the request.
LONE_REFUSALS_TO_TRIP = 3


@dataclass
class Isolation:
    """The decision: fail the whole batch with ``fail``, or send ``parts`` (positions in the
    batch) apart, in order."""

    fail: ErrorInfo | None = None
    parts: list[np.ndarray] = field(default_factory=list)


class Isolator:
    """Splits refused batches until the bad keys stand alone; remembers refusals about the
    request itself (the breaker).

    Examples
    --------
    >>> isolator = Isolator()
    >>> info = ErrorInfo("VALIDATION_ERROR", "bad")
    >>> [p.tolist() for p in isolator.refused(4, info, named=[2]).parts]
    [[2], [0, 1, 3]]
    >>> [p.tolist() for p in isolator.refused(4, info, named=[]).parts]
    [[0, 1], [2, 3]]
    >>> isolator.refused(1, info, named=[]).fail is info
    True
    """

    def __init__(self) -> None:
        self._lone_refusals: dict[str, int] = {}  # message -> single keys refused with it
        self._key_specific: set[str] = set()  # refusals a part of the batch then got past

    def refused(self, size: int, info: ErrorInfo, named: list[int]) -> Isolation:
        """Decide for a batch of ``size`` keys refused with ``info``, naming ``named``."""
        if size == 1:
            if not named:
                self._lone_refusals[info.message] = self._lone_refusals.get(info.message, 0) + 1
            return Isolation(fail=info)
        if (
            not named
            and info.message not in self._key_specific
            and self._lone_refusals.get(info.message, 0) >= LONE_REFUSALS_TO_TRIP
        ):
            # may still be about a key after all: retry() is allowed to send these again
            return Isolation(fail=dataclasses.replace(info, retryable=True))
        positions = np.arange(size, dtype=np.int64)
        if named and len(named) < size:
            chosen = np.asarray(named, dtype=np.int64)
            return Isolation(parts=[chosen, np.delete(positions, chosen)])
        half = size // 2
        return Isolation(parts=[positions[:half], positions[half:]])

    def got_past(self, message: str) -> None:
        """A part of a batch refused with ``message`` went through: it is about keys."""
        self._key_specific.add(message)
