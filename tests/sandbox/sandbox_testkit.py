"""Helpers shared by the sandbox tests: request building and a small HTTP client."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import requests

try:
    import hubassoc_pandas.sandbox  # noqa: F401
except ImportError:  # running from a checkout without an install
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from hubassoc_pandas.sandbox import Sandbox

RECORDS = {"contacts": range(1, 1001), "companies": range(1, 501), "deals": [7, 8, "9"]}


def endpoint(
    from_type: str = "contacts", to_type: str = "companies", version: str = "2026-03"
) -> str:
    """The endpoint path for a pair of object types."""
    if version == "v4":
        return f"/crm/v4/associations/{from_type}/{to_type}/batch/associate/default"
    return f"/crm/associations/{version}/{from_type}/{to_type}/batch/associate/default"


def association_path(
    tail: str,
    from_type: str = "contacts",
    to_type: str = "companies",
    version: str = "2026-03",
) -> str:
    """The path of an association endpoint, e.g. ``association_path("batch/archive")``."""
    if version == "v4":
        if tail == "labels":
            return f"/crm/associations/v4/{from_type}/{to_type}/labels"
        return f"/crm/v4/associations/{from_type}/{to_type}/{tail}"
    return f"/crm/associations/{version}/{from_type}/{to_type}/{tail}"


def archive_inputs(*groups: tuple[Any, list[Any]]) -> list[dict[str, Any]]:
    """batch/archive ``inputs`` from ``(from_id, [to_id, ...])`` groups."""
    return [{"from": {"id": f}, "to": [{"id": t} for t in targets]} for f, targets in groups]


def typed(*items: tuple[Any, Any, list[tuple[str, int]]]) -> list[dict[str, Any]]:
    """batch/create-shaped ``inputs`` from ``(from_id, to_id, [(category, type_id), ...])``."""
    return [
        {
            "from": {"id": f},
            "to": {"id": t},
            "types": [{"associationCategory": c, "associationTypeId": n} for c, n in types],
        }
        for f, t, types in items
    ]


def pairs(*items: tuple[Any, Any]) -> list[dict[str, Any]]:
    """Build ``inputs`` from (from_id, to_id) tuples."""
    return [{"from": {"id": f}, "to": {"id": t}} for f, t in items]


class Client:
    """A requests session bound to one sandbox."""

    def __init__(self, hub: Sandbox) -> None:
        self.hub = hub
        self.session = requests.Session()

    def post(
        self,
        inputs: list[dict[str, Any]] | None = None,
        *,
        from_type: str = "contacts",
        to_type: str = "companies",
        version: str = "2026-03",
        token: str | None = "default",
        data: bytes | str | None = None,
        timeout: float = 5.0,
    ) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if token == "default":
            token = self.hub.token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body = data if data is not None else requests.compat.json.dumps({"inputs": inputs or []})
        return self.session.post(
            self.hub.url + endpoint(from_type, to_type, version),
            data=body,
            headers=headers,
            timeout=timeout,
        )

    def call(
        self,
        path: str,
        body: Any = None,
        *,
        method: str = "POST",
        token: str | None = "default",
        timeout: float = 5.0,
    ) -> requests.Response:
        """Send ``body`` (as JSON; none when None) to any sandbox path."""
        headers = {}
        if token == "default":
            token = self.hub.token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.session.request(
            method, self.hub.url + path, json=body, headers=headers, timeout=timeout
        )

    def close(self) -> None:
        self.session.close()


def walked_by_a_full_collection(root: object) -> int:
    """References the garbage collector follows from ``root`` through the tracked containers
    of the store's own data (an untracked container is never walked: its references cost a
    full collection nothing); classes and modules are not followed."""
    seen: set[int] = set()
    stack, walked = [root], 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or not gc.is_tracked(obj) or isinstance(obj, type):
            continue
        seen.add(id(obj))
        referents = gc.get_referents(obj)
        walked += len(referents)
        stack.extend(referents)
    return walked
