"""``POST .../batch/create``: associations with the named types (labels) for each pair.

Body ``{"inputs": [{"from": {"id"}, "to": {"id"}, "types": [{"associationCategory":
"USER_DEFINED", "associationTypeId": 28}]}]}``, at most ``max_batch_size`` inputs. Each type
must name a definition of the from -> to direction by category and type ID together (see
:mod:`~hubassoc_pandas.sandbox.labels`). Each input, in turn:

- a malformed ID or a missing record: per-input errors as for associate/default (or one 400
  for missing records with ``missing_ids="batch_400"``); ``silent_pairs`` stay silent;
- ``types: []``: nothing is created and nothing is said (the answer stays 2xx);
- a type no definition matches: a per-input VALIDATION_ERROR,
  ``crm.associations.INVALID_ASSOCIATION_TYPE``, "USER_DEFINED=3 is not a valid association
  definition id" (one 400 for the whole batch with ``unknown_types="batch_400"``); nothing of
  that input is stored;
- over a label's limit (``label_limits`` or ``define_label(limit=...)``, per direction: a
  from-record may hold that label with at most N records, a to-record the reverse label with
  at most N) or over ``association_limits``: a per-input VALIDATION_ERROR,
  ``crm.associations.ASSOCIATION_LIMIT_EXCEEDED``, nothing stored;
- otherwise the types are added to the pair (create is additive: labels already held stay),
  with the unlabelled default, which a labelled association implies; the other direction gets
  each type's counterpart. A single-valued type (Primary, Parent company) moves: the
  from-record's old holder of it loses it; written from the other side (company -> contact
  Primary), the to-record's old holder of it does.

Results, one per created input (and its mirror with ``results_direction="both"``), in a seeded
random order: ``{"fromObjectTypeId": "0-1", "fromObjectId": 1, "toObjectTypeId": "0-2",
"toObjectId": 2, "labels": [...]}`` naming every label the pair now holds in that direction,
IDs as JSON numbers (strings with ``create_result_ids="string"``). Answers ``create_status``
(201, or 200) without per-input errors, ``create_partial_status`` (207, or 200/201) with some.
"""

from __future__ import annotations

import json
from typing import Any

from ..bodies import iso_now
from ..call import Call, Endpoint, Reply
from ..labels import Definition
from . import typed
from .batch import (
    Problem,
    batch_reply,
    error_list,
    is_id,
    judge_pairs,
    missing_batch_400,
    missing_problems,
)

__all__ = ["ENDPOINT"]

_LIMIT = "crm.associations.ASSOCIATION_LIMIT_EXCEEDED"


def handle(call: Call) -> Reply:
    """Add the named types to each valid pair; answer results and errors."""
    portal = call.portal
    options = portal.options
    inputs = typed.read_inputs(call, options.max_batch_size)
    if isinstance(inputs, Reply):
        return inputs
    with portal.lock:
        verdicts = judge_pairs(call, [(f, t) for f, t, _ in inputs], dedupe=False)
        if verdicts.missing and options.missing_ids == "batch_400":
            return missing_batch_400(call, verdicts)
        started_at = iso_now()
        valid = set(verdicts.ok)
        resolved = _definitions(call, inputs, valid, verdicts.problems)
        if isinstance(resolved, Reply):
            return resolved
        results: list[str] = []
        for key, definitions in resolved:
            problem = _over_limit(call, key, definitions)
            if problem is not None:
                verdicts.problems.append(problem)
                continue
            _store(call, key, definitions)
            results += _results(call, key)
        missing_problems(call, verdicts)
        portal.rng.shuffle(results)
    errors = error_list(call, verdicts.problems)
    return batch_reply(
        call, results, errors, options.create_status, options.create_partial_status, started_at
    )


def _definitions(
    call: Call,
    inputs: list[typed.TypedInput],
    valid: set[tuple[int, int]],
    problems: list[Problem],
) -> list[tuple[tuple[int, int], list[Definition]]] | Reply:
    """Each valid input's pair and definitions; unknown types become problems (or a 400)."""
    from_type, to_type = call.types
    definitions = call.portal.definitions
    resolved: list[tuple[tuple[int, int], list[Definition]]] = []
    for f, t, types in inputs:
        if not (is_id(f) and is_id(t)) or (int(f), int(t)) not in valid or not types:
            continue
        found = [definitions.get(from_type, to_type, c, n) for c, n in types]
        unknown = [f"{c}={n}" for (c, n), d in zip(types, found, strict=True) if d is None]
        if unknown:
            message = " ".join(
                f"{name} is not a valid association definition id" for name in unknown
            )
            if call.portal.options.unknown_types == "batch_400":
                return call.error(
                    400,
                    message,
                    "VALIDATION_ERROR",
                    subCategory="crm.associations.INVALID_ASSOCIATION_TYPE",
                )
            problems.append(
                Problem(
                    "unknown_type",
                    f,
                    t,
                    ("from", "to"),
                    "VALIDATION_ERROR",
                    message,
                    "crm.associations.INVALID_ASSOCIATION_TYPE",
                )
            )
            continue
        resolved.append(((int(f), int(t)), [d for d in found if d is not None]))
    return resolved


