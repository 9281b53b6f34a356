"""Shared fixtures: a sandbox HubSpot on 127.0.0.1 and a frame builder.

``hub`` is a function-scoped :class:`~hubassoc_pandas.sandbox.Sandbox` seeded with contacts
1..20000 and companies 1..10000 and no rate limit; change it with ``hub.configure(...)``.
``make_frame(n, seed)`` builds ``n`` rows of ``contact_id`` / ``company_id`` pairs.
``fast_backoff`` is a backoff of milliseconds that records each delay asked for;
``RecordingProgress`` keeps what a run reported and can interrupt it like Ctrl-C.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pytest
from hubassoc_testkit import RecordingBackoff

from hubassoc_pandas.sandbox import Sandbox

CONTACTS = range(1, 20_001)
COMPANIES = range(1, 10_001)


@pytest.fixture
def hub() -> Iterator[Sandbox]:
    """A running sandbox: contacts 1..20000, companies 1..10000, no rate limit."""
    sandbox = Sandbox(
        records={"contacts": CONTACTS, "companies": COMPANIES}, rate_limit=None
    ).start()
    try:
        yield sandbox
    finally:
        sandbox.close()


def build_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` rows of distinct (contact_id, company_id) pairs that exist in ``hub``.

    Examples
    --------
    >>> build_frame(3, seed=1).shape
    (3, 2)
    """
    rng = np.random.default_rng(seed)
    contacts = rng.choice(np.arange(1, len(CONTACTS) + 1), size=n, replace=n > len(CONTACTS))
    companies = rng.integers(1, len(COMPANIES) + 1, size=n)
    frame = pd.DataFrame({"contact_id": contacts, "company_id": companies})
    frame = frame.drop_duplicates(ignore_index=True)
    while len(frame) < n:  # top up the rare duplicate draws
        extra = pd.DataFrame(
            {
                "contact_id": rng.integers(1, len(CONTACTS) + 1, size=n - len(frame)),
                "company_id": rng.integers(1, len(COMPANIES) + 1, size=n - len(frame)),
            }
        )
        frame = pd.concat([frame, extra]).drop_duplicates(ignore_index=True)
    return frame


@pytest.fixture
def make_frame() -> Callable[..., pd.DataFrame]:
    """Factory: ``make_frame(n, seed=0)`` returns ``n`` distinct, existing ID pairs."""
    return build_frame


@pytest.fixture
def fast_backoff() -> RecordingBackoff:
    """A backoff of milliseconds for ``associate(backoff=...)``; ``.asked`` lists the attempt
    numbers it was asked to wait after."""
    return RecordingBackoff(base=0.005, cap=0.02)
