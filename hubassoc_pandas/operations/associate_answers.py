"""Map an associate-default 2xx answer back onto the pairs sent, by ID. Pure: no I/O.

Outcomes are matched to pairs by the IDs HubSpot names, never by position; a pair may be
listed once per direction, and errors name their pairs only through context keys or words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hubassoc_pandas.operations.base import Coded, Decoded
from hubassoc_pandas.operations.named_ids import pairs_named
from hubassoc_pandas.operations.pair_wire import PairBatch, PairListings
from hubassoc_pandas.transport.responses import ErrorInfo, parse_error, text_or_none

__all__ = ["BatchVerdict", "decode_listings", "map_success", "spec_of"]


@dataclass
class BatchVerdict:
    """A 2xx body mapped onto the positions of the pairs in the batch."""

    confirmed: dict[int, tuple[int | None, str | None]] = field(default_factory=dict)
    refused: dict[int, ErrorInfo] = field(default_factory=dict)
    unmentioned: list[int] = field(default_factory=list)
    unattributed: list[ErrorInfo] = field(default_factory=list)


def map_success(
    body: Mapping[str, Any],
    from_ids: Sequence[str],
    to_ids: Sequence[str],
    sides: tuple[str, str] | None = None,
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
    sides : (str, str), optional
        The batch's from- and to-types: an error tying an ID to one of them names that side
        only (see :func:`~hubassoc_pandas.operations.named_ids.pairs_named`).

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
    if isinstance(results, PairListings) and results:
        _confirm_read(results, from_ids, to_ids, verdict.confirmed)
    elif isinstance(results, list) and results:
        _confirm(results, from_ids, to_ids, verdict.confirmed)
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        _apply_errors(errors, from_ids, to_ids, verdict, sides)
    confirmed, refused = verdict.confirmed, verdict.refused
    if len(confirmed) + len(refused) < len(from_ids):
        verdict.unmentioned = [
            i for i in range(len(from_ids)) if i not in confirmed and i not in refused
        ]
    return verdict


def _has_mirrors(from_ids: Sequence[str], to_ids: Sequence[str]) -> bool:
    """Whether the batch holds a pair and its mirror (a->b and b->a)."""
    # mirrors need an ID on both sides; the set test settles the usual case cheaply
    if set(from_ids).isdisjoint(to_ids):
        return False
    by_pair = set(zip(from_ids, to_ids, strict=True))
    return any((to_id, from_id) in by_pair for from_id, to_id in by_pair)


def _confirm_read(
    listings: PairListings,
    from_ids: Sequence[str],
    to_ids: Sequence[str],
    confirmed: dict[int, tuple[int | None, str | None]],
) -> None:
    """Fill ``confirmed`` from results the batch's reader already matched to its pairs.

    Gives what :func:`_confirm` gives for the same entries read as dicts; listings naming a
    pair and its mirror go through :func:`_confirm`, which tells a listing from its reverse.
    """
    if listings.mirrored:
        _confirm(listings.as_dicts(), from_ids, to_ids, confirmed)
        return
    confirmed.update(listings.forward)
    for position, category in listings.reverse.items():
        if position not in confirmed:
            confirmed[position] = (None, category)


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
    if _has_mirrors(from_ids, to_ids):
        found, other_end = _match_with_mirrors(results, by_pair)
    else:
        found, other_end = _match(results, by_pair)
    for position, result in found.items():
        spec = result.get("associationSpec")
        if type(spec) is dict and type(type_id := spec.get("associationTypeId")) is int:
            confirmed[position] = (type_id, spec.get("associationCategory"))
        else:
            confirmed[position] = spec_of(result)
    # a pair listed only from its other end is confirmed too, its from->to type unknown
    for position, result in other_end.items():
        if position not in confirmed:
            confirmed[position] = (None, spec_of(result)[1])


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
            forward_types.add(spec_of(result)[0])
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
        type_id = spec_of(result)[0]
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
        types_by_position.setdefault(position, set()).add(spec_of(result)[0])
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


def _apply_errors(
    errors: list[Any],
    from_ids: Sequence[str],
    to_ids: Sequence[str],
    verdict: BatchVerdict,
    sides: tuple[str, str] | None,
) -> None:
    for error in errors:
        info = parse_error(error)
        named = [
            i for i in pairs_named(error, from_ids, to_ids, sides) if i not in verdict.confirmed
        ]
        if not named:
            verdict.unattributed.append(info)
        for position in named:
            verdict.refused.setdefault(position, info)


def spec_of(result: Mapping[str, Any]) -> tuple[int | None, str | None]:
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
    return number, text_or_none(category)


def decode_listings(
    body: Mapping[str, Any],
    listings: PairListings,
    batch: PairBatch,
    sides: tuple[str, str] | None = None,
) -> Decoded:
    """What :func:`map_success` decides, as arrays, for results the batch's reader matched.

    Listings naming a pair and its mirror are not handled here (see
    :attr:`PairListings.mirrored`). Positions come out in batch order; the type ID is -1
    where only the reverse listing names a pair. ``sides`` as for :func:`map_success`.

    Examples
    --------
    >>> batch = PairBatch.of_numbers(np.array([1, 2]), np.array([7, 8]))
    >>> body = batch.read(b'{"results":[{"from":{"id":"8"},"to":{"id":"2"},"associationSpec":'
    ...                   b'{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":280}}]}')
    >>> decoded = decode_listings(body, body["results"], batch)
    >>> decoded.succeeded.tolist(), decoded.values["association_type_id"].tolist(), decoded.open
    ([1], [-1], array([0]))
    """
    size = len(batch)
    forward, reverse = listings.forward_at, listings.reverse_at
    named_forward, named_reverse = forward >= 0, reverse >= 0
    at_forward, at_reverse = forward[named_forward], reverse[named_reverse]
    confirmed = np.zeros(size, dtype=bool)
    confirmed[at_reverse] = True
    confirmed[at_forward] = True
    type_ids = np.full(size, -1, dtype=np.int64)
    type_ids[at_forward] = listings.type_ids[named_forward]
    codes = listings.category_codes
    if len(listings.categories) > 1:  # else every listing's code is 0
        categories = np.full(size, -1, dtype=np.int64)
        categories[at_reverse] = codes[named_reverse]
        categories[at_forward] = codes[named_forward]
    refused: dict[ErrorInfo, list[int]] = {}
    unattributed: list[ErrorInfo] = []
    errors = body.get("errors")
    taken = confirmed.copy()
    if isinstance(errors, list) and errors:
        from_ids, to_ids = batch
        for error in errors:
            info = parse_error(error)
            named_by = [i for i in pairs_named(error, from_ids, to_ids, sides) if not confirmed[i]]
            if not named_by:
                unattributed.append(info)
            for position in named_by:
                if not taken[position]:
                    taken[position] = True
                    refused.setdefault(info, []).append(position)
    succeeded = np.flatnonzero(confirmed)
    category_codes = (
        categories[succeeded]
        if len(listings.categories) > 1
        else np.zeros(len(succeeded), dtype=np.int64)
    )
    return Decoded(
        succeeded=succeeded,
        values={
            "association_type_id": type_ids[succeeded],
            "association_category": Coded(category_codes, listings.categories),
        },
        refused=refused,
        open=np.flatnonzero(~taken),
        unattributed=unattributed,
    )
