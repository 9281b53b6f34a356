"""One settings object for a run, checked in one place before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hubassoc_pandas.engine.rate_limit import RateLimit, parse_rate_limit
from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.inputs.object_types import normalize_object_type
from hubassoc_pandas.transport.backoff import Backoff
from hubassoc_pandas.transport.client import HubSpotClient, Timeout, check_api_version

__all__ = ["MAX_BATCH_SIZE", "RunSettings", "make_settings"]

#: Largest batch size accepted for any operation.
MAX_BATCH_SIZE = 10_000


@dataclass(frozen=True)
class RunSettings:
    """How a run sends: object types, batching, concurrency, pacing and retries.

    ``batch_size`` None means the operation's documented cap; ``rate_limit`` None means
    start at 100 requests per 10 s and follow HubSpot's headers.
    """

    from_type: str
    to_type: str
    batch_size: int | None
    max_workers: int
    max_attempts: int
    rate_limit: RateLimit | None
    timeout: Timeout
    api_version: str
    backoff: Backoff

    def open_client(self, token: str | None, base_url: str) -> HubSpotClient:
        """A new client for this run: its API version, timeout and a connection per worker.
        The caller closes it."""
        return HubSpotClient(
            token,
            base_url=base_url,
            api_version=self.api_version,
            timeout=self.timeout,
            pool_size=self.max_workers,
        )

    def batch_size_for(self, cap: int) -> int:
        """The batch size to use for an operation whose cap is ``cap``."""
        return cap if self.batch_size is None else self.batch_size

    def record(self) -> dict[str, Any]:
        """The JSON-serialisable part kept in ``results.attrs``."""
        return {
            "max_workers": self.max_workers,
            "max_attempts": self.max_attempts,
            "rate_limit": None
            if self.rate_limit is None
            else [self.rate_limit.requests, self.rate_limit.period],
        }


def make_settings(
    from_type: Any,
    to_type: Any,
    *,
    batch_size: Any = None,
    max_workers: Any = 16,
    max_attempts: Any = 5,
    rate_limit: Any = None,
    timeout: Any = None,
    api_version: Any = "2026-03",
    backoff: Backoff | None = None,
) -> RunSettings:
    """Check every knob and build the settings; ConfigError names what to fix.

    Examples
    --------
    >>> make_settings("Contact", "0-2", batch_size=50).from_type
    'contacts'
    """
    for name, value, low, high in (
        ("batch_size", batch_size, 1, MAX_BATCH_SIZE),
        ("max_workers", max_workers, 1, 256),
        ("max_attempts", max_attempts, 1, 100),
    ):
        if name == "batch_size" and value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int | np.integer)
            or not low <= value <= high
        ):
            raise ConfigError(f"{name}={value!r}: give a whole number from {low} to {high}.")
    return RunSettings(
        from_type=normalize_object_type(from_type, role="from_type"),
        to_type=normalize_object_type(to_type, role="to_type"),
        batch_size=None if batch_size is None else int(batch_size),
        max_workers=int(max_workers),
        max_attempts=int(max_attempts),
        rate_limit=None if rate_limit is None else parse_rate_limit(rate_limit),
        timeout=Timeout.of(timeout),
        api_version=check_api_version(api_version),
        backoff=Backoff.of(backoff),
    )
