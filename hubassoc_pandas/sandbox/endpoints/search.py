"""``POST /crm/objects/{date}/{objectType}/search``: records whose properties match filters.

Also at ``/crm/v3/objects/{objectType}/search``. Body ``{"filterGroups": [{"filters":
[{"propertyName": "domain", "operator": "IN", "values": ["acme.com"]}]}], "properties":
["domain"], "limit": 200, "after": "<cursor>", "sorts": [...]}``. Groups are OR'ed, the filters
of a group AND'ed. Operators: ``EQ`` and ``NEQ`` (any case), ``IN`` and ``NOT_IN`` (values
compared as sent with the lower-cased values: they must be lower-case to match, as HubSpot
requires), ``CONTAINS_TOKEN``,
``HAS_PROPERTY``, ``NOT_HAS_PROPERTY``. ``hs_additional_domains`` holds several domains; a
filter matches any of them. Only records given properties are searched, and only once
``search_index_delay`` seconds have passed since (HubSpot's index lags writes).

Refused with a 400 VALIDATION_ERROR: a body over 3,000 characters, more than 5 filter groups,
more than 6 filters in a group or 18 in all, an unknown operator, ``limit`` over 200, and a
page reaching past the 10,000th result. Results: ``{"total": N, "results": [{"id",
"properties", "createdAt", "updatedAt", "archived"}], "paging": {"next": {"after": "200"}}}``
sorted by ``hs_object_id`` (or the first of ``sorts``), ``paging`` only when more remain.
Metered by its own secondly limit (``search_rate_limit``), not the ten-secondly window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..call import Call, Endpoint, Reply
from ..properties import MULTI_VALUED, PropertyStore
from .records import record_json

__all__ = ["ENDPOINT"]

MAX_BODY, MAX_GROUPS, MAX_PER_GROUP, MAX_FILTERS, MAX_LIMIT, MAX_RESULTS = (
    3000, 5, 6, 18, 200, 10_000,
)  # fmt: skip

_Test = Callable[[int], bool]


def _values(store: PropertyStore, record: int, name: str) -> list[str]:
    value = store.get(record).get(name)
    if value is None:
        return []
    return value.split(";") if name in MULTI_VALUED else [value]


def _filter(store: PropertyStore, spec: Any) -> _Test | str:
    """A test for one filter, or the text of the 400 that refuses it."""
    if not isinstance(spec, dict) or not isinstance(spec.get("propertyName"), str):
        return "Each filter needs a propertyName."
    name, operator = spec["propertyName"], spec.get("operator")
    value, values = spec.get("value"), spec.get("values")
    if operator in ("EQ", "NEQ", "CONTAINS_TOKEN") and value is None:
        return f"The {operator} filter on {name} needs a value."
    if operator in ("IN", "NOT_IN") and not isinstance(values, list):
        return f"The {operator} filter on {name} needs a list of values."
    wanted = str(value).lower() if value is not None else ""
    listed = {str(v) for v in values} if isinstance(values, list) else set()
    tests: dict[Any, _Test] = {
        "EQ": lambda r: wanted in (v.lower() for v in _values(store, r, name)),
        "NEQ": lambda r: wanted not in (v.lower() for v in _values(store, r, name)),
        "IN": lambda r: bool(listed.intersection(v.lower() for v in _values(store, r, name))),
        "NOT_IN": lambda r: not listed.intersection(v.lower() for v in _values(store, r, name)),
        "CONTAINS_TOKEN": lambda r: any(wanted in v.lower() for v in _values(store, r, name)),
        "HAS_PROPERTY": lambda r: bool(_values(store, r, name)),
        "NOT_HAS_PROPERTY": lambda r: not _values(store, r, name),
    }
    test = tests.get(operator)
    if test is None:
        return f"Unsupported operator {operator!r} for {name}; use one of: {', '.join(tests)}."
    return test


def _candidates(store: PropertyStore, spec: dict[str, Any]) -> set[int] | None:
    """Records an EQ or IN filter can match, from the index (None: any record may)."""
    name, operator = spec["propertyName"], spec.get("operator")
    if operator == "EQ":
        return set(store.matching(name, str(spec["value"]).lower()))
    if operator == "IN":
        found: set[int] = set()
        for value in spec["values"]:
            found |= store.matching(name, str(value))
        return found
    return None


def _check(call: Call) -> list[Any] | Reply:
    """The filter groups, or the 400 that refuses the body."""
    payload = call.payload
    if call.parse_error is not None:
        return call.error(400, f"Invalid JSON input: {call.parse_error}", "VALIDATION_ERROR")
    if call.body_size > MAX_BODY:
        return call.error(
            400,
            f"The request body is {call.body_size} characters; search accepts at most {MAX_BODY}.",
            "VALIDATION_ERROR",
        )
    groups = payload.get("filterGroups", []) if isinstance(payload, dict) else None
    if not isinstance(groups, list) or not all(
        isinstance(g, dict) and isinstance(g.get("filters", []), list) for g in groups
    ):
        return call.error(
            400, 'filterGroups must be a list of {"filters": [...]}.', "VALIDATION_ERROR"
        )
    counts = [len(g.get("filters", [])) for g in groups]
    if (
        len(groups) > MAX_GROUPS
        or max(counts, default=0) > MAX_PER_GROUP
        or sum(counts) > MAX_FILTERS
    ):
        return call.error(
            400,
            f"Too many filters: at most {MAX_GROUPS} filterGroups, {MAX_PER_GROUP} filters in a "
            f"group and {MAX_FILTERS} in all (got {len(groups)} groups, {sum(counts)} filters).",
            "VALIDATION_ERROR",
        )
    return groups


def _window(call: Call) -> tuple[int, int] | Reply:
    """``(offset, limit)`` of the page asked for, or the 400 that refuses it."""
    payload = call.payload
    limit, after = payload.get("limit", 10), payload.get("after", 0)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= MAX_LIMIT:
        return call.error(
            400, f"limit must be between 1 and {MAX_LIMIT}, got {limit!r}.", "VALIDATION_ERROR"
        )
    offset = int(after) if str(after).isdigit() else None
    if offset is None:
        return call.error(400, f"Invalid 'after' cursor {after!r}.", "VALIDATION_ERROR")
    if offset >= MAX_RESULTS:
        return call.error(
            400,
            f"Search returns at most {MAX_RESULTS} results; 'after' {offset} is past them.",
            "VALIDATION_ERROR",
        )
    return offset, limit


def _matches(call: Call, store: PropertyStore, groups: list[Any]) -> list[int] | Reply:
    """Records matching any group, in sort order (call under the lock)."""
    searchable = set(store.searchable(call.portal.options.search_index_delay))
    found: set[int] = set() if groups else searchable
    for group in groups:
        filters = group.get("filters", [])
        made = [_filter(store, spec) for spec in filters]
        refused = next((t for t in made if isinstance(t, str)), None)
        if refused is not None:
            return call.error(400, refused, "VALIDATION_ERROR")
        tests = [t for t in made if not isinstance(t, str)]
        pool = searchable
        for spec in filters:
            narrowed = _candidates(store, spec)
            if narrowed is not None:
                pool = pool & narrowed
        found |= {r for r in pool if all(test(r) for test in tests)}
    return _sorted(call, store, found)


def _sorted(call: Call, store: PropertyStore, found: set[int]) -> list[int]:
    sorts = call.payload.get("sorts") or []
    first = sorts[0] if isinstance(sorts, list) and sorts else None
    name = first if isinstance(first, str) else (first or {}).get("propertyName", "hs_object_id")
    descending = isinstance(first, dict) and first.get("direction") == "DESCENDING"
    if name in ("hs_object_id", None):
        return sorted(found, reverse=descending)
    return sorted(found, key=lambda r: (store.get(r).get(name) or "", r), reverse=descending)


def handle(call: Call) -> Reply:
    """One page of matching records."""
    groups = _check(call)
    if isinstance(groups, Reply):
        return groups
    window = _window(call)
    if isinstance(window, Reply):
        return window
    offset, limit = window
    (object_type,) = call.types
    wanted = call.payload.get("properties") or []
    with call.portal.lock:
        store = call.portal.property_store(object_type)
        found = _matches(call, store, groups)
        if isinstance(found, Reply):
            return found
        page = found[offset : offset + limit]
        results = [record_json(call, object_type, r, wanted) for r in page]
    body: dict[str, Any] = {"total": len(found), "results": results}
    if offset + limit < len(found):
        body["paging"] = {"next": {"after": str(offset + limit)}}
    return call.json(200, body)


ENDPOINT = Endpoint(
    name="search",
    method="POST",
    access="read",
    meter="search",
    parse=lambda payload: None,
    size=len,
    handle=handle,
    success_status=lambda call: 200,
)
