"""How long to wait before sending a failed request again. Pure; the random source injectable."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter (half fixed, half random); ``rng`` injectable.

    Examples
    --------
    >>> Backoff(base=1.0, cap=8.0, rng=lambda: 1.0).delay(attempt=5)
    8.0
    """

    base: float = 0.5
    cap: float = 30.0
    rng: Callable[[], float] = random.random

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the ``attempt``-th failed attempt (1-based)."""
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return ceiling * (0.5 + 0.5 * self.rng())
