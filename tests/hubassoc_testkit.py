"""Test doubles shared by the test modules (imported by name: tests/ is on sys.path)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hubassoc_pandas.pacing import Backoff


@dataclass(frozen=True)
class RecordingBackoff(Backoff):
    """A :class:`Backoff` that records the attempt numbers it was asked about."""

    asked: list[int] = field(default_factory=list)

    def delay(self, attempt: int) -> float:
        self.asked.append(attempt)
        return super().delay(attempt)


class RecordingProgress:
    """A progress sink that records rows, counts and notes; raises Ctrl-C after ``stop_after``
    rows (once)."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.rows = 0
        self.counts: dict[str, int] = {}
        self.notes: list[str] = []
        self.closed = False
        self.stop_after = stop_after

    def advance(self, rows: int, counts: dict[str, int]) -> None:
        self.rows += rows
        self.counts = counts
        if self.stop_after is not None and self.rows >= self.stop_after:
            self.stop_after = None
            raise KeyboardInterrupt

    def note(self, text: str | None) -> None:
        if text:
            self.notes.append(text)

    def close(self) -> None:
        self.closed = True
