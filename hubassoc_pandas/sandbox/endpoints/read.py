"""``POST .../batch/read``: the associations of each from-record, a page at a time.

Body ``{"inputs": [{"id": "101", "after": "<cursor, optional>"}, ...]}``, at most
``max_read_batch_size`` inputs (1,000; a 400 beyond). One result per from-ID:
``{"from": {"id": "101"}, "to": [{"toObjectId": 9001, "associationTypes": [{"category":
"HUBSPOT_DEFINED", "typeId": 279, "label": null}, {"category": "HUBSPOT_DEFINED", "typeId": 1,
"label": "Primary"}]}], "paging": {"next": {"after": "<cursor>"}}}``: one ``to`` entry per
target (IDs as JSON numbers, in ascending order) listing every type it holds in this direction,
at most ``read_page_size`` targets per page, and ``paging`` only when more remain. The cursor
is opaque and belongs to its from-ID; send it back as that input's ``after``.

A from-ID with no associations, or one that does not exist (they look the same), is in
``errors``: OBJECT_NOT_FOUND, ``crm.associations.NO_ASSOCIATIONS_FOUND``, "No company is
associated with contact 101.", context ``{"fromObjectId": ["101"], "fromObjectType":
["CONTACT"], "toObjectType": ["COMPANY"]}``. A malformed ID is a VALIDATION_ERROR,
``crm.associations.INVALID_IDENTIFIER``; an unreadable cursor a VALIDATION_ERROR naming it.
Answers 200, or ``read_partial_status`` (207, or 200) when some inputs are in ``errors``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ..bodies import iso_now, too_large_body
from ..call import Call, Endpoint, Reply
from .batch import batch_reply, is_id, no_inputs

__all__ = ["ENDPOINT", "cursor_for"]

_Input = tuple[str | None, Any]


def parse(payload: Any) -> list[_Input] | None:
    """Each input as ``(id text, after)`` (None where absent), or None without a list."""
    if not isinstance(payload, dict):
        return None
    inputs = payload.get("inputs")
    if not isinstance(inputs, list):
        return None
    parsed: list[_Input] = []
    for item in inputs:
        if not isinstance(item, dict) or item.get("id") is None:
            parsed.append((None, None))
            continue
        value = item["id"]
        parsed.append((value if isinstance(value, str) else str(value), item.get("after")))
    return parsed


def cursor_for(from_id: int, last_to_id: int) -> str:
    """The opaque ``after`` cursor of the page following ``last_to_id`` for ``from_id``."""
    return base64.urlsafe_b64encode(f"{from_id}:{last_to_id}".encode()).decode().rstrip("=")


def _position(from_id: int, after: Any) -> int | None:
    """The last to-ID a cursor points past (0 without one), or None when it is unreadable."""
    if after is None or after == "":
        return 0
    if not isinstance(after, str):
        return None
    try:
        text = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    owner, _, last = text.partition(":")
    if owner != str(from_id) or not last.isdigit():
        return None
    return int(last)


def _type_name(call: Call, canonical: str) -> str:
    types = call.portal.types
    return canonical if types.is_custom(canonical) else types.singular(canonical).upper()


def _error(call: Call, from_id: str, kind: str, detail: str = "") -> dict[str, Any]:
    from_type, to_type = call.types
    names = call.portal.types
    if kind == "none":
        return {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
            "message": (
                f"No {names.singular(to_type)} is associated with "
                f"{names.singular(from_type)} {from_id}."
            ),
            "context": {
                "fromObjectId": [from_id],
                "fromObjectType": [_type_name(call, from_type)],
                "toObjectType": [_type_name(call, to_type)],
            },
        }
    if kind == "invalid":
        message = (
            f"Invalid {names.singular(from_type)} ID '{from_id}': "
            "IDs must be positive whole numbers."
        )
        sub = "crm.associations.INVALID_IDENTIFIER"
    else:
        message = f"Invalid 'after' cursor {detail!r} for {names.singular(from_type)} {from_id}."
        sub = "crm.associations.INVALID_PAGING_CURSOR"
    return {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "subCategory": sub,
        "message": message,
        "context": {"fromObjectId": [from_id]},
    }


def _page(call: Call, from_id: int, after: int) -> str | None:
    """One from-ID's result, encoded; None when it has no associations (call under the lock)."""
    portal = call.portal
    from_type, to_type = call.types
    held = portal.store.targets_with_types(from_type, to_type, from_id)
    if not held:
        return None
    size = portal.options.read_page_size
    remaining = sorted(t for t in held if t > after)
    page, more = remaining[:size], len(remaining) > size
    listed: dict[frozenset[int], str] = {}
    entries = []
    for to_id in page:
        types = held[to_id]
        encoded = listed.get(types)
        if encoded is None:
            encoded = listed[types] = json.dumps(_types(call, types), separators=(",", ":"))
        entries.append(f'{{"toObjectId":{to_id},"associationTypes":{encoded}}}')
    result = f'{{"from":{{"id":"{from_id}"}},"to":[{",".join(entries)}]'
    if more:
        result += f',"paging":{{"next":{{"after":"{cursor_for(from_id, page[-1])}"}}}}'
    return result + "}"


def _types(call: Call, types: frozenset[int]) -> list[dict[str, Any]]:
    from_type, to_type = call.types
    definitions = call.portal.definitions
    found = []
    for type_id in types:
        definition = definitions.by_type_id(from_type, to_type, type_id)
        if definition is None:
            found.append({"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None})
        else:
            found.append(definition.as_json())
    return sorted(found, key=lambda d: (d["label"] is not None, d["typeId"]))


def handle(call: Call) -> Reply:
    """One page of associations per from-ID; the rest in ``errors``."""
    refusal = no_inputs(call)
    if refusal is not None:
        return refusal
    options = call.portal.options
    inputs: list[_Input] = call.inputs or []
    if len(inputs) > options.max_read_batch_size:
        body = too_large_body(len(inputs), options.max_read_batch_size, call.correlation_id)
        return call.json(400, body)
    for index, (from_id, _) in enumerate(inputs):
        if from_id is None:
            return call.error(
                400, f"Invalid input JSON: inputs[{index}].id is required.", "VALIDATION_ERROR"
            )
    results: list[str] = []
    errors: list[dict[str, Any]] = []
    seen: set[tuple[str, Any]] = set()
    with call.portal.lock:
        started_at = iso_now()
        for from_id, after in inputs:
            key = (str(from_id), after if isinstance(after, str) else repr(after))
            if key in seen:
                continue
            seen.add(key)
            _read_one(call, str(from_id), after, results, errors)
    status = options.read_partial_status if errors else 200
    return batch_reply(call, results, errors, 200, status, started_at)


def _read_one(
    call: Call, from_id: str, after: Any, results: list[str], errors: list[dict[str, Any]]
) -> None:
    if not is_id(from_id):
        errors.append(_error(call, from_id, "invalid"))
        return
    number = int(from_id)
    position = _position(number, after)
    if position is None:
        errors.append(_error(call, from_id, "cursor", str(after)))
        return
    page = _page(call, number, position)
    if page is None:
        errors.append(_error(call, from_id, "none"))
    else:
        results.append(page)


ENDPOINT = Endpoint(
    name="read",
    method="POST",
    access="read",
    meter="associations",
    parse=parse,
    size=len,
    handle=handle,
    success_status=lambda call: 200,
    cap_option="max_read_batch_size",
)
