"""What the object endpoints share: a record as HubSpot returns it, and body checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..call import Call

__all__ = ["record_json", "string_list"]


def record_json(
    call: Call, object_type: str, record_id: int, wanted: Iterable[str]
) -> dict[str, Any]:
    """``{"id", "properties", "createdAt", "updatedAt", "archived"}`` of one record.

    ``properties`` holds each wanted property (None when the record has no value) plus
    ``hs_object_id``, ``createdate`` and the last-modified date, as HubSpot always adds them.
    """
    values = call.portal.property_store(object_type).get(record_id)
    created = values.get("createdate") or _created(record_id)
    modified = "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"
    properties: dict[str, Any] = {name: values.get(name) for name in wanted}
    properties.update({"createdate": created, modified: created, "hs_object_id": str(record_id)})
    return {
        "id": str(record_id),
        "properties": properties,
        "createdAt": created,
        "updatedAt": created,
        "archived": False,
    }


def _created(record_id: int) -> str:
    from ..properties import created_at

    return created_at(record_id)


def string_list(value: Any) -> list[str] | None:
    """``value`` when it is a list of strings, else None."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None
