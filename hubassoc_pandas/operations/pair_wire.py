"""A batch of record pairs on the wire, built and read without a dict per pair. Pure.

The request is written as JSON text straight from the IDs. The answer is read by
:meth:`PairBatch.read`: when its ``results`` array is in HubSpot's compact form (every entry
``{"from":{"id":"<digits>"},"to":{"id":"<digits>"},"associationSpec":{"associationCategory":
"<WORD>","associationTypeId":<number>}}``, see :mod:`.listing_scan`), the entries are read
with whole-array operations, matched to the batch's pairs by their IDs and the array becomes
a :class:`PairListings`; the rest of the body is read by ``json.loads``. Any other answer
(spaces, other keys, IDs as numbers, a pair listed twice the same way, not JSON) is left to
``json.loads`` whole, so the result is always what ``json.loads`` gives, with the
``results`` list in a compact form.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from hubassoc_pandas.operations.key_index import KeyIndex
from hubassoc_pandas.operations.listing_scan import Scan, scan_listings
from hubassoc_pandas.transport.wire import Prepared

__all__ = ["PairBatch", "PairListings"]

_HEAD = '{"from":{"id":"'
_MID = '"},"to":{"id":"'
_ENTRY = '{"from":{"id":"%d"},"to":{"id":"%d"}}'
_RESULTS = b'"results":['
_MAX_DIGITS = 16  # IDs the fast reader reads (longer ones are left to json.loads)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # spreads a pair's two IDs over one 64-bit key


class PairListings:
    """The ``results`` of an answer, read against the pairs of its batch.

    ``forward_at[i]`` is the batch position of the pair listing ``i`` names from->to (-1 if
    none), ``reverse_at[i]`` the position of the pair it names from its other end (-1 if
    none, or if it names a pair from->to); ``mirrored`` tells whether a listing names both a
    pair and its mirror (a->b and b->a both in the batch). No pair is named twice the same
    way.
    """

    __slots__ = ("_scan", "forward_at", "mirrored", "reverse_at")

    def __init__(
        self, scan: Scan | None, forward_at: np.ndarray, reverse_at: np.ndarray, mirrored: bool
    ) -> None:
        self._scan = scan
        self.forward_at = forward_at
        self.reverse_at = reverse_at
        self.mirrored = mirrored

    @property
    def type_ids(self) -> np.ndarray:
        """Each listing's type ID (int64)."""
        return self._scan.type_ids if self._scan else np.empty(0, dtype=np.int64)

    @property
    def category_codes(self) -> np.ndarray:
        """Each listing's category, as a code into :attr:`categories`."""
        return self._scan.category_codes if self._scan else np.empty(0, dtype=np.int8)

    @property
    def categories(self) -> list[str]:
        """The distinct categories of the listings."""
        return self._scan.categories if self._scan else []

    @property
    def forward(self) -> dict[int, tuple[int, str]]:
        """Position in the batch -> (type ID, category) of the listing naming it from->to."""
        named = np.flatnonzero(self.forward_at >= 0)
        categories = self.categories
        return {
            position: (type_id, categories[code])
            for position, type_id, code in zip(
                self.forward_at[named].tolist(),
                self.type_ids[named].tolist(),
                self.category_codes[named].tolist(),
                strict=True,
            )
        }

    @property
    def reverse(self) -> dict[int, str]:
        """Position -> category of the listing naming that pair from its other end."""
        named = np.flatnonzero(self.reverse_at >= 0)
        categories = self.categories
        return {
            position: categories[code]
            for position, code in zip(
                self.reverse_at[named].tolist(), self.category_codes[named].tolist(), strict=True
            )
        }

    def __len__(self) -> int:
        return len(self.forward_at)

    def as_dicts(self) -> list[dict[str, Any]]:
        """The entries exactly as ``json.loads`` reads them, in the answer's order."""
        scan = self._scan
        if scan is None:
            return []
        text = scan.text
        return [
            json.loads(bytes(text[start:end]))
            for start, end in zip(scan.starts.tolist(), scan.ends.tolist(), strict=True)
        ]

    def __repr__(self) -> str:
        return f"PairListings({len(self)} entries)"


