"""Fixtures for the sandbox tests: sandbox and client factories, closed after each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sandbox_testkit import RECORDS, Client

from hubassoc_pandas.sandbox import Sandbox


@pytest.fixture
def make_hub() -> Iterator[Any]:
    """Factory: ``make_hub(**options)`` starts a sandbox that is closed after the test."""
    hubs: list[Sandbox] = []

    def factory(**options: Any) -> Sandbox:
        options.setdefault("records", RECORDS)
        hub = Sandbox(**options).start()
        hubs.append(hub)
        return hub

    yield factory
    for hub in hubs:
        hub.close()


@pytest.fixture
def hub(make_hub: Any) -> Sandbox:
    """A sandbox with small record sets and default behaviour."""
    return make_hub()  # type: ignore[no-any-return]


@pytest.fixture
def make_client() -> Iterator[Any]:
    """Factory: ``make_client(hub)`` returns a :class:`Client` closed after the test."""
    clients: list[Client] = []

    def factory(hub: Sandbox) -> Client:
        client = Client(hub)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def client(hub: Sandbox, make_client: Any) -> Client:
    """A client of the default ``hub``."""
    return make_client(hub)  # type: ignore[no-any-return]
