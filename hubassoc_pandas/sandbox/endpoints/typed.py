"""Reading inputs that carry association types: the shape of ``batch/create`` and
``batch/labels/archive``.

``{"inputs": [{"from": {"id": "1"}, "to": {"id": "2"}, "types": [{"associationCategory":
"USER_DEFINED", "associationTypeId": 28}]}]}``. The schema requires both fields of a type: a
missing or unknown category, or a type ID that is not a whole number, is a 400 for the whole
request (as a schema violation is); a well-formed type no definition matches is left to the
endpoint.
"""

from __future__ import annotations

from typing import Any

from ..bodies import too_large_body
from ..call import Call, Reply
from ..labels import CATEGORIES
from .batch import id_text, no_inputs, required_id

__all__ = ["TypedInput", "parse", "read_inputs"]

#: One parsed input: from-ID text, to-ID text, and the raw ``types`` (None when not a list).
_Raw = tuple[str | None, str | None, list[Any] | None]

#: One checked input: from-ID text, to-ID text, and ``(category, type ID)`` of each type.
TypedInput = tuple[str, str, list[tuple[str, int]]]


def parse(payload: Any) -> list[_Raw] | None:
    """Each input as ``(from id, to id, types)``, or None without an ``inputs`` list."""
    if not isinstance(payload, dict):
        return None
    inputs = payload.get("inputs")
    if not isinstance(inputs, list):
        return None
    parsed: list[_Raw] = []
    for item in inputs:
        if not isinstance(item, dict):
            parsed.append((None, None, None))
            continue
        types = item.get("types")
        parsed.append(
            (
                id_text(item.get("from")),
                id_text(item.get("to")),
                types if isinstance(types, list) else None,
            )
        )
    return parsed


def _type_of(raw: Any, where: str) -> tuple[str, int] | str:
    """``(category, type ID)`` of one raw type, or the text of the 400 that refuses it."""
    if not isinstance(raw, dict):
        return f"Invalid input JSON: {where} must be an object."
    category = raw.get("associationCategory")
    if category is None:
        return f"Invalid input JSON: {where}.associationCategory is required."
    if category not in CATEGORIES:
        return (
            f"Invalid input JSON: {where}.associationCategory must be one of "
            f"{', '.join(CATEGORIES)}, got {category!r}."
        )
    type_id = raw.get("associationTypeId")
    if isinstance(type_id, str) and type_id.isdigit() and type_id.isascii():
        type_id = int(type_id)
    if isinstance(type_id, bool) or not isinstance(type_id, int):
        return f"Invalid input JSON: {where}.associationTypeId must be a whole number."
    return category, type_id


def read_inputs(call: Call, maximum: int) -> list[TypedInput] | Reply:
    """The checked inputs, or the 400 that refuses the request."""
    refusal = no_inputs(call)
    if refusal is not None:
        return refusal
    raw_inputs: list[_Raw] = call.inputs or []
    if len(raw_inputs) > maximum:
        return call.json(400, too_large_body(len(raw_inputs), maximum, call.correlation_id))
    checked: list[TypedInput] = []
    for index, (f, t, raw_types) in enumerate(raw_inputs):
        if f is None or t is None:
            return required_id(call, index, "from" if f is None else "to")
        if raw_types is None:
            return call.error(
                400,
                f"Invalid input JSON: inputs[{index}].types is required (an array).",
                "VALIDATION_ERROR",
            )
        types: list[tuple[str, int]] = []
        for position, raw in enumerate(raw_types):
            found = _type_of(raw, f"inputs[{index}].types[{position}]")
            if isinstance(found, str):
                return call.error(400, found, "VALIDATION_ERROR")
            types.append(found)
        checked.append((f, t, types))
    return checked
