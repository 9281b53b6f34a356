"""What the batch association endpoints share: reading IDs, judging pairs, per-input errors,
and the batch answer's envelope.

A per-input failure is a :class:`Problem`; :func:`error_list` turns problems into HubSpot's
StandardErrors, naming the failing IDs in ``context`` as the ``error_context`` option says
(``{"fromObjectId": [...], "toObjectId": [...]}``, ``{"ids": [...]}`` or only in the message)
and merging errors of one kind when ``group_errors`` is on.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from ..bodies import iso_now
from ..call import Call, Reply

__all__ = [
    "Problem",
    "Verdicts",
    "batch_reply",
    "error_list",
    "id_text",
    "is_id",
    "judge_pairs",
    "missing_batch_400",
    "missing_problems",
    "no_inputs",
    "removal_reply",
    "required_id",
    "scramble",
    "v4_refusal",
]


def id_text(value: Any) -> str | None:
    """The ID of one side of an input (``{"id": ...}``) as text, or None when it is absent."""
    if value.__class__ is not dict:
        return None
    value = value.get("id")
    if value.__class__ is str:
        return value
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def is_id(text: str) -> bool:
    """Whether ``text`` is an object ID: 1 to 19 ASCII digits."""
    return text.isdigit() and text.isascii() and len(text) < 20


@dataclass(frozen=True)
class Problem:
    """One input's failure.

    ``kind`` groups errors (with ``sides``, the failing sides: ``"from"``, ``"to"``);
    ``category``, ``sub_category`` and ``message`` are what the error says.
    """

    kind: str
    from_id: str
    to_id: str
    sides: tuple[str, ...]
    category: str
    message: str
    sub_category: str | None = None


@dataclass
class Verdicts:
    """Pairs of one batch sorted by what happens to them."""

    ok: list[tuple[int, int]]
    problems: list[Problem]
    missing: list[tuple[str, str, tuple[str, ...]]]


def judge_pairs(
    call: Call, pairs: list[tuple[str, str]], *, silent: bool = True, dedupe: bool = True
) -> Verdicts:
    """Sort ``(from, to)`` texts into valid existing pairs, malformed IDs and missing records.

    Call under the portal's lock. ``silent`` drops the ``silent_pairs`` quietly; ``dedupe``
    keeps the first of repeated pairs.
    """
    portal = call.portal
    from_type, to_type = call.types
    from_has = portal.record_exists(from_type)
    to_has = portal.record_exists(to_type)
    quiet = portal.silent if silent else set()
    names = {"from": portal.types.singular(from_type), "to": portal.types.singular(to_type)}
    verdicts = Verdicts([], [], [])
    seen: set[tuple[int, int]] = set()
    ok = verdicts.ok
    for f, t in pairs:
        # is_id, inlined: this loop is the hot path of a busy sandbox.
        f_ok = f.isdigit() and f.isascii() and len(f) < 20
        t_ok = t.isdigit() and t.isascii() and len(t) < 20
        if not (f_ok and t_ok):
            bad = ("from",) if t_ok else ("to",) if f_ok else ("from", "to")
            ids = {"from": f, "to": t}
            message = " ".join(
                f"Invalid {names[s]} ID '{ids[s]}': IDs must be positive whole numbers."
                for s in bad
            )
            verdicts.problems.append(
                Problem(
                    "invalid",
                    f,
                    t,
                    bad,
                    "VALIDATION_ERROR",
                    message,
                    "crm.associations.INVALID_IDENTIFIER",
                )
            )
            continue
        key = (int(f), int(t))
        if key in quiet:
            continue
        f_in = from_has(key[0])
        t_in = to_has(key[1])
        if not (f_in and t_in):
            absent = ("to",) if f_in else ("from",) if t_in else ("from", "to")
            verdicts.missing.append((str(key[0]), str(key[1]), absent))
            continue
        if not dedupe:
            ok.append(key)
        elif key not in seen:
            seen.add(key)
            ok.append(key)
    return verdicts


def scramble(items: list[str], rng: random.Random) -> list[str]:
    """``items`` in a seeded, unsorted order, cheaply (results come "in any order").

    A rotation read with a random stride: slicing runs at C speed, where a full shuffle of
    4,000 results costs a busy sandbox milliseconds per request.
    """
    if len(items) < 2:
        return items
    stride = rng.randint(2, 7)
    start = rng.randrange(len(items))
    rotated = items[start:] + items[:start]
    order: list[str] = []
    for offset in range(stride):
        order += rotated[offset::stride]
    return order[::-1] if rng.random() < 0.5 else order


def missing_problems(call: Call, verdicts: Verdicts) -> None:
    """Turn missing records into per-input OBJECT_NOT_FOUND problems."""
    from_type, to_type = call.types
    types = call.portal.types
    names = {"from": types.singular(from_type), "to": types.singular(to_type)}
    for f, t, sides in verdicts.missing:
        ids = {"from": f, "to": t}
        message = " ".join(f"No {names[s]} with ID {ids[s]} exists." for s in sides)
        verdicts.problems.append(Problem("missing", f, t, sides, "OBJECT_NOT_FOUND", message))


def _context(style: str, problem: Problem) -> dict[str, list[str]] | None:
    if style == "message":
        return None
    ids = {"from": problem.from_id, "to": problem.to_id}
    if style == "ids":
        return {"ids": [ids[side] for side in problem.sides]}
    context: dict[str, list[str]] = {}
    if "from" in problem.sides:
        context["fromObjectId"] = [problem.from_id]
    if "to" in problem.sides:
        context["toObjectId"] = [problem.to_id]
    return context


def error_list(call: Call, problems: list[Problem]) -> list[dict[str, Any]]:
    """StandardErrors for per-input problems, as the portal's options shape them."""
    options = call.portal.options
    errors: list[dict[str, Any]] = []
    groups: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
    for problem in problems:
        error: dict[str, Any] = {"status": "error", "category": problem.category}
        if problem.sub_category is not None:
            error["subCategory"] = problem.sub_category
        error["message"] = problem.message
        context = _context(options.error_context, problem)
        if context is not None:
            error["context"] = context
        if options.group_errors:
            group = groups.get((problem.kind, problem.sides))
            if group is not None:
                group["message"] += " " + error["message"]
                for key, values in (context or {}).items():
                    group["context"][key] = list(dict.fromkeys(group["context"][key] + values))
                continue
            groups[(problem.kind, problem.sides)] = error
        errors.append(error)
    return errors


