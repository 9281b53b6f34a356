"""A batch of record pairs on the wire, built and read without a dict per pair. Pure.

The request is written as JSON text straight from the digit strings. The answer is read by
:meth:`PairBatch.read`: when its ``results`` array is in HubSpot's compact form (every entry
``{"from":{"id":"<digits>"},"to":{"id":"<digits>"},"associationSpec":{"associationCategory":
"<WORD>","associationTypeId":<number>}}``), the entries are matched to the batch's pairs by
their text and the array becomes a :class:`PairListings`; the rest of the body is read by
``json.loads``. Any other answer (spaces, other keys, IDs as numbers, not JSON) is left to
``json.loads`` whole, so the result is always what ``json.loads`` gives, with the
``results`` list in a compact form.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Sequence
from itertools import compress, repeat
from typing import Any

from ..wire import Prepared

__all__ = ["PairBatch", "PairListings"]

_HEAD = '{"from":{"id":"'
_MID = '"},"to":{"id":"'
_SPEC = '"},"associationSpec":{"associationCategory":"'
_NEXT = "}}," + _HEAD
_RESULTS = '"results":['
_SPEC_TEXT = re.compile(r'([A-Z_]+)","associationTypeId":(0|[1-9][0-9]{0,17})')
#: Look-ups (one per spec and direction, or per entry naming no pair of the batch) one answer
#: may take before it is left to json.loads.
_MAX_ROUNDS = 16
_PAIR_TEXT = re.compile(r'([0-9]+)"\},"to":\{"id":"([0-9]+)')


class PairListings:
    """The ``results`` of an answer, read against the pairs of its batch.

    Attributes
    ----------
    forward : dict
        Position in the batch -> (type ID, category) of the last entry listing that pair
        from->to.
    reverse : dict
        Position -> category of the first entry listing that pair from its other end.
    """

    __slots__ = ("_pieces", "forward", "reverse")

    def __init__(
        self,
        pieces: list[str],
        forward: dict[int, tuple[int, str]],
        reverse: dict[int, str],
    ) -> None:
        self._pieces = pieces
        self.forward = forward
        self.reverse = reverse

    def __len__(self) -> int:
        return len(self._pieces)

    def as_dicts(self) -> list[dict[str, Any]]:
        """The entries exactly as ``json.loads`` reads them, in the answer's order."""
        return [json.loads(_HEAD + piece + "}}") for piece in self._pieces]

    def __repr__(self) -> str:
        return f"PairListings({len(self)} entries)"


