"""Read HubSpot's answers: classify a response, and map a 2xx body back to the pairs sent.

Pure: no I/O. Outcomes are matched to pairs by the IDs HubSpot names, never by position.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ApiResponse",
    "BatchVerdict",
    "ErrorInfo",
    "Kind",
    "classify",
    "map_success",
    "parse_error",
]

_NUMBER = re.compile(r"(?<![0-9A-Za-z.])[0-9]+(?![0-9A-Za-z]|\.[0-9])")
_SIZE_WORDS = re.compile(r"batch|inputs?|items|size|request", re.IGNORECASE)
_TOO_LARGE = re.compile(
    r"too (?:large|many|big)|exceed|maximum|max(?:imum)? (?:of )?\d+|at most \d+|limit of \d+",
    re.IGNORECASE,
)
_SIZE_LIMIT = re.compile(
    r"(?:maximum(?: batch size)?(?: is| of)?|max(?:imum)?:?|at most|limit(?: is| of)?|up to)"
    r"\s*(\d+)",
    re.IGNORECASE,
)
#: Per-input error categories that a later attempt may get past.
_TRANSIENT_CATEGORIES = frozenset({"RATE_LIMIT", "RATE_LIMITS", "INTERNAL_ERROR", "TIMEOUT"})
_DETAIL_LIMIT = 4000


class Kind(enum.Enum):
    """What a response means for the batch that received it."""

    SUCCESS = "success"  # a 2xx JSON object: map it pair by pair
    RATE_LIMITED = "rate_limited"  # 429 on the rolling window: wait, then send again
    DAILY_LIMIT = "daily_limit"  # 429 DAILY: nothing more succeeds today
    UNAUTHORIZED = "unauthorized"  # 401: stop the run
    FORBIDDEN = "forbidden"  # 403: stop the run
    TOO_LARGE = "too_large"  # 400 about the batch size: shrink and send again
    REJECTED = "rejected"  # 4xx for the whole batch: split to isolate the bad pairs
    FATAL = "fatal"  # the request itself cannot work (unknown object type, wrong URL)
    TRANSIENT = "transient"  # 5xx, network, unreadable body: back off and send again


@dataclass(frozen=True)
class ApiResponse:
    """One HTTP exchange as the rest of the package sees it.

    ``status`` is 0 when no response arrived; ``error`` then says what happened.
    """

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    text: str = ""
    error: str | None = None
    elapsed: float = 0.0

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True)
class ErrorInfo:
    """Why HubSpot (or the network) refused a pair or a batch."""

    category: str | None
    message: str
    http_status: int | None = None
    sub_category: str | None = None
    correlation_id: str | None = None
    detail: str | None = None
    retryable: bool = False


@dataclass
class BatchVerdict:
    """A 2xx body mapped onto the positions of the pairs in the batch."""

    confirmed: dict[int, tuple[int | None, str | None]] = field(default_factory=dict)
    refused: dict[int, ErrorInfo] = field(default_factory=dict)
    unmentioned: list[int] = field(default_factory=list)
    unattributed: list[ErrorInfo] = field(default_factory=list)


def parse_error(obj: Any, *, http_status: int | None = None) -> ErrorInfo:
    """Read a HubSpot StandardError or whole-request error body; every field is optional.

    Examples
    --------
    >>> info = parse_error({"category": "OBJECT_NOT_FOUND", "message": "No contact 5"})
    >>> info.category, info.message, info.retryable
    ('OBJECT_NOT_FOUND', 'No contact 5', False)
    """
    if not isinstance(obj, dict):
        text = str(obj)[:_DETAIL_LIMIT] if obj is not None else ""
        return ErrorInfo(category=None, message=text, http_status=http_status, detail=text)
    category = _text(obj.get("category")) or _text(obj.get("errorType"))
    sub_category = obj.get("subCategory")
    if isinstance(sub_category, dict):
        sub_category = json.dumps(sub_category, sort_keys=True)
    return ErrorInfo(
        category=category,
        message=_text(obj.get("message")) or "",
        http_status=http_status,
        sub_category=_text(sub_category),
        correlation_id=_text(obj.get("correlationId")) or _text(obj.get("id")),
        detail=_dump(obj),
        retryable=category in _TRANSIENT_CATEGORIES,
    )


def classify(response: ApiResponse) -> Kind:
    """Decide what a response means for its batch.

    Examples
    --------
    >>> classify(ApiResponse(status=207, body={"results": []})).name
    'SUCCESS'
    >>> classify(ApiResponse(status=429, body={"policyName": "DAILY"})).name
    'DAILY_LIMIT'
    """
    status, body = response.status, response.body
    if status == 0 or status >= 500 or status == 408:
        return Kind.TRANSIENT
    if 200 <= status < 300:
        return Kind.SUCCESS if isinstance(body, dict) else Kind.TRANSIENT
    if status == 429:
        policy = str(body.get("policyName", "")) if isinstance(body, dict) else ""
        message = str(body.get("message", "")) if isinstance(body, dict) else ""
        if policy.upper() == "DAILY" or "daily limit" in message.lower():
            return Kind.DAILY_LIMIT
        return Kind.RATE_LIMITED
    if status == 401:
        return Kind.UNAUTHORIZED
    if status == 403:
        return Kind.FORBIDDEN
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    category = str(body.get("category", "")) if isinstance(body, dict) else ""
    if status == 400:
        if message.startswith("Unable to infer object type"):
            return Kind.FATAL
        if _TOO_LARGE.search(message) and _SIZE_WORDS.search(message):
            return Kind.TOO_LARGE
        return Kind.REJECTED
    if status in (409, 422) or (status == 404 and category == "OBJECT_NOT_FOUND"):
        return Kind.REJECTED
    return Kind.FATAL


def size_limit_from(message: str, current: int) -> int:
    """The largest batch size a too-large rejection allows, or half the current size.

    Examples
    --------
    >>> size_limit_from("Batch size 150 exceeds the maximum of 100 inputs.", 150)
    100
    >>> size_limit_from("Too many inputs", 100)
    50
    """
    for match in _SIZE_LIMIT.finditer(message):
        limit = int(match.group(1))
        if 0 < limit < current:
            return limit
    return max(1, current // 2)


def retry_after_seconds(response: ApiResponse) -> float | None:
    """The Retry-After header in seconds, when present and readable."""
    value = response.header("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def map_success(
    body: Mapping[str, Any], from_ids: Sequence[str], to_ids: Sequence[str]
) -> BatchVerdict:
    """Map a 2xx body onto the batch's pairs by ID.

    A pair is confirmed when a result names it in either direction; it is refused when an
    error names it (in its context under any key, or in its message) and no result confirms
    it; otherwise it is unmentioned. Errors that name no pair of the batch are kept apart.

    Parameters
    ----------
    body : dict
        The parsed 2xx body.
    from_ids, to_ids : sequence of str
        The pairs as sent, by position in the batch (each pair once).

    Examples
    --------
    >>> body = {"results": [{"from": {"id": "2"}, "to": {"id": "1"}}],
    ...         "errors": [{"category": "OBJECT_NOT_FOUND", "message": "x",
    ...                     "context": {"toObjectId": ["9"]}}]}
    >>> v = map_success(body, ["1", "3"], ["2", "9"])
    >>> sorted(v.confirmed), sorted(v.refused), v.unmentioned
    ([0], [1], [])
    """
    verdict = BatchVerdict()
    results = body.get("results")
    if isinstance(results, list) and results:
        _confirm(results, from_ids, to_ids, verdict.confirmed)
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        _apply_errors(errors, from_ids, to_ids, verdict)
    verdict.unmentioned = [
        i for i in range(len(from_ids)) if i not in verdict.confirmed and i not in verdict.refused
    ]
    return verdict


def _confirm(
    results: list[Any],
    from_ids: Sequence[str],
    to_ids: Sequence[str],
    confirmed: dict[int, tuple[int | None, str | None]],
) -> None:
    """Fill ``confirmed`` from a results list: the hot loop of a run, kept lean.

    The first pass matches from->to listings with string IDs, which is all a usual answer
    needs; a second pass, only when some pair is still open, reads other ID types and
    listings from the other end. A batch holding a pair and its mirror (a->b and b->a) goes
    the careful way, where the type IDs tell a listing from its reverse.
    """
    by_pair = {pair: i for i, pair in enumerate(zip(from_ids, to_ids, strict=True))}
    # mirrors need an ID on both sides; the set test settles the usual case cheaply
    if not set(from_ids).isdisjoint(to_ids) and any(
        (to_id, from_id) in by_pair for from_id, to_id in by_pair
    ):
        found, other_end = _match_with_mirrors(results, by_pair)
    else:
        found, other_end = _match(results, by_pair)
    for position, result in found.items():
        spec = result.get("associationSpec")
        if type(spec) is dict and type(type_id := spec.get("associationTypeId")) is int:
            confirmed[position] = (type_id, spec.get("associationCategory"))
        else:
            confirmed[position] = _spec_of(result)
    # a pair listed only from its other end is confirmed too, its from->to type unknown
    for position, result in other_end.items():
        if position not in confirmed:
            confirmed[position] = (None, _spec_of(result)[1])


def _match(
    results: list[Any], by_pair: dict[tuple[str, str], int]
) -> tuple[dict[int, Any], dict[int, Any]]:
    found: dict[int, Any] = {}
    for result in results:
        try:
            position = by_pair.get((result["from"]["id"], result["to"]["id"]))
        except (KeyError, TypeError):
            continue
        if position is not None:
            found[position] = result
    other_end: dict[int, Any] = {}
    if len(found) < len(by_pair):
        for from_id, to_id, result in _listings(results):
            position = by_pair.get((from_id, to_id))
            if position is not None:
                found.setdefault(position, result)
                continue
            position = by_pair.get((to_id, from_id))
            if position is not None:
                other_end.setdefault(position, result)
    return found, other_end


def _match_with_mirrors(
    results: list[Any], by_pair: dict[tuple[str, str], int]
) -> tuple[dict[int, Any], dict[int, Any]]:
    found: dict[int, Any] = {}
    other_end: dict[int, Any] = {}
    forward_types: set[Any] = set()
    ambiguous: list[tuple[int, int, Any]] = []
    for from_id, to_id, result in _listings(results):
        position = by_pair.get((from_id, to_id))
        mirror = by_pair.get((to_id, from_id))
        if position is not None and mirror is None:
            found.setdefault(position, result)
            forward_types.add(_spec_of(result)[0])
        elif position is None and mirror is not None:
            other_end.setdefault(mirror, result)
        elif position is not None and mirror is not None:
            ambiguous.append((position, mirror, result))
    forward_types.discard(None)
    if not forward_types and ambiguous:
        forward_types = _forward_types_among_mirrors(ambiguous)
        if len(forward_types) > 1:  # confirmed both ways; which type is from->to is unknown
            for position, _, result in ambiguous:
                other_end.setdefault(position, result)
            return found, other_end
    for position, mirror, result in ambiguous:
        type_id = _spec_of(result)[0]
        if type_id is None or not forward_types:
            continue  # cannot tell this listing from its reverse: leave both pairs open
        if type_id in forward_types:
            found.setdefault(position, result)
        else:
            other_end.setdefault(mirror, result)
    return found, other_end


def _forward_types_among_mirrors(ambiguous: list[tuple[int, int, Any]]) -> set[Any]:
    """Which type IDs mean from->to, when every listing names a pair and its mirror.

    One type ID throughout means a symmetric association (or one listing per pair): it is
    the forward one. A pair listed under two type IDs was confirmed in both directions, so
    its from->to listing is among them, and so is its mirror's: then every type is taken.
    Otherwise the listings cannot be told from their reverses and the answer is empty.
    """
    types_by_position: dict[int, set[Any]] = {}
    for position, _, result in ambiguous:
        types_by_position.setdefault(position, set()).add(_spec_of(result)[0])
    every_type = set().union(*types_by_position.values()) - {None}
    if len(every_type) == 1:
        return every_type
    if all(len(types - {None}) >= 2 for types in types_by_position.values()):
        return every_type
    return set()


def _listings(results: list[Any]) -> list[tuple[str, str, Any]]:
    listed = []
    for result in results:
        try:
            listed.append((str(result["from"]["id"]), str(result["to"]["id"]), result))
        except (KeyError, TypeError):
            continue
    return listed


def pairs_named(error: Any, from_ids: Sequence[str], to_ids: Sequence[str]) -> list[int]:
    """Positions of the batch's pairs that an error names.

    Context keys that mention "from" or "to" name that side only; other keys and the message
    name IDs on either side. Naming both ends picks the pairs with both ends named (or, when
    no pair has both, the pairs with either); naming one end picks every pair with that end.
    """
    from_named: set[str] = set()
    to_named: set[str] = set()
    either_named: set[str] = set()
    for key, values in _contexts(error):
        ids = {token for value in values for token in _NUMBER.findall(str(value))}
        lowered = key.lower()
        if "from" in lowered:
            from_named |= ids
        elif lowered.startswith("to") or "_to" in lowered or "toobject" in lowered:
            to_named |= ids
        else:
            either_named |= ids
    if not (from_named or to_named or either_named) and isinstance(error, dict):
        either_named = set(_NUMBER.findall(str(error.get("message", ""))))
    positions = range(len(from_ids))
    if from_named and to_named:
        both = [i for i in positions if from_ids[i] in from_named and to_ids[i] in to_named]
        if both:
            return both
        return [i for i in positions if from_ids[i] in from_named or to_ids[i] in to_named]
    if from_named:
        return [i for i in positions if from_ids[i] in from_named]
    if to_named:
        return [i for i in positions if to_ids[i] in to_named]
    if either_named:
        both = [i for i in positions if from_ids[i] in either_named and to_ids[i] in either_named]
        if both:
            return both
        return [i for i in positions if from_ids[i] in either_named or to_ids[i] in either_named]
    return []


def _apply_errors(
    errors: list[Any], from_ids: Sequence[str], to_ids: Sequence[str], verdict: BatchVerdict
) -> None:
    for error in errors:
        info = parse_error(error)
        named = [i for i in pairs_named(error, from_ids, to_ids) if i not in verdict.confirmed]
        if not named:
            verdict.unattributed.append(info)
        for position in named:
            verdict.refused.setdefault(position, info)


def _contexts(error: Any) -> list[tuple[str, list[Any]]]:
    found: list[tuple[str, list[Any]]] = []
    if not isinstance(error, dict):
        return found
    for holder in [error, *[e for e in error.get("errors") or [] if isinstance(e, dict)]]:
        context = holder.get("context")
        if isinstance(context, dict):
            for key, values in context.items():
                found.append((str(key), values if isinstance(values, list) else [values]))
    return found


def _spec_of(result: Mapping[str, Any]) -> tuple[int | None, str | None]:
    spec = result.get("associationSpec") or result.get("associationTypes")
    if isinstance(spec, list):
        spec = spec[0] if spec else None
    if not isinstance(spec, dict):
        return None, None
    type_id = spec.get("associationTypeId", spec.get("typeId"))
    try:
        number = int(type_id) if type_id is not None else None
    except (TypeError, ValueError):
        number = None
    category = spec.get("associationCategory", spec.get("category"))
    return number, _text(category)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _dump(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, default=str)
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 3] + "..."