def _limit_of(call: Call, from_type: str, to_type: str, definition: Definition) -> int | None:
    limits = call.portal.label_limits
    for key in (definition.type_id, (definition.label or "").strip().casefold()):
        configured = limits.get((from_type, to_type, key))
        if configured is not None:
            return configured
    return definition.limit


def _over_limit(call: Call, key: tuple[int, int], definitions: list[Definition]) -> Problem | None:
    """The problem when adding these types to the pair would break a limit, else None."""
    portal = call.portal
    store = portal.store
    from_type, to_type = call.types
    f, t = key
    names = portal.types
    pair_limit = portal.limits.get((from_type, to_type))
    if pair_limit is not None:
        existing = store.targets(from_type, to_type, f)
        if (existing is None or t not in existing) and len(existing or ()) >= pair_limit:
            return _limit_problem(call, key, f"{pair_limit} associations to {to_type}")
    for definition in definitions:
        if definition.single:
            continue
        mirror = portal.definitions.get(
            to_type, from_type, definition.category, definition.reverse_id
        )
        checks = ((from_type, to_type, f, t, definition), (to_type, from_type, t, f, mirror))
        for a, b, holder, other, found in checks:
            limit = None if found is None else _limit_of(call, a, b, found)
            if limit is None or found is None:
                continue
            held = store.targets_with_types(a, b, holder)
            type_id = found.type_id
            count = sum(1 for o, types in held.items() if type_id in types and o != other)
            if count >= limit:
                what = f"{limit} '{found.label}' associations to {b}"
                return _limit_problem(call, key, what, holder=f"{names.singular(a)} {holder}")
    return None


def _limit_problem(
    call: Call, key: tuple[int, int], what: str, holder: str | None = None
) -> Problem:
    from_type, to_type = call.types
    names = call.portal.types
    f, t = key
    holder = holder or f"{names.singular(from_type)} {f}"
    message = (
        f"Association limit exceeded: {holder} already has the maximum of {what}; "
        f"{names.singular(from_type)} {f} not associated with {names.singular(to_type)} {t}."
    )
    return Problem("limit", str(f), str(t), ("from", "to"), "VALIDATION_ERROR", message, _LIMIT)


def _store(call: Call, key: tuple[int, int], definitions: list[Definition]) -> None:
    """Add the types (and the default) to the pair; move single-valued ones."""
    portal = call.portal
    store = portal.store
    from_type, to_type = call.types
    f, t = key
    for definition in definitions:
        mirror = portal.definitions.get(
            to_type, from_type, definition.category, definition.reverse_id
        )
        # (side, the record holding one, the record it keeps, its type, the reverse type)
        sides = [(from_type, to_type, f, t, definition, definition.reverse_id)]
        if mirror is not None and mirror is not definition:
            # written from the other side (company -> contact Primary): the to-record holds one
            sides.append((to_type, from_type, t, f, mirror, definition.type_id))
        for a, b, holder, kept, single, reverse_id in sides:
            if not single.single:
                continue
            for other, types in list(store.targets_with_types(a, b, holder).items()):
                if other != kept and single.type_id in types:
                    store.remove(a, b, holder, other, (single.type_id,), (reverse_id,))
    forward = {d.type_id for d in definitions}
    reverse = {d.reverse_id for d in definitions}
    default = portal.definitions.default(from_type, to_type)
    if default is not None:
        forward.add(default.type_id)
        reverse.add(default.reverse_id)
    store.add(from_type, to_type, f, t, forward, reverse)


def _results(call: Call, key: tuple[int, int]) -> list[str]:
    """Encoded results for one created pair (and its mirror when both are listed)."""
    portal = call.portal
    from_type, to_type = call.types
    f, t = key
    sides = [(from_type, to_type, f, t)]
    if portal.options.results_direction == "both":
        sides.append((to_type, from_type, t, f))
    as_text = portal.options.create_result_ids == "string"
    results = []
    for a, b, x, y in sides:
        labels = portal.definitions.names(a, b, portal.store.types(a, b, x, y))
        result: dict[str, Any] = {
            "fromObjectTypeId": portal.types.type_id(a),
            "fromObjectId": str(x) if as_text else x,
            "toObjectTypeId": portal.types.type_id(b),
            "toObjectId": str(y) if as_text else y,
            "labels": labels,
        }
        results.append(json.dumps(result, separators=(",", ":")))
    return results


ENDPOINT = Endpoint(
    name="create",
    method="POST",
    access="write",
    meter="associations",
    parse=typed.parse,
    size=len,
    handle=handle,
    success_status=lambda call: call.portal.options.create_status,
    cap_option="max_batch_size",
    sent_pairs=lambda inputs: [(f, t) for f, t, _ in inputs],
)
