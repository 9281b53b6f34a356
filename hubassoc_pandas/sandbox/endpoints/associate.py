"""``POST .../batch/associate/default``: the default (unlabelled) association of each pair.

Body ``{"inputs": [{"from": {"id": "1"}, "to": {"id": "2"}}, ...]}``, at most
``max_batch_size`` inputs (a 400 beyond). Each input is judged in turn:

- a malformed ID: per-input VALIDATION_ERROR, ``crm.associations.INVALID_IDENTIFIER``;
- a pair in ``silent_pairs``: neither confirmed nor refused, not stored;
- a missing record: per-input OBJECT_NOT_FOUND (or, with ``missing_ids="batch_400"``, one 400
  for the whole batch naming every missing ID);
- a pair of types with no default association: per-input VALIDATION_ERROR,
  ``crm.associations.INVALID_ASSOCIATION_TYPE``;
- over ``association_limits``: per-input VALIDATION_ERROR,
  ``crm.associations.ASSOCIATION_LIMIT_EXCEEDED``, not stored;
- otherwise stored (re-sending a stored pair is a no-op) and listed in ``results`` with its
  default type ID, once or in both directions (``results_direction``), in a seeded random
  order.

Answers ``success_status`` without per-input errors, ``partial_status`` with some.
"""

from __future__ import annotations

from typing import Any

from ..bodies import iso_now, too_large_body
from ..call import Call, Endpoint, Reply
from .batch import (
    Problem,
    Verdicts,
    batch_reply,
    error_list,
    id_text,
    judge_pairs,
    missing_batch_400,
    missing_problems,
    no_inputs,
    required_id,
    scramble,
)

__all__ = ["ENDPOINT"]

_Texts = list[tuple[str | None, str | None]]

_TAIL = '"},"associationSpec":{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":%d}}'


def parse(payload: Any) -> _Texts | None:
    """``(from id, to id)`` of each input as text (None where absent), or None without a list."""
    if not isinstance(payload, dict):
        return None
    inputs = payload.get("inputs")
    if not isinstance(inputs, list):
        return None
    texts: _Texts = []
    append = texts.append
    for item in inputs:
        if item.__class__ is not dict:
            append((None, None))
            continue
        # The common case, {"id": "<text>"} on both sides, without a call per side.
        f, t = item.get("from"), item.get("to")
        f = f.get("id") if f.__class__ is dict else None
        t = t.get("id") if t.__class__ is dict else None
        if f.__class__ is not str and f is not None:
            f = id_text({"id": f})
        if t.__class__ is not str and t is not None:
            t = id_text({"id": t})
        append((f, t))
    return texts


def sent_pairs(inputs: _Texts) -> _Texts:
    """Each input's ``(from, to)`` as text, for the traffic counters (the parsed inputs)."""
    return inputs


def _pairs(call: Call) -> list[tuple[str, str]] | Reply:
    """The inputs as ``(from, to)`` texts, or the 400 that refuses the body."""
    refusal = no_inputs(call)
    if refusal is not None:
        return refusal
    inputs = call.inputs
    assert inputs is not None
    maximum = call.portal.options.max_batch_size
    if len(inputs) > maximum:
        return call.json(400, too_large_body(len(inputs), maximum, call.correlation_id))
    for index, (f, t) in enumerate(inputs):
        if f is None or t is None:
            return required_id(call, index, "from" if f is None else "to")
    return inputs


def handle(call: Call) -> Reply:
    """Store the default association of each valid pair; answer results and errors."""
    pairs = _pairs(call)
    if isinstance(pairs, Reply):
        return pairs
    portal = call.portal
    options = portal.options
    with portal.lock:
        verdicts = judge_pairs(call, pairs)
        if verdicts.missing and options.missing_ids == "batch_400":
            return missing_batch_400(call, verdicts)
        started_at = iso_now()
        defaults = _default_ids(call)
        if defaults is None:
            _no_default(call, verdicts)
        else:
            _store(call, verdicts, defaults)
        missing_problems(call, verdicts)
        results = [] if defaults is None else _results(call, verdicts.ok, defaults)
    errors = error_list(call, verdicts.problems)
    return batch_reply(
        call, results, errors, options.success_status, options.partial_status, started_at
    )