class PairBatch:
    """The pairs of one batch as sent: from- and to-IDs as digit strings, by position.

    Examples
    --------
    >>> batch = PairBatch(["1", "2"], ["7", "8"])
    >>> batch.request()
    b'{"inputs":[{"from":{"id":"1"},"to":{"id":"7"}},{"from":{"id":"2"},"to":{"id":"8"}}]}'
    >>> body = batch.read(b'{"status":"COMPLETE","results":[{"from":{"id":"2"},"to":{"id":'
    ...                   b'"8"},"associationSpec":{"associationCategory":"HUBSPOT_DEFINED",'
    ...                   b'"associationTypeId":279}}],"errors":[]}')
    >>> body["results"].forward, body["errors"]
    ({1: (279, 'HUBSPOT_DEFINED')}, [])
    """

    def __init__(self, from_ids: Sequence[str], to_ids: Sequence[str]) -> None:
        self.from_ids = from_ids
        self.to_ids = to_ids
        # each pair as its text inside an entry: 1"},"to":{"id":"7
        self._keys = list(map(_MID.join, zip(from_ids, to_ids, strict=True)))
        self._reversed: list[str] | None = None

    def request(self) -> bytes:
        """The request body: ``{"inputs":[{"from":{"id":..},"to":{"id":..}},...]}``."""
        if not self._keys:
            return b'{"inputs":[]}'
        entries = ('"}},' + _HEAD).join(self._keys)
        return ('{"inputs":[' + _HEAD + entries + '"}}]}').encode()

    def prepared(self) -> Prepared:
        """The request with this batch's reader, for the client."""
        return Prepared(self.request(), self.read)

    def read(self, content: bytes) -> Any:
        """The answer as ``json.loads`` reads it, its compact ``results`` as PairListings."""
        try:
            body = self._read_compact(content)
        except (ValueError, TypeError, KeyError, StopIteration):
            body = None
        return json.loads(content) if body is None else body

    def _read_compact(self, content: bytes) -> dict[str, Any] | None:
        """The body with its results read against the batch, or None if not compact.

        The text before the array must read as an object whose last key is ``results`` at
        the top level, the text after it as the rest of that object, and the array itself
        as compact entries only: then reading the three parts is reading the whole.
        """
        text = content.decode("utf-8")
        at = text.find(_RESULTS)
        if at < 0:
            return None
        start = at + len(_RESULTS)
        end = text.find("]", start)
        if end < 0:
            return None
        head = json.loads(text[: start - 1] + "0}")
        if type(head) is not dict or next(reversed(head)) != "results":
            return None
        suffix = text[end + 1 :]
        if '"results"' in suffix:  # a later duplicate key would win: leave it to json
            return None
        tail = json.loads('{"results":0' + suffix)
        if type(tail) is not dict:
            return None
        listings = self._listings(text[start:end])
        if listings is None:
            return None
        head["results"] = listings
        for key, value in tail.items():
            if key != "results":
                head[key] = value
        return head

    def _listings(self, inner: str) -> PairListings | None:
        """Read the text inside ``[...]``; None unless every entry is compact.

        An entry is a pair's text (known to the batch for both directions) and one of a few
        specs (type ID and category): the first entry left gives a spec and a direction, and
        every entry left is looked up among the texts the batch's pairs have with them, whole
        lists at a time. An entry naming no pair of the batch must still be compact. A pair
        listed twice the same way is left to ``json.loads`` (which listing wins depends on
        the order), and so is an answer needing more than a few look-ups.
        """
        if not inner:
            return PairListings([], {}, {})
        if not (inner.startswith(_HEAD) and inner.endswith("}}")):
            return None
        pieces = inner[len(_HEAD) : -2].split(_NEXT)
        forward: dict[int, tuple[int, str]] = {}
        reverse: dict[int, str] = {}
        left = pieces
        for _ in range(_MAX_ROUNDS):
            # the first entry left says which spec and which way to look up next
            key, _, spec = left[0].partition(_SPEC)
            match = _SPEC_TEXT.fullmatch(spec)
            if match is None:
                return None
            tail = _SPEC + spec
            if key in self._keys:
                taken = _take(left, self._keys, tail, forward, (int(match[2]), match[1]))
            elif key in self._reverse_keys():
                taken = _take(left, self._reverse_keys(), tail, reverse, match[1])
            elif _PAIR_TEXT.fullmatch(key) is not None:  # a pair not in this batch
                taken = left[1:]
            else:
                return None
            if taken is None:
                return None
            if not taken:
                return PairListings(pieces, forward, reverse)
            left = taken
        return None

    def _reverse_keys(self) -> list[str]:
        """Each pair's text listed from its other end."""
        if self._reversed is None:
            self._reversed = list(map(_MID.join, zip(self.to_ids, self.from_ids, strict=True)))
        return self._reversed


def _take(
    pieces: list[str], keys: list[str], tail: str, found: dict[int, Any], value: Any
) -> list[str] | None:
    """Record in ``found`` the pieces that are ``key + tail`` for a key of the batch;
    return the other pieces, or None if a pair would be recorded twice."""
    expected = dict(zip(map(str.__add__, keys, repeat(tail)), range(len(keys)), strict=True))
    positions: list[int | None] = list(map(expected.get, pieces))
    hits = {position for position in set(positions) if position is not None}
    missed = positions.count(None)
    if len(hits) != len(pieces) - missed or not hits.isdisjoint(found):
        return None
    found.update(dict.fromkeys(hits, value))
    if not missed:
        return []
    return list(compress(pieces, map(operator.is_, positions, repeat(None))))
