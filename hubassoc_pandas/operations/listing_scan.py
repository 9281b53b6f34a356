"""Read a ``results`` array of compact association listings with whole-array operations. Pure.

A compact listing is exactly::

    {"from":{"id":"<digits>"},"to":{"id":"<digits>"},"associationSpec":
    {"associationCategory":"<A-Z_>","associationTypeId":<digits>}}

(one line, no spaces), and the array's text is such listings joined by commas. Instead of a
Python step per listing, :func:`scan_listings` finds every field of every listing from the
positions of four letters each listing holds once (the ``d`` of both ``"id"``, the ``g`` of
``associationCategory`` and the ``d`` of ``associationTypeId``), then reads and checks all
listings at once with numpy: the fixed text as whole pieces, the digits eight at a time in
64-bit words. Every byte of the text is checked, so the text is either read exactly as
``json.loads`` would read it, or refused (``None``) and left to ``json.loads``. IDs and type
IDs of more than 16 digits, IDs with a leading zero and answers with more than a few
categories are refused too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["Scan", "scan_listings"]

_MAX_DIGITS = 16
_MAX_CATEGORIES = 8  # distinct categories one answer may hold before it is left to json
_CATEGORY = re.compile(rb"[A-Z_]+")
_U = np.uint64
_HIGH = _U(0x8080808080808080)
_ZEROS = _U(0x3030303030303030)  # eight ASCII "0"
_PLUS = _U(0x4646464646464646)
_FULL = (1 << 64) - 1
#: _KEEP[k]: the top k bytes of a word (the last k characters, little-endian).
_KEEP = np.array([_FULL ^ ((1 << (8 * (8 - k))) - 1) for k in range(9)], dtype=np.uint64)
#: _LOW[k]: the low k bytes of a word (its first k characters).
_LOW = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
#: For a span of k digits (k = 0..16) at the end of 16 bytes: which bytes to keep, as two
#: words, and the ASCII "0" to put in the others.
_KEEP16 = np.array([[_KEEP[max(k - 8, 0)], _KEEP[min(k, 8)]] for k in range(17)], dtype=np.uint64)
_FILL16 = _ZEROS & ~_KEEP16
#: The least number written with k digits and no leading zero.
_LEAST = np.array([0, 0] + [10 ** (k - 1) for k in range(2, 17)], dtype=np.int64)


_HEAD = b'{"from":{"id":"'
_MID = b'"},"to":{"id":"'
_SPEC = b'"},"associationSpec":{"associationCategory":"'
_TYPE = b'","associationTypeId":'


@dataclass(frozen=True)
class Scan:
    """The listings of one ``results`` array, by position in the array.

    ``from_ids``, ``to_ids`` and ``type_ids`` are int64; ``category_codes`` index
    ``categories``; listing ``i`` is the text ``text[starts[i]:ends[i]]``.
    """

    from_ids: np.ndarray
    to_ids: np.ndarray
    type_ids: np.ndarray
    category_codes: np.ndarray
    categories: list[str]
    starts: np.ndarray
    ends: np.ndarray
    text: bytes | memoryview

    def __len__(self) -> int:
        return len(self.from_ids)


def scan_listings(text: bytes | memoryview) -> Scan | None:
    """Read the text inside ``[...]`` of a ``results`` array (bytes, or a view of them); None
    unless every listing is compact (see the module docstring).

    Each step reads one field of every listing; where a field ends tells where the next
    begins, and the next listing begins after its ``f``.

    Examples
    --------
    >>> scan = scan_listings(b'{"from":{"id":"1"},"to":{"id":"7"},"associationSpec":'
    ...                      b'{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":279}}')
    >>> scan.from_ids.tolist(), scan.to_ids.tolist(), scan.type_ids.tolist(), scan.categories
    ([1], [7], [279], ['HUBSPOT_DEFINED'])
    >>> scan_listings(b'{"from":{"id":1}}') is None
    True
    """
    try:
        return _scan(text)
    except IndexError:  # a field reaching outside the text
        return None


def _scan(text: bytes | memoryview) -> Scan | None:
    size = len(text)
    text_of = _Text(text)
    raw = text_of.raw
    # a compact listing holds one "g" (in associationCategory) and three "d" (in "id",
    # "id" and associationTypeId): where every field sits follows from them
    anchors = np.flatnonzero((raw == ord("d")) | (raw == ord("g")))
    if len(anchors) == 0 or len(anchors) % 4:
        return None
    marks = anchors.reshape(-1, 4)
    first_d, second_d, g, third_d = marks[:, 0], marks[:, 1], marks[:, 2], marks[:, 3]
    starts = first_d - _HEAD.index(b"d")
    if starts[0] != 0:
        return None
    ends = np.empty_like(starts)  # each listing's comma, or the text's end
    ends[:-1], ends[-1] = starts[1:] - 1, size
    from_at, mid_at = starts + len(_HEAD), second_d - _MID.index(b"d")
    to_at, spec_at = mid_at + len(_MID), g - _SPEC.index(b"g")
    category_at, type_at = spec_at + len(_SPEC), third_d - _TYPE.index(b"d")
    number_at = type_at + len(_TYPE)
    spans = (
        (mid_at, mid_at - from_at),
        (spec_at, spec_at - to_at),
        (ends - 2, ends - 2 - number_at),
    )  # (end, length) of the from-ID, the to-ID and the type ID
    category_len = type_at - category_at
    # every field holds something: then each piece lies inside its own listing
    if not all(_within(length, 1, _MAX_DIGITS) for _, length in spans):
        return None
    if category_len.min() < 1:
        return None
    pieces = ((starts, _HEAD), (mid_at, _MID), (spec_at, _SPEC), (type_at, _TYPE))
    if not all(text_of.holds(at, piece) for at, piece in pieces):
        return None
    if not (text_of.holds(ends[:-1] - 2, b"}},") and text_of.holds(ends[-1:] - 2, b"}}")):
        return None
    numbers = _read_numbers(text_of, spans)
    categories = _categories(text_of, category_at, category_len)
    from_ids, to_ids, type_ids = numbers
    if from_ids is None or to_ids is None or type_ids is None or categories is None:
        return None
    codes, table = categories
    return Scan(from_ids, to_ids, type_ids, codes, table, starts, ends, text)


class _Text:
    """The text, readable at many positions at once."""

    def __init__(self, text: bytes | memoryview) -> None:
        self.text = text
        self.raw = np.frombuffer(text, dtype=np.uint8)
        self._views: dict[int, np.ndarray] = {}

    def pieces(self, at: np.ndarray, width: int) -> np.ndarray:
        """The ``width`` bytes from each of ``at``, one void item each.

        Raises
        ------
        IndexError
            When a piece would reach outside the text (the listings are then not compact).
        """
        if len(at) and at.min() < 0:  # past the end raises by itself
            raise IndexError("outside the text")
        view = self._views.get(width)
        if view is None:
            size = max(len(self.text) - width + 1, 0)
            view = np.ndarray((size,), dtype=f"V{width}", buffer=self.text, strides=(1,))
            self._views[width] = view
        return view[at]

    def words(self, at: np.ndarray, count: int) -> np.ndarray:
        """``count`` consecutive 64-bit words from each of ``at``: shape (len(at), count)."""
        return self.pieces(at, 8 * count).view(np.uint64).reshape(len(at), count)

    def holds(self, at: np.ndarray, piece: bytes) -> bool:
        """Whether ``piece`` is at every one of ``at``."""
        return self.pieces(at, len(piece)).tobytes() == _repeated(piece, len(at))


@lru_cache(maxsize=32)
def _repeated(piece: bytes, count: int) -> bytes:
    """``piece`` ``count`` times (the same few are compared with every answer)."""
    return piece * count


def _within(values: np.ndarray, low: int, high: int) -> bool:
    return bool(values.min() >= low and values.max() <= high)


def _eight_digits(word: np.ndarray) -> np.ndarray:
    """The number written by eight ASCII digits (the first in the lowest byte)."""
    word = ((word & _U(0x0F0F0F0F0F0F0F0F)) * _U(2561)) >> _U(8)
    word = ((word & _U(0x00FF00FF00FF00FF)) * _U(6553601)) >> _U(16)
    return ((word & _U(0x0000FFFF0000FFFF)) * _U(42949672960001)) >> _U(32)


def _not_digits(word: np.ndarray) -> np.ndarray:
    """The high bit of every byte of ``word`` that is not an ASCII digit (nonzero if any)."""
    return ((word + _PLUS) | (word - _ZEROS)) & _HIGH


def _read_numbers(
    text: _Text, spans: tuple[tuple[np.ndarray, np.ndarray], ...]
) -> list[np.ndarray | None]:
    """:func:`_read_number` of each (end, length) span, all at once when every span is
    short."""
    if max(int(length.max()) for _, length in spans) <= 8:
        ends = np.concatenate([end for end, _ in spans])
        numbers = _read_number(text, ends, np.concatenate([length for _, length in spans]))
        if numbers is None:
            return [None] * len(spans)
        count = len(spans[0][0])
        return [numbers[i * count : (i + 1) * count] for i in range(len(spans))]
    return [_read_number(text, end, length) for end, length in spans]


def _read_number(text: _Text, end: np.ndarray, length: np.ndarray) -> np.ndarray | None:
    """The numbers written with ``length`` (1-16) digits up to each of ``end``; None if a
    span holds anything but digits or starts with a zero (other than "0" itself)."""
    if length.max() <= 8:  # one word each
        keep = _KEEP[length]
        words = (text.words(end - 8, 1)[:, 0] & keep) | (_ZEROS & ~keep)
        if (_not_digits(words) != 0).any():
            return None
        numbers = _eight_digits(words).astype(np.int64)
    else:  # the 16 bytes ending with each span, the bytes before it turned into "0"
        words = (text.words(end - 16, 2) & _KEEP16[length]) | _FILL16[length]
        if (_not_digits(words) != 0).any():
            return None
        parts = _eight_digits(words)
        numbers = (parts[:, 0] * _U(100_000_000) + parts[:, 1]).astype(np.int64)
    if (numbers < _LEAST[length]).any():  # a leading zero
        return None
    return numbers


def _categories(
    text: _Text, at: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, list[str]] | None:
    """A code per listing into the table of distinct categories; None if one is not
    ``[A-Z_]+`` or there are too many."""
    first = bytes(text.text[at[0] : at[0] + length[0]])
    if _CATEGORY.fullmatch(first) is None:
        return None
    if (length == length[0]).all() and text.holds(at, first):  # the usual answer: one
        return np.zeros(len(at), dtype=np.int8), [first.decode("ascii")]
    codes = np.zeros(len(at), dtype=np.int8)
    table: list[str] = []
    left = np.arange(len(at))
    while len(left):
        if len(table) == _MAX_CATEGORIES:
            return None
        word = bytes(text.text[at[left[0]] : at[left[0]] + length[left[0]]])
        if _CATEGORY.fullmatch(word) is None:
            return None
        same = length[left] == len(word)
        same[same] = text.pieces(at[left[same]], len(word)) == _void(word)
        codes[left[same]] = len(table)
        table.append(word.decode("ascii"))
        left = left[~same]
    return codes, table


def _void(data: bytes) -> np.void:
    """``data`` as one numpy void item, to compare pieces of the text with."""
    return np.frombuffer(data, dtype=f"V{len(data)}")[0]
