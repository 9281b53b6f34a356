"""Shared fixtures: a sandbox HubSpot on 127.0.0.1 and a frame builder.

``hub`` is a function-scoped :class:`~hubassoc_pandas.sandbox.Sandbox` seeded with contacts
1..20000 and companies 1..10000 and no rate limit; change it with ``hub.configure(...)``.
``make_frame(n, seed)`` builds ``n`` rows of ``contact_id`` / ``company_id`` pairs.
``fast_backoff`` is a backoff of milliseconds that records each delay asked for.
``cli_hub`` is a small sandbox (100 contacts, 100 companies) whose token and URL are in the
environment, as the ``hubassoc`` command reads them.
Helpers that start, call or inspect the sandbox live in ``hubassoc_testkit``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pandas as pd
import pytest
from hubassoc_testkit import SMALL, RecordingBackoff, build_frame, running_hub

from hubassoc_pandas.sandbox import Sandbox


@pytest.fixture
def hub() -> Iterator[Sandbox]:
    """A running sandbox: contacts 1..20000, companies 1..10000, no rate limit."""
    with running_hub() as sandbox:
        yield sandbox


@pytest.fixture
def cli_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A sandbox of 100 contacts and 100 companies, in the environment the command reads."""
    with running_hub(records=SMALL) as sandbox:
        monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", sandbox.token)
        monkeypatch.setenv("HUBSPOT_BASE_URL", sandbox.url)
        yield sandbox


@pytest.fixture
def make_frame() -> Callable[..., pd.DataFrame]:
    """Factory: ``make_frame(n, seed=0)`` returns ``n`` distinct, existing ID pairs."""
    return build_frame


@pytest.fixture
def fast_backoff() -> RecordingBackoff:
    """A backoff of milliseconds for ``associate(backoff=...)``; ``.asked`` lists the attempt
    numbers it was asked to wait after."""
    return RecordingBackoff(base=0.005, cap=0.02)
