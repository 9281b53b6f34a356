"""``POST .../batch/archive``: remove every association between each pair; the records stay.

Body ``{"inputs": [{"from": {"id": "1"}, "to": [{"id": "2"}, {"id": "3"}]}, ...]}``: each
input groups the to-IDs of one from-ID. Every association between each pair goes, in both
directions and whatever its labels. Removing a pair that is not associated is a silent no-op.

At most ``max_archive_batch_size`` pairs per request (counted over every to-ID of every input;
HubSpot publishes no cap for archive, so the sandbox uses the create family's 2,000): a 400
beyond. Malformed IDs and missing records are per-input errors as for associate/default (or one
400 for missing records with ``missing_ids="batch_400"``).

Answers (see :func:`~.batch.removal_reply`): 2026-03 200 with ``{"status": "COMPLETE",
"results": [], ...}`` plus ``errors``; v4 204 with no body.
"""

from __future__ import annotations

from typing import Any

from ..bodies import iso_now, too_large_body
from ..call import Call, Endpoint, Reply
from .batch import (
    id_text,
    judge_pairs,
    missing_batch_400,
    no_inputs,
    removal_reply,
    required_id,
    v4_refusal,
)

__all__ = ["ENDPOINT"]

#: One parsed input: the from-ID text and the to-ID texts (None where absent or not a list).
_Input = tuple[str | None, list[str | None] | None]


def parse(payload: Any) -> list[_Input] | None:
    """Each input as ``(from id, [to ids])`` (None where absent), or None without a list."""
    if not isinstance(payload, dict):
        return None
    inputs = payload.get("inputs")
    if not isinstance(inputs, list):
        return None
    parsed: list[_Input] = []
    for item in inputs:
        if not isinstance(item, dict):
            parsed.append((None, None))
            continue
        targets = item.get("to")
        to_ids = [id_text(t) for t in targets] if isinstance(targets, list) else None
        parsed.append((id_text(item.get("from")), to_ids))
    return parsed


def size(inputs: list[_Input]) -> int:
    """Pairs in a request: every to-ID of every input (an input without a list counts 1)."""
    return sum(1 if to_ids is None else len(to_ids) for _, to_ids in inputs)


def _pairs(call: Call) -> list[tuple[str, str]] | Reply:
    refusal = no_inputs(call)
    if refusal is not None:
        return refusal
    inputs: list[_Input] = call.inputs or []
    maximum = call.portal.options.max_archive_batch_size
    count = size(inputs)
    if count > maximum:
        return call.json(400, too_large_body(count, maximum, call.correlation_id))
    pairs: list[tuple[str, str]] = []
    for index, (f, to_ids) in enumerate(inputs):
        if f is None:
            return required_id(call, index, "from")
        if to_ids is None:
            return call.error(
                400,
                f'Invalid input JSON: inputs[{index}].to must be an array of {{"id": ...}} '
                "objects.",
                "VALIDATION_ERROR",
            )
        for t in to_ids:
            if t is None:
                return required_id(call, index, "to")
            pairs.append((f, t))
    return pairs


def handle(call: Call) -> Reply:
    """Remove every association of each valid, existing pair."""
    pairs = _pairs(call)
    if isinstance(pairs, Reply):
        return pairs
    portal = call.portal
    from_type, to_type = call.types
    with portal.lock:
        verdicts = judge_pairs(call, pairs, silent=False)
        if verdicts.missing and portal.options.missing_ids == "batch_400":
            return missing_batch_400(call, verdicts)
        refusal = v4_refusal(call, verdicts)
        if refusal is not None:
            return refusal
        started_at = iso_now()
        remove = portal.store.remove_pair
        for f, t in verdicts.ok:
            remove(from_type, to_type, f, t)
    return removal_reply(call, verdicts, started_at)


ENDPOINT = Endpoint(
    name="archive",
    method="POST",
    access="write",
    meter="associations",
    parse=parse,
    size=size,
    handle=handle,
    success_status=lambda call: 204 if call.v4 else 200,
    cap_option="max_archive_batch_size",
)