def missing_batch_400(call: Call, verdicts: Verdicts) -> Reply:
    """The whole-batch 400 naming missing records (``missing_ids="batch_400"``)."""
    options = call.portal.options
    from_type, to_type = call.types
    missing = verdicts.missing
    missing_from = list(dict.fromkeys(f for f, _, sides in missing if "from" in sides))
    missing_to = list(dict.fromkeys(t for _, t, sides in missing if "to" in sides))
    if not options.batch_400_names_ids:
        return call.error(400, "One or more object IDs do not exist.", options.batch_400_category)
    parts = []
    if missing_from:
        parts.append(f"{from_type} {', '.join(missing_from)}")
    if missing_to:
        parts.append(f"{to_type} {', '.join(missing_to)}")
    message = f"One or more object IDs do not exist: {'; '.join(parts)}."
    extra: dict[str, Any] = {}
    if options.error_context == "ids":
        extra["context"] = {"ids": missing_from + missing_to}
    elif options.error_context == "from_to":
        context = {}
        if missing_from:
            context["fromObjectId"] = missing_from
        if missing_to:
            context["toObjectId"] = missing_to
        extra["context"] = context
    return call.error(400, message, options.batch_400_category, **extra)


def no_inputs(call: Call) -> Reply | None:
    """The 400 for a body that is not JSON or has no ``inputs`` list, else None."""
    if call.parse_error is not None:
        return call.error(400, f"Invalid JSON input: {call.parse_error}", "VALIDATION_ERROR")
    if call.inputs is None:
        return call.error(
            400,
            "Invalid input JSON: the body must be an object with an 'inputs' array.",
            "VALIDATION_ERROR",
        )
    return None


def required_id(call: Call, index: int, side: str) -> Reply:
    """The 400 for an input without an ID on one side."""
    return call.error(
        400, f"Invalid input JSON: inputs[{index}].{side}.id is required.", "VALIDATION_ERROR"
    )


def batch_reply(
    call: Call,
    results: list[str],
    errors: list[dict[str, Any]],
    status: int,
    partial_status: int,
    started_at: str,
) -> Reply:
    """The batch envelope around JSON-encoded ``results`` and per-input ``errors``.

    Results come encoded already: writing them as text is the hot path of a busy sandbox.
    """
    optional = call.portal.options.optional_batch_fields
    parts = ['{"status":"COMPLETE","results":[', ",".join(results), "]"]
    if errors:
        parts += [',"errors":', json.dumps(errors, separators=(",", ":"))]
        parts += [',"numErrors":', str(len(errors))]
    if optional:
        parts.append(f',"requestedAt":"{call.requested_at}"')
    parts.append(f',"startedAt":"{started_at}","completedAt":"{iso_now()}"')
    if optional:
        parts.append(',"links":{}')
    parts.append("}")
    return call.encoded(partial_status if errors else status, "".join(parts).encode())


def v4_refusal(call: Call, verdicts: Verdicts) -> Reply | None:
    """v4 removal's whole-request 400 for malformed IDs (a 204 has nowhere to name them)."""
    invalid = [p for p in verdicts.problems if p.kind == "invalid"]
    if not call.v4 or not invalid:
        return None
    ids = {"from": "from_id", "to": "to_id"}
    named = list(dict.fromkeys(getattr(p, ids[side]) for p in invalid for side in p.sides))
    return call.error(
        400,
        f"Invalid object IDs: {', '.join(named)}. IDs must be positive whole numbers.",
        "VALIDATION_ERROR",
        subCategory="crm.associations.INVALID_IDENTIFIER",
        context={"ids": named},
    )


def removal_reply(call: Call, verdicts: Verdicts, started_at: str) -> Reply:
    """The answer of the removal endpoints.

    2026-03: 200 with ``{"status": "COMPLETE", "results": []}`` plus per-input ``errors`` for
    malformed IDs and missing records (answered 207 when ``partial_status`` is 207, else 200).
    v4: 204 with no body (malformed IDs were refused first by :func:`v4_refusal`).
    """
    if call.v4:
        return call.empty(204)
    missing_problems(call, verdicts)
    partial = 207 if call.portal.options.partial_status == 207 else 200
    return batch_reply(call, [], error_list(call, verdicts.problems), 200, partial, started_at)
