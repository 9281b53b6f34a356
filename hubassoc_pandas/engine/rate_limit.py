"""A rate limit as a run is given it: ``RateLimit(requests, period)``, read from every spelling
a call accepts (a number of requests per 10 s, a ``(requests, seconds)`` pair, a
``"requests/seconds"`` string), refused up front when any part is not a finite number above
zero."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TypeGuard

import numpy as np

from hubassoc_pandas.errors import ConfigError

__all__ = ["RateLimit", "parse_rate_limit"]


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` requests in any rolling ``period`` seconds.

    Examples
    --------
    >>> RateLimit(190, 10.0).budget
    188
    >>> RateLimit(95, 5.0).budget
    94
    >>> RateLimit(190, 10.0, margin=0.05).budget
    180
    """

    requests: int = 100
    period: float = 10.0
    margin: float = 0.01

    @property
    def budget(self) -> int:
        """Requests the pacer lets through per window: the limit less the safety margin
        (rounded up: at least one request when the margin is above 0)."""
        spare = math.ceil(self.requests * self.margin) if self.margin > 0 else 0
        return max(1, self.requests - spare)


def parse_rate_limit(value: object) -> RateLimit:
    """Read the ``rate_limit=`` argument: a number per 10 s, a (requests, seconds) pair,
    a ``"requests/seconds"`` text or a :class:`RateLimit`.

    Every spelling is held to the same rule: a whole number of requests above 0 and a
    finite number of seconds above 0 (a RateLimit's margin from 0 up to, not including, 1);
    anything else raises :class:`~hubassoc_pandas.ConfigError` saying what to fix.

    Examples
    --------
    >>> parse_rate_limit(190)
    RateLimit(requests=190, period=10.0, margin=0.01)
    >>> parse_rate_limit((50, 1))
    RateLimit(requests=50, period=1.0, margin=0.01)
    >>> parse_rate_limit("100/inf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    hubassoc_pandas.errors.ConfigError: rate_limit='100/inf' is not usable: the seconds must ...
    """
    requests: object
    period: object
    margin: object = RateLimit.margin
    if isinstance(value, RateLimit):
        requests, period, margin = value.requests, value.period, value.margin
    elif isinstance(value, str):
        requests_text, _, period_text = value.partition("/")
        requests, period = _read_number(requests_text), _read_number(period_text or "10")
    elif isinstance(value, tuple | list) and len(value) == 2:
        requests, period = value
    else:
        requests, period = value, 10.0
    limit = _checked(requests, period, margin)
    if isinstance(limit, str):
        raise ConfigError(
            f"rate_limit={value!r} is not usable: {limit}. Give requests per 10 s (e.g. "
            "190), a (requests, seconds) pair such as (100, 10), or a text such as '100/10'."
        )
    return limit


def _read_number(text: str) -> object:
    """A number written in a ``rate_limit`` text, or the text itself if it is none."""
    try:
        return float(text.strip())
    except ValueError:
        return text


def _checked(requests: object, period: object, margin: object) -> RateLimit | str:
    """The rate limit of these parts, or what is wrong with them."""
    if not _real(requests) or not math.isfinite(requests) or requests <= 0:
        return f"the requests must be a whole number above 0, not {requests!r}"
    if requests != int(requests):
        return f"the requests must be a whole number above 0, not {requests!r}"
    if not _real(period) or not math.isfinite(period) or period <= 0:
        return f"the seconds must be a finite number above 0, not {period!r}"
    if not _real(margin) or not math.isfinite(margin) or not 0 <= margin < 1:
        return f"the margin must be from 0 up to 1 (not included), not {margin!r}"
    return RateLimit(int(requests), float(period), float(margin))


def _real(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a real number (an int, a float or a NumPy number; not a bool)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
