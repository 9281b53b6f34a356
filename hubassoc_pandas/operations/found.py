"""What a key lookup found for each key value, in the form a ledger and a journal keep. Pure.

The resolve operations (:mod:`.resolve_by_property`, :mod:`.search_domains`) record, per
engine key, one JSON text in their ``found`` value column: key value -> ``{"ids": [...],
"n": N}`` (``"capped": true`` when HubSpot could not list every match). The IDs are the
candidate records, oldest first (``createdate``, then the lower ID), at most
:data:`MAX_LISTED` of them; ``n`` counts them all.
:mod:`hubassoc_pandas.jobs.keys.lookup` reads these back from the run's ledger or from a
journal, so a resumed run looks nothing up twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "FOUND",
    "MAX_LISTED",
    "Found",
    "found_text",
    "objects_path",
    "oldest_first",
    "read_found",
]

#: The value column every resolve operation fills.
FOUND = "found"
#: Candidate IDs kept per key value (``n`` still counts them all).
MAX_LISTED = 100

_LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Found:
    """The records one key value matched: their IDs oldest first, how many, and whether
    HubSpot could list them all."""

    ids: tuple[str, ...]
    n: int
    capped: bool = False


def objects_path(api_version: str, object_type: str, tail: str) -> str:
    """The path of an objects endpoint; the legacy ``v4`` setting uses objects' ``v3``.

    Examples
    --------
    >>> objects_path("2026-03", "contacts", "batch/read")
    'crm/objects/2026-03/contacts/batch/read'
    >>> objects_path("v4", "companies", "search")
    'crm/v3/objects/companies/search'
    """
    if api_version == "v4":
        return f"crm/v3/objects/{object_type}/{tail}"
    return f"crm/objects/{api_version}/{object_type}/{tail}"


def _moment(created: Any) -> datetime:
    """A record's creation time from ``createdate`` (ISO 8601, or epoch milliseconds)."""
    text = str(created or "").strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return _LATEST  # unknown: after every known one


def oldest_first(created_by_id: Mapping[str, Any]) -> list[str]:
    """Record IDs ordered by creation time, then by ID (unknown times last).

    Examples
    --------
    >>> oldest_first({"9": "2021-01-01T00:00:00Z", "12": "2020-06-01T00:00:00.000Z", "3": None})
    ['12', '9', '3']
    """
    return sorted(created_by_id, key=lambda rid: (_moment(created_by_id[rid]), int(rid)))


def found_text(
    entries: Mapping[str, Mapping[str, Any]], capped: Mapping[str, int] | None = None
) -> str:
    """The ``found`` value of one engine key: key value -> {record ID: createdate}.

    ``capped`` gives, for values HubSpot could not list every match of, how many there are.

    Examples
    --------
    >>> found_text({"a@x.io": {"101": None}, "b@x.io": {}})
    '{"a@x.io":{"ids":["101"],"n":1},"b@x.io":{"ids":[],"n":0}}'
    """
    table: dict[str, dict[str, Any]] = {}
    for value, candidates in entries.items():
        entry: dict[str, Any] = {"ids": oldest_first(candidates)[:MAX_LISTED], "n": len(candidates)}
        if capped and value in capped:
            entry.update(n=max(capped[value], len(candidates)), capped=True)
        table[value] = entry
    return json.dumps(table, separators=(",", ":"), ensure_ascii=False)


def read_found(text: Any) -> dict[str, Found]:
    """Read a ``found`` value back (an unreadable one reads as nothing found for no value).

    Examples
    --------
    >>> read_found('{"acme.com":{"ids":["7","9"],"n":2}}')
    {'acme.com': Found(ids=('7', '9'), n=2, capped=False)}
    """
    try:
        table = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    if not isinstance(table, dict):
        return {}
    read: dict[str, Found] = {}
    for value, entry in table.items():
        if isinstance(entry, dict) and isinstance(entry.get("ids"), list):
            ids = tuple(str(i) for i in entry["ids"])
            read[str(value)] = Found(ids, int(entry.get("n", len(ids))), bool(entry.get("capped")))
    return read
