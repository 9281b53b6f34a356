"""What to do with a batch refused as a whole (a 400 for every key). Pure: no I/O.

Only a key refused on its own is marked failed, so a key named by mistake (an ID that also
appears on the other side, say) still goes through. A refusal that names no key and has
already come back for single keys is about the request itself: splitting further would only
multiply requests, so later batches refused with it fail as a whole (retryable).

What a refusal names is trusted only while it proves right. The named keys are sent apart
from the rest; if they go through, the refusal's wording named the wrong keys (a batch size
that equals an ID, say) and is not trusted again in the run, and while a named part of a
batch has not been answered, further names in that batch are not trusted either. Untrusted
or naming nothing, a refusal is bisected: a bad key then costs about 2 x log2(batch size)
requests, and a refusal about the batch's size shows itself when both halves go through (see
:mod:`.sizing`). Isolation has a budget of extra requests for the run; beyond it, a refused
batch fails as a whole (retryable), saying why.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field

import numpy as np

from hubassoc_pandas.transport.responses import ErrorInfo

__all__ = ["Isolation", "Isolator", "Lineage", "isolation_budget"]

#: Single keys refused with the same unnamed message before it counts as about the request.
LONE_REFUSALS_TO_TRIP = 3
#: Extra requests isolation may spend in any run, however small.
MIN_ISOLATION_BUDGET = 200
#: Extra requests isolation may spend per batch the run's keys fill.
ISOLATION_REQUESTS_PER_BATCH = 2

_DIGITS = re.compile(r"[0-9]+")


def isolation_budget(keys: int, batch_size: int) -> int:
    """The extra requests isolating refused keys may cost a run of ``keys`` keys.

    Twice the batches the keys fill (so isolation at most triples a run's requests), and at
    least :data:`MIN_ISOLATION_BUDGET`.

    Examples
    --------
    >>> isolation_budget(5_000, 2_000), isolation_budget(1_000_000, 2_000)
    (200, 1000)
    """
    batches = math.ceil(keys / max(1, batch_size))
    return max(MIN_ISOLATION_BUDGET, ISOLATION_REQUESTS_PER_BATCH * batches)


def wording(message: str) -> str:
    """A refusal's message with its numbers masked: what refusals of one kind share.

    Examples
    --------
    >>> wording("No contact with ID 7 exists.")
    'No contact with ID # exists.'
    """
    return _DIGITS.sub("#", message)


@dataclass
class Lineage:
    """The parts of one batch refused as a whole, while they are sent apart.

    ``unanswered_names``: parts sent apart because a refusal named their keys, whose answer
    has not come back yet (until it has, names given in the rest of the batch are unproven).
    """

    unanswered_names: int = 0


@dataclass
class Isolation:
    """The decision: fail the whole batch with ``fail``, or send ``parts`` (positions in the
    batch) apart, in order; ``named``: ``parts[0]`` holds the keys the refusal named."""

    fail: ErrorInfo | None = None
    parts: list[np.ndarray] = field(default_factory=list)
    named: bool = False


class Isolator:
    """Splits refused batches until the bad keys stand alone; remembers refusals about the
    request itself (the breaker), wordings that named the wrong keys, and what isolating
    has cost.

    Parameters
    ----------
    budget : int, optional
        Extra requests isolation may cost the run (see :func:`isolation_budget`); None: no
        limit.

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

    Once a named key went through, that wording's names are not trusted:

    >>> isolator.misnamed("bad")
    >>> [p.tolist() for p in isolator.refused(4, info, named=[2]).parts]
    [[0, 1], [2, 3]]
    """

    def __init__(self, budget: int | None = None) -> None:
        self.budget = budget
        self.spent = 0  # requests of the parts sent apart so far
        self._lone_refusals: dict[str, int] = {}  # message -> single keys refused with it
        self._key_specific: set[str] = set()  # refusals a part of the batch then got past
        self._misnamed: set[str] = set()  # wordings whose named keys went through

    def refused(
        self, size: int, info: ErrorInfo, named: list[int], lineage: Lineage | None = None
    ) -> Isolation:
        """Decide for a batch of ``size`` keys refused with ``info``, naming ``named``.

        ``lineage``: the refused batch this one was split from, if any.
        """
        if size == 1:
            if not named:
                self._lone_refusals[info.message] = self._lone_refusals.get(info.message, 0) + 1
            return Isolation(fail=info)
        trusted = 0 < len(named) < size and self.trusts(info.message, lineage)
        if (
            not trusted
            and info.message not in self._key_specific
            and self._lone_refusals.get(info.message, 0) >= LONE_REFUSALS_TO_TRIP
        ):
            # may still be about a key after all: retry() is allowed to send these again
            return Isolation(fail=dataclasses.replace(info, retryable=True))
        positions = np.arange(size, dtype=np.int64)
        if trusted:
            chosen = np.asarray(named, dtype=np.int64)
            parts = [chosen, np.delete(positions, chosen)]
        else:
            half = size // 2
            parts = [positions[:half], positions[half:]]
        if self.budget is not None and self.spent + len(parts) > self.budget:
            return Isolation(fail=self._over_budget(info))
        self.spent += len(parts)
        return Isolation(parts=parts, named=trusted)

    def trusts(self, message: str, lineage: Lineage | None = None) -> bool:
        """Whether the keys a refusal with ``message`` names may be taken as the bad ones."""
        if lineage is not None and lineage.unanswered_names:
            return False
        return wording(message) not in self._misnamed

    def got_past(self, message: str) -> None:
        """A part of a batch refused with ``message`` went through: it is about keys."""
        self._key_specific.add(message)

    def misnamed(self, message: str) -> None:
        """Keys a refusal with ``message`` named went through: its wording names the wrong
        keys (a number that only equals an ID), so its names are no longer trusted."""
        self._misnamed.add(wording(message))

    def _over_budget(self, info: ErrorInfo) -> ErrorInfo:
        said = f"HTTP {info.http_status}: " if info.http_status else ""
        return dataclasses.replace(
            info,
            message=(
                f"Not sent again: HubSpot refused this row's batch as a whole ({said}"
                f"{info.message or 'no message'}), and finding the rows it objects to has "
                f"already cost {self.spent} extra requests in this run, the most a run spends "
                f"on it ({self.budget}). Check these rows for IDs of deleted, merged or "
                "mistyped records (or the wrong object types), then run retry(): it sends "
                "them again, and a smaller batch_size makes the rows HubSpot objects to "
                "cheaper to find."
            ),
            retryable=True,
        )
