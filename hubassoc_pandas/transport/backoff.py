"""How long to wait before sending a failed request again. Pure; the random source injectable."""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable
from dataclasses import dataclass

from hubassoc_pandas.errors import ConfigError

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

    @classmethod
    def of(cls, value: object) -> Backoff:
        """Read the ``backoff=`` argument: None (the default backoff) or a Backoff whose
        ``base`` and ``cap`` are finite seconds above 0, with ``cap >= base``; anything else
        raises ConfigError saying what to fix.

        Examples
        --------
        >>> Backoff.of(None) == Backoff()
        True
        >>> Backoff.of(Backoff(base=1.0, cap=float("inf")))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        hubassoc_pandas.errors.ConfigError: backoff=Backoff(base=1.0, cap=inf): base and cap ...
        """
        if value is None:
            return cls()
        if not isinstance(value, Backoff):
            raise ConfigError(
                f"backoff={value!r}: give a hubassoc_pandas.Backoff(base=, cap=) (seconds), "
                "e.g. Backoff(base=0.5, cap=30), or leave it out."
            )
        base, cap = value.base, value.cap
        shown = f"Backoff(base={base!r}, cap={cap!r})"
        if not (_seconds(base) and _seconds(cap) and float(cap) >= float(base)):
            raise ConfigError(
                f"backoff={shown}: base and cap must be finite seconds above 0, with "
                "cap >= base (e.g. Backoff(base=0.5, cap=30))."
            )
        if not callable(value.rng):
            raise ConfigError(
                f"backoff={shown}: rng must be a function returning a number from 0 to 1 "
                "(e.g. random.random)."
            )
        return value


def _seconds(value: object) -> bool:
    """Whether ``value`` is a finite number of seconds above 0 (not a bool)."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and float(value) > 0
    )
