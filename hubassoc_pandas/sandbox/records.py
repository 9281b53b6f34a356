"""Records that exist, per object type. Ranges stay ranges, so ten million IDs cost nothing.

Nothing here locks; the portal holds one lock around every use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

__all__ = ["RecordSet", "as_id"]


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

    def checker(self) -> Callable[[int], bool]:
        """A ``has`` specialised for how the IDs are held (a plain range is a comparison)."""
        if not self.ranges:
            return self.ids.__contains__
        if not self.ids and len(self.ranges) == 1:
            start, stop = self.ranges[0].start, self.ranges[0].stop
            return lambda record_id: start <= record_id < stop
        return self.has

    def has(self, record_id: int) -> bool:
        """Whether the record exists (``record_id`` must be an int)."""
        if record_id in self.ids:
            return True
        return any(r.start <= record_id < r.stop for r in self.ranges)

    def __contains__(self, record_id: object) -> bool:
        return isinstance(record_id, int) and self.has(record_id)

    def __len__(self) -> int:
        return len(self.ids) + sum(len(r) for r in self.ranges)


def as_id(value: int | str) -> int:
    """A record ID as an int (ValueError for anything that is not a positive whole number)."""
    return _as_id(value)


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
