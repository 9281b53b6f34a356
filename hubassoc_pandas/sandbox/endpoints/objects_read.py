"""``POST /crm/objects/{date}/{objectType}/batch/read``: records by ID or by a unique property.

Also at ``/crm/v3/objects/{objectType}/batch/read``. Body ``{"idProperty": "email", "inputs":
[{"id": "a@b.com"}], "properties": ["email"], "propertiesWithHistory": []}``: at most
``max_objects_batch_size`` inputs (100; a 400 beyond); ``properties`` and
``propertiesWithHistory`` are both required (a 400 names what is missing, as HubSpot's
"Cannot build BatchReadInputSimplePublicObjectId, some of required attributes are not set").

``idProperty`` may be ``email`` (contacts: matched in any case, since HubSpot stores emails
lower-case; not trimmed), ``hs_object_id``, or a unique property of the type (``external_id``
by default, see ``unique_properties``; matched exactly). Another property is a 400. Without
``idProperty`` the inputs are record IDs.

Results come back by record, one per record however many inputs named it, in a seeded random
order: ``{"id": "101", "properties": {...}, "createdAt", "updatedAt", "archived": false}``.
Values that match no record are answered 207 with one OBJECT_NOT_FOUND error, "Could not get
some CONTACT objects, they may be deleted or not exist. Check that ids are valid.", whose
``context.ids`` lists them.
"""

from __future__ import annotations

import json
from typing import Any

from ..bodies import iso_now, too_large_body
from ..call import Call, Endpoint, Reply
from .batch import batch_reply, is_id, no_inputs
from .records import record_json, string_list

__all__ = ["ENDPOINT"]


def parse(payload: Any) -> list[str | None] | None:
    """Each input's ``id`` as text (None where absent), or None without an ``inputs`` list."""
    if not isinstance(payload, dict) or not isinstance(payload.get("inputs"), list):
        return None
    parsed: list[str | None] = []
    for item in payload["inputs"]:
        value = item.get("id") if isinstance(item, dict) else None
        parsed.append(None if value is None else str(value))
    return parsed


def _refusal(call: Call) -> Reply | None:
    """The 400 for a body this endpoint cannot read, else None."""
    refusal = no_inputs(call)
    if refusal is not None:
        return refusal
    inputs: list[str | None] = call.inputs or []
    maximum = call.portal.options.max_objects_batch_size
    if len(inputs) > maximum:
        return call.json(400, too_large_body(len(inputs), maximum, call.correlation_id))
    payload = call.payload
    unset = [
        name
        for name in ("properties", "propertiesWithHistory")
        if string_list(payload.get(name)) is None
    ]
    if unset or None in inputs:
        unset += ["inputs[].id"] if None in inputs else []
        column = len(json.dumps(payload, separators=(",", ":")))
        return call.error(
            400,
            f"Invalid input JSON on line 1, column {column}: Cannot build "
            "BatchReadInputSimplePublicObjectId, some of required attributes are not set "
            f"[{', '.join(unset)}]",
            "VALIDATION_ERROR",
        )
    return None


def handle(call: Call) -> Reply:
    """Find each input's record; list what matched nothing in one error."""
    refusal = _refusal(call)
    if refusal is not None:
        return refusal
    portal = call.portal
    (object_type,) = call.types
    payload = call.payload
    id_property = payload.get("idProperty") or "hs_object_id"
    wanted = payload["properties"]
    with portal.lock:
        store = portal.property_store(object_type)
        if id_property != "hs_object_id" and id_property not in store.unique:
            unique = ", ".join(sorted(store.unique | {"hs_object_id"}))
            return call.error(
                400,
                f"{id_property} is not a unique property of {object_type}; use one of: {unique}",
                "VALIDATION_ERROR",
            )
        started_at = iso_now()
        exists = portal.record_exists(object_type)
        found: dict[int, None] = {}
        missing: list[str] = []
        for value in call.inputs or []:
            assert value is not None
            if id_property == "hs_object_id":
                record = int(value) if is_id(value) and exists(int(value)) else None
            else:
                record = store.unique_lookup(id_property, value)
            if record is None:
                missing.append(value)
            else:
                found[record] = None
        results = [
            json.dumps(record_json(call, object_type, r, wanted), separators=(",", ":"))
            for r in found
        ]
        portal.rng.shuffle(results)
    errors = []
    if missing:
        name = portal.types.singular(object_type).upper()
        errors.append(
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": (
                    f"Could not get some {name} objects, they may be deleted or not exist. "
                    "Check that ids are valid."
                ),
                "context": {"ids": list(dict.fromkeys(missing))},
            }
        )
    return batch_reply(call, results, errors, 200, 207, started_at)


ENDPOINT = Endpoint(
    name="objects_read",
    method="POST",
    access="read",
    meter="general",
    parse=parse,
    size=len,
    handle=handle,
    success_status=lambda call: 200,
    cap_option="max_objects_batch_size",
)
