"""Progress display for a run: a tqdm bar (a widget in notebooks, text in a terminal).

The runner reports through the small :class:`Progress` interface, so a caller can show
progress any way it likes; :class:`TqdmProgress` is the default and :class:`NoProgress`
stays silent.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["NoProgress", "Progress", "TqdmProgress", "make_progress"]


class Progress(Protocol):
    """What the runner calls while it works."""

    def advance(self, rows: int, counts: dict[str, int]) -> None:
        """``rows`` more rows are decided; ``counts`` are the rows per status so far."""

    def note(self, text: str | None) -> None:
        """Show a passing state such as a rate-limit wait (None clears it)."""

    def close(self) -> None:
        """The run has ended, whichever way."""


class NoProgress:
    """Shows nothing."""

    def advance(self, rows: int, counts: dict[str, int]) -> None:
        pass

    def note(self, text: str | None) -> None:
        pass

    def close(self) -> None:
        pass


class TqdmProgress:
    """A tqdm bar counting rows, with success/failed counts and waits in its postfix."""

    def __init__(
        self,
        total: int,
        *,
        desc: str = "associating",
        file: Any = None,
        success: str = "associated",
    ) -> None:
        from tqdm.auto import tqdm

        self._success = success
        self._bar = tqdm(total=total, desc=desc, unit="row", file=file, dynamic_ncols=True)
        self._counts: dict[str, int] = {}
        self._note: str | None = None

    def advance(self, rows: int, counts: dict[str, int]) -> None:
        self._counts = counts
        self._set_postfix()
        if rows:
            self._bar.update(rows)  # redraws at most every tqdm.mininterval

    def note(self, text: str | None) -> None:
        if text != self._note:
            self._note = text
            self._set_postfix()
            self._bar.refresh()

    def _set_postfix(self) -> None:
        postfix: dict[str, object] = {
            self._success: self._counts.get(self._success, 0),
            "failed": self._counts.get("failed", 0),
        }
        if self._counts.get("invalid"):
            postfix["invalid"] = self._counts["invalid"]
        if self._note:
            postfix["state"] = self._note
        self._bar.set_postfix(postfix, refresh=False)

    def close(self) -> None:
        self._bar.close()


def make_progress(
    enabled: bool,
    total: int,
    file: Any = None,
    *,
    desc: str = "associating",
    success: str = "associated",
) -> Progress:
    """A tqdm bar when ``enabled`` (titled ``desc``, counting ``success``), else a silent sink."""
    return TqdmProgress(total, file=file, desc=desc, success=success) if enabled else NoProgress()