def _default_ids(call: Call) -> tuple[int, int] | None:
    """The default type IDs ``(from -> to, to -> from)``, or None when the pair has none."""
    from_type, to_type = call.types
    definitions = call.portal.definitions
    forward = definitions.default_id(from_type, to_type)
    reverse = definitions.default_id(to_type, from_type)
    return None if forward is None or reverse is None else (forward, reverse)


def _results(call: Call, ok: list[tuple[int, int]], defaults: tuple[int, int]) -> list[str]:
    """Encoded results for the stored pairs, in a seeded random order (call under the lock)."""
    tail = _TAIL % defaults[0]
    results = [f'{{"from":{{"id":"{f}"}},"to":{{"id":"{t}{tail}' for f, t in ok]
    if call.portal.options.results_direction == "both":
        tail = _TAIL % defaults[1]
        results += [f'{{"from":{{"id":"{t}"}},"to":{{"id":"{f}{tail}' for f, t in ok]
    return scramble(results, call.portal.rng)


def _no_default(call: Call, verdicts: Verdicts) -> None:
    """Refuse every valid pair of a pair of types that has no default association."""
    from_type, to_type = call.types
    types = call.portal.types
    message = (
        f"No default association type is defined from {types.singular(from_type)} "
        f"to {types.singular(to_type)}."
    )
    for f, t in verdicts.ok:
        verdicts.problems.append(
            Problem(
                "no_default",
                str(f),
                str(t),
                ("from", "to"),
                "VALIDATION_ERROR",
                message,
                "crm.associations.INVALID_ASSOCIATION_TYPE",
            )
        )
    verdicts.ok = []


def _store(call: Call, verdicts: Verdicts, defaults: tuple[int, int]) -> None:
    """Store the valid pairs, turning those over the association limit into problems."""
    from_type, to_type = call.types
    portal = call.portal
    store = portal.store
    limit = portal.limits.get((from_type, to_type))
    if limit is None:
        store.add_default(from_type, to_type, verdicts.ok, *defaults)
        return
    names = portal.types
    kept = []
    for f, t in verdicts.ok:
        existing = store.targets(from_type, to_type, f)
        if (existing is None or t not in existing) and len(existing or ()) >= limit:
            message = (
                f"Association limit exceeded: {names.singular(from_type)} {f} already has the "
                f"maximum of {limit} associations to {to_type}; not associated with "
                f"{names.singular(to_type)} {t}."
            )
            verdicts.problems.append(
                Problem(
                    "limit",
                    str(f),
                    str(t),
                    ("from", "to"),
                    "VALIDATION_ERROR",
                    message,
                    "crm.associations.ASSOCIATION_LIMIT_EXCEEDED",
                )
            )
            continue
        kept.append((f, t))
        store.add_default(from_type, to_type, [(f, t)], *defaults)
    verdicts.ok = kept


def preview(call: Call) -> dict[str, Any]:
    """A success body listing the first 50 inputs, storing nothing (``truncated`` fault)."""
    portal = call.portal
    from_type, to_type = (portal.types.resolve(name) or name for name in call.route.types)
    with portal.lock:
        type_id = portal.definitions.default_id(from_type, to_type) or 0
    spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}
    results = [
        {"from": {"id": str(f)}, "to": {"id": str(t)}, "associationSpec": spec}
        for f, t in (call.inputs or [])[:50]
    ]
    return {"status": "COMPLETE", "results": results, "errors": [], "completedAt": iso_now()}


ENDPOINT = Endpoint(
    name="associate_default",
    method="POST",
    access="write",
    meter="associations",
    parse=parse,
    size=len,
    handle=handle,
    success_status=lambda call: call.portal.options.success_status,
    cap_option="max_batch_size",
    preview=preview,
    sent_pairs=sent_pairs,
)