class PairBatch:
    """The pairs of one batch as sent: from- and to-IDs as digit strings, by position.

    Iterating gives ``(from_ids, to_ids)``. :meth:`of_numbers` makes one from integer IDs,
    writing their text only when it is needed.

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
    >>> PairBatch.of_numbers(np.array([1]), np.array([7])).from_ids
    ['1']
    """

    def __init__(self, from_ids: Sequence[str], to_ids: Sequence[str]) -> None:
        if len(from_ids) != len(to_ids):
            raise ValueError("from_ids and to_ids must have the same length")
        self._from_ids: Sequence[str] | None = from_ids
        self._to_ids: Sequence[str] | None = to_ids
        self._numbers: tuple[np.ndarray, np.ndarray] | None = None
        self._index: KeyIndex | None = None

    @classmethod
    def of_numbers(cls, from_numbers: np.ndarray, to_numbers: np.ndarray) -> PairBatch:
        """A batch of positive integer IDs (int64 arrays of one length)."""
        batch = cls.__new__(cls)
        batch._from_ids = batch._to_ids = None
        batch._numbers = (np.asarray(from_numbers, np.int64), np.asarray(to_numbers, np.int64))
        batch._index = None
        return batch

    @property
    def from_ids(self) -> Sequence[str]:
        """The from-IDs as sent."""
        if self._from_ids is None:
            self._from_ids = [str(v) for v in self._numbers_or_fail()[0].tolist()]
        return self._from_ids

    @property
    def to_ids(self) -> Sequence[str]:
        """The to-IDs as sent."""
        if self._to_ids is None:
            self._to_ids = [str(v) for v in self._numbers_or_fail()[1].tolist()]
        return self._to_ids

    def __iter__(self) -> Iterator[Sequence[str]]:
        return iter((self.from_ids, self.to_ids))

    def __len__(self) -> int:
        return len(self._numbers[0]) if self._numbers is not None else len(self.from_ids)

    def _numbers_or_fail(self) -> tuple[np.ndarray, np.ndarray]:
        if self._numbers is None:
            raise ValueError("this batch was made from texts")
        return self._numbers

    def request(self) -> bytes:
        """The request body: ``{"inputs":[{"from":{"id":..},"to":{"id":..}},...]}``."""
        if self._numbers is not None:
            from_numbers, to_numbers = self._numbers
            both = np.empty(2 * len(from_numbers), dtype=np.int64)
            both[0::2], both[1::2] = from_numbers, to_numbers
            entries = _entries(len(from_numbers)) % tuple(both.tolist())
            return ('{"inputs":[' + entries + "]}").encode()
        if not self.from_ids:
            return b'{"inputs":[]}'
        keys = map(_MID.join, zip(self.from_ids, self.to_ids, strict=True))
        entries = ('"}},' + _HEAD).join(keys)
        return ('{"inputs":[' + _HEAD + entries + '"}}]}').encode()

    def prepared(self) -> Prepared:
        """The request with this batch's reader, for the client."""
        return Prepared(self.request(), self.read)

    def read(self, content: bytes) -> Any:
        """The answer as ``json.loads`` reads it, its compact ``results`` as PairListings."""
        try:
            body = self._read_compact(content)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            body = None
        return json.loads(content) if body is None else body

    def _read_compact(self, content: bytes) -> dict[str, Any] | None:
        """The body with its results read against the batch, or None if not compact.

        The text before the array must read as an object whose last key is ``results`` at
        the top level, the text after it as the rest of that object (naming ``results`` no
        more), and the array itself as compact entries only: then reading the three parts
        is reading the whole.
        """
        at = content.find(_RESULTS)
        if at < 0:
            return None
        start = at + len(_RESULTS)
        end = content.find(b"]", start)
        if end < 0:
            return None
        head = json.loads(content[: start - 1] + b"0}")
        if type(head) is not dict or next(reversed(head)) != "results":
            return None
        tail = _object_with_keys(b'{"results":0' + content[end + 1 :])
        if tail is None:
            return None
        listings = self._listings(memoryview(content)[start:end])
        if listings is None:
            return None
        head["results"] = listings
        for key, value in tail.items():
            if key != "results":
                head[key] = value
        return head

    def _listings(self, inner: memoryview) -> PairListings | None:
        """Read the text inside ``[...]``; None unless every entry is compact and no pair is
        named twice the same way (which listing wins then depends on the order)."""
        if not inner:
            empty = np.empty(0, dtype=np.int64)
            return PairListings(None, empty, empty, False)
        index = self._lookup_index()
        if index is None:
            return None
        scan = scan_listings(inner)
        if scan is None:
            return None
        # each listing looked up as it reads and from its other end, in one go
        listed, size = len(scan), len(self)
        positions = self._positions(
            index,
            np.concatenate([scan.from_ids, scan.to_ids]),
            np.concatenate([scan.to_ids, scan.from_ids]),
        )
        forward, either = positions[:listed], positions[listed:]
        named = forward >= 0
        reverse = np.where(named, -1, either)
        # a pair named twice the same way (reverse positions counted apart, after the batch)
        if _repeats(np.where(named, forward, np.where(reverse >= 0, reverse + size, -1))):
            return None
        return PairListings(scan, forward, reverse, bool((named & (either >= 0)).any()))

    def _lookup_index(self) -> KeyIndex | None:
        """The batch's pair keys, by position; None when the fast reader cannot match this
        batch (IDs it does not read, or two pairs sharing a key)."""
        if self._index is None:
            numbers = self._numbers if self._numbers is not None else self._parse_texts()
            if numbers is None:
                return None
            self._numbers = numbers
            index = KeyIndex(_pair_keys(*numbers))
            if not index.unique:
                return None
            self._index = index
        return self._index

    def _parse_texts(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The IDs as integers, if every one is written the way the fast reader reads."""
        texts = [*self.from_ids, *self.to_ids]
        if not all(_plain_digits(text) for text in texts):
            return None
        numbers = np.array([int(text) for text in texts], dtype=np.int64)
        return numbers[: len(self.from_ids)], numbers[len(self.from_ids) :]

    def _positions(self, index: KeyIndex, from_ids: np.ndarray, to_ids: np.ndarray) -> np.ndarray:
        """The batch position of each pair (from_ids[i], to_ids[i]), -1 where none."""
        batch_from, batch_to = self._numbers_or_fail()
        position = index.positions(_pair_keys(from_ids, to_ids))
        hit = (batch_from[position] == from_ids) & (batch_to[position] == to_ids)
        return np.where(hit & (position >= 0), position, -1)


@lru_cache(maxsize=8)
def _entries(count: int) -> str:
    """The request's entries with a ``%d`` for each ID."""
    return ",".join([_ENTRY] * count)


def _pair_keys(from_ids: np.ndarray, to_ids: np.ndarray) -> np.ndarray:
    """One 64-bit key per pair of int64 IDs (pairs may share one: matches are checked)."""
    return from_ids.view(np.uint64) * _MIX + to_ids.view(np.uint64)


def _plain_digits(text: Any) -> bool:
    return (
        type(text) is str
        and 0 < len(text) <= _MAX_DIGITS
        and text.isascii()
        and text.isdigit()
        and (text[0] != "0" or text == "0")
    )


def _repeats(positions: np.ndarray) -> bool:
    """Whether a position (other than -1) occurs twice."""
    named = positions[positions >= 0]
    return len(named) > 1 and int(np.bincount(named).max()) > 1


def _object_with_keys(text: bytes) -> dict[str, Any] | None:
    """The JSON object ``text`` if its top level names ``results`` exactly once, else None."""
    top: list[list[tuple[str, Any]]] = []

    def keep(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        top[:] = [pairs]  # the top-level object is the last one completed
        return dict(pairs)

    value = json.loads(text, object_pairs_hook=keep)
    if type(value) is not dict or [key for key, _ in top[0]].count("results") != 1:
        return None
    return value
