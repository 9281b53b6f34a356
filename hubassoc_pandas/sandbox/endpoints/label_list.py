"""``GET .../labels``: the association types of one direction, labelled and not.

Paths: ``/crm/associations/{date}/{from}/{to}/labels``, and for v4
``/crm/associations/v4/{from}/{to}/labels`` (``/crm/v4/associations/{from}/{to}/labels`` too).
Answers 200 ``{"results": [{"category": "HUBSPOT_DEFINED", "typeId": 279, "label": null},
{"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"}, {"category":
"USER_DEFINED", "typeId": ..., "label": "Billing contact"}, ...]}``: the unlabelled default
first (none for a pair of types without one), then by type ID. 2026-03 items also carry
``fromObjectTypeId`` and ``toObjectTypeId``. Needs the read scopes of both types; metered by
the ten-secondly window like any call.
"""

from __future__ import annotations

from typing import Any

from ..call import Call, Endpoint, Reply

__all__ = ["ENDPOINT"]


def handle(call: Call) -> Reply:
    """List the definitions of the call's direction."""
    portal = call.portal
    from_type, to_type = call.types
    with portal.lock:
        listing = [d.as_json() for d in portal.definitions.listing(from_type, to_type)]
    if not call.v4:
        ids = {
            "fromObjectTypeId": portal.types.type_id(from_type),
            "toObjectTypeId": portal.types.type_id(to_type),
        }
        listing = [{**ids, **item} for item in listing]
    return call.json(200, {"results": listing})


def _no_inputs(payload: Any) -> list[Any] | None:
    return None


ENDPOINT = Endpoint(
    name="labels",
    method="GET",
    access="read",
    meter="general",
    parse=_no_inputs,
    size=len,
    handle=handle,
    success_status=lambda call: 200,
)
