"""``POST .../batch/labels/archive``: remove only the named association types of each pair.

Body: the ``batch/create`` shape, ``{"inputs": [{"from": {"id"}, "to": {"id"}, "types":
[{"associationCategory", "associationTypeId"}]}]}``. Each type names a definition of the
from -> to direction by category and type ID together; it is removed from the pair in that
direction, and its counterpart in the other. The pair stays associated with whatever else it
holds. Removing the unlabelled default type removes every label too (the whole association).
A type no definition matches (a wrong category, an unknown ID) silently removes nothing, as
does a pair that is not associated.

At most ``max_archive_batch_size`` inputs. Malformed IDs and missing records are per-input
errors as for associate/default. Answers as ``batch/archive`` does: 2026-03 200 with
``{"status": "COMPLETE", "results": [], ...}``, v4 204 with no body.
"""

from __future__ import annotations

from ..bodies import iso_now
from ..call import Call, Endpoint, Reply
from . import typed
from .batch import is_id, judge_pairs, missing_batch_400, removal_reply, v4_refusal

__all__ = ["ENDPOINT"]


def handle(call: Call) -> Reply:
    """Remove the named types of each valid, existing pair."""
    portal = call.portal
    inputs = typed.read_inputs(call, portal.options.max_archive_batch_size)
    if isinstance(inputs, Reply):
        return inputs
    from_type, to_type = call.types
    with portal.lock:
        verdicts = judge_pairs(call, [(f, t) for f, t, _ in inputs], silent=False, dedupe=False)
        if verdicts.missing and portal.options.missing_ids == "batch_400":
            return missing_batch_400(call, verdicts)
        refusal = v4_refusal(call, verdicts)
        if refusal is not None:
            return refusal
        started_at = iso_now()
        valid = set(verdicts.ok)
        definitions = portal.definitions
        default = definitions.default(from_type, to_type)
        store = portal.store
        for f, t, types in inputs:
            if not (is_id(f) and is_id(t)) or (int(f), int(t)) not in valid:
                continue
            key = (int(f), int(t))
            for category, type_id in types:
                found = definitions.get(from_type, to_type, category, type_id)
                if found is None:
                    continue
                if found == default:
                    store.remove_pair(from_type, to_type, *key)
                    break
                store.remove(from_type, to_type, *key, (found.type_id,), (found.reverse_id,))
    return removal_reply(call, verdicts, started_at)


ENDPOINT = Endpoint(
    name="labels_archive",
    method="POST",
    access="write",
    meter="associations",
    parse=typed.parse,
    size=len,
    handle=handle,
    success_status=lambda call: 204 if call.v4 else 200,
    cap_option="max_archive_batch_size",
)
