"""Which record IDs an error names, and on which side of a pair. Pure: no I/O.

A number in an answer names a record only where the answer ties it to one:

- by its structure: a context key that holds IDs (``fromObjectId``, ``toObjectId``, ``ids``,
  ``companyIds``, ...); keys about types, labels, sizes or scopes hold no IDs;
- by its wording: the words right before the number say what it is (``No contact with ID
  7``, ``contacts 7, 8``, ``company 9``, ``fromObjectId=7``, ``object ID 7``), a list going on
  after it (``7, 8 and 9``) sharing the tie.

Any other number (``Batch of 2000 inputs is over the limit``, ``max 100``, ``USER_DEFINED=3``)
names nothing, even when it equals an ID of the batch. A tie to an object type names that
side of the pair only (``No contact with ID 7`` never names company 7), a type that is
neither side names nothing, and a tie naming no type (``ID 7``, ``ids``, a word this client
does not know followed by ``ID``, such as a custom object's label) names either side.

Examples
--------
>>> ids_named({"message": "No contact with ID 7 exists."}, ("contacts", "companies"))
NamedIds(from_side=frozenset({'7'}), to_side=frozenset(), either=frozenset())
>>> bool(ids_named({"message": "Batch of 2000 inputs is over the limit"}))
False
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.inputs.object_types import STANDARD_TYPE_IDS, normalize_object_type

__all__ = [
    "NamedIds",
    "context_key_side",
    "ids_named",
    "message_ids",
    "pairs_named",
    "word_side",
]

#: Digits standing alone: not part of a word, a decimal, a type ID (0-1) or a UUID.
_NUMBER = re.compile(r"(?<![0-9A-Za-z.\-_])[0-9]+(?![0-9A-Za-z\-_]|\.[0-9])")
#: Up to four words right before a number, then an optional ``:``, ``=`` or ``#`` and quote.
_LEAD = re.compile(
    r"(?P<words>[A-Za-z0-9_\-]+(?:[ \t]+[A-Za-z0-9_\-]+){0,3})"
    r"[ \t]*(?P<mark>[:=#])?[ \t]*['\"]?$"
)
#: Between two numbers of one list: ``7, 8``, ``7 and 8``, ``'7', '8'``.
_LIST_GAP = re.compile(r"['\"]?[ \t]*(?:,|and|or|&|/)[ \t]*['\"]?", re.IGNORECASE)
#: A word ending in an ID marker: ``contactId``, ``fromObjectIds``, ``contact_id``, ``objectID``.
_ID_STEM = re.compile(
    r"^(?P<stem>[A-Za-z0-9_\-]*?[A-Za-z0-9])(?:[_\-](?:ids?|IDS?|Ids?)|(?<=[a-z0-9])(?:IDs?|Ids?))$"
)
#: Words between a type and the ID marker (``contact with the ID 7``, ``record with id 7``).
_FILLER = frozenset({"with", "the", "a", "an", "of", "for"})
#: Words that say the next number is an ID.
_ID_WORDS = frozenset({"id", "ids"})
#: Words naming an object without saying its type.
_GENERIC = frozenset({"", "object", "objects", "record", "records"})
#: Keys whose values describe something other than records (``fromObjectType``).
_NOT_ID_KEYS = ("type", "label", "categor", "scope")
#: Parts of a word before ``ID`` that say the number is not a record's.
_NOT_RECORDS = (
    *_NOT_ID_KEYS,
    "portal",
    "account",
    "correlation",
    "request",
    "batch",
    "input",
    "limit",
    "max",
    "size",
    "count",
    "index",
    "after",
    "cursor",
    "page",
    "version",
    "definition",
    "association",
    "property",
    "status",
    "error",
    "code",
    "app",
    "hub",
)


@dataclass(frozen=True)
class NamedIds:
    """IDs an error names: of the from side, of the to side, and of either side."""

    from_side: frozenset[str] = frozenset()
    to_side: frozenset[str] = frozenset()
    either: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.from_side or self.to_side or self.either)

    def on(self, side: str) -> frozenset[str]:
        """The IDs that may be of ``side`` (``"from"`` or ``"to"``): its own and either's."""
        return (self.from_side if side == "from" else self.to_side) | self.either


class _Gather:
    """IDs collected by side while an error is read."""

    def __init__(self) -> None:
        self.sides: dict[str, set[str]] = {"from": set(), "to": set(), "either": set()}

    def add(self, side: str | None, ids: Iterable[str]) -> None:
        if side is not None:
            self.sides[side].update(ids)

    def named(self) -> NamedIds:
        return NamedIds(
            frozenset(self.sides["from"]),
            frozenset(self.sides["to"]),
            frozenset(self.sides["either"]),
        )


def ids_named(error: Any, sides: tuple[str, str] | None = None) -> NamedIds:
    """The record IDs an error (a StandardError or a whole-request error body) names.

    Its ``context`` (and that of each nested error) comes first; the message is read only
    when no context key names an ID.

    Parameters
    ----------
    error : Any
        The error as parsed from JSON; anything but a dict names nothing.
    sides : (str, str), optional
        The from- and to-types of the batch (path segments such as ``"contacts"``); without
        them, a tie to any object type names either side.

    Examples
    --------
    >>> ids_named({"context": {"fromObjectId": ["1"], "fromObjectType": ["0-1"]}}).from_side
    frozenset({'1'})
    >>> ids_named({"context": {"maxInputs": ["1000"]}, "message": "ID 5"}).either
    frozenset({'5'})
    """
    if not isinstance(error, dict):
        return NamedIds()
    found = _Gather()
    for holder in [error, *[e for e in error.get("errors") or [] if isinstance(e, dict)]]:
        context = holder.get("context")
        if not isinstance(context, dict):
            continue
        for key, values in context.items():
            side = context_key_side(str(key), sides)
            listed = values if isinstance(values, list) else [values]
            found.add(side, (n for value in listed for n in _NUMBER.findall(str(value))))
    named = found.named()
    if named:
        return named
    message = error.get("message")
    return message_ids(message, sides) if isinstance(message, str) else named


def message_ids(text: str, sides: tuple[str, str] | None = None) -> NamedIds:
    """The record IDs the words of a message tie numbers to, by side.

    Examples
    --------
    >>> named = message_ids("One or more object IDs do not exist: contacts 7, 8; companies 9.",
    ...                     ("contacts", "companies"))
    >>> sorted(named.from_side), sorted(named.to_side), sorted(named.either)
    (['7', '8'], ['9'], [])
    >>> message_ids("No deal with ID 7", ("contacts", "companies"))
    NamedIds(from_side=frozenset(), to_side=frozenset(), either=frozenset())
    >>> message_ids("Invalid object IDs: 5, 6.").either == {"5", "6"}
    True
    """
    found = _Gather()
    side: str | None = None
    previous_end = -1
    for match in _NUMBER.finditer(text):
        start = match.start()
        if side is None or previous_end < 0 or not _LIST_GAP.fullmatch(text[previous_end:start]):
            side = _lead_side(text[max(0, start - 80) : start], sides)
        found.add(side, [match.group()])
        previous_end = match.end()
    return found.named()


def _lead_side(before: str, sides: tuple[str, str] | None) -> str | None:
    """The side the words right before a number tie it to, or None when they do not."""
    lead = _LEAD.search(before)
    if lead is None:
        return None
    words = lead.group("words").split()
    marked = lead.group("mark") not in (None, "#")  # ``:`` or ``=``: only after an ID word
    word = words.pop()
    explicit = word.lower() in _ID_WORDS
    if explicit:
        while words and words[-1].lower() in _FILLER:
            words.pop()
        word = words.pop() if words else ""
    else:
        stem = _ID_STEM.match(word)
        if stem is not None:
            word, explicit = stem.group("stem"), True
    if marked and not explicit:
        return None  # ``contacts: 2000`` counts contacts; ``contact ID: 7`` names one
    return word_side(word, sides, explicit=explicit)


def word_side(word: str, sides: tuple[str, str] | None, *, explicit: bool) -> str | None:
    """The side a word before a number ties it to: ``"from"``, ``"to"``, ``"either"`` or None.

    ``explicit``: the number is marked as an ID (``contact ID 7``, ``contactId 7``); without
    that, only an object type's own name ties it (``contact 101``), never a bare ``from``,
    ``to`` (``up to 100``) or ``record``.

    Examples
    --------
    >>> word_side("companies", ("contacts", "companies"), explicit=False)
    'to'
    >>> word_side("deal", ("contacts", "companies"), explicit=True) is None
    True
    >>> word_side("cars", ("contacts", "2-3453"), explicit=True)
    'either'
    >>> word_side("batch", None, explicit=True) is None
    True
    """
    word = word.lower().strip("_-")
    if word in ("from", "fromobject", "fromrecord"):
        return "from" if explicit else None
    if word in ("to", "toobject", "torecord"):
        return "to" if explicit else None
    if word in _GENERIC:
        return "either" if explicit else None
    known = _standard_type(word)
    if sides is not None:
        matching = [
            side for side, kind in zip(("from", "to"), sides, strict=True)
            if _names_type(word, known, kind)
        ]  # fmt: skip
        if len(matching) == 2:
            return "either"
        if matching:
            return matching[0]
    if known is not None or re.fullmatch(r"0-\d+", word):
        return "either" if sides is None else None  # a standard type that is neither side
    if re.fullmatch(r"2-\d+", word):
        return "either"  # a custom type by its ID: which side it is cannot be told
    if not explicit or any(part in word for part in _NOT_RECORDS):
        return None
    return "either"  # ``<word> ID 7``: a custom object's label, say


def context_key_side(key: str, sides: tuple[str, str] | None = None) -> str | None:
    """The side a context key's values are IDs of, or None when they are not IDs.

    Examples
    --------
    >>> [context_key_side(k) for k in ("fromObjectId", "toObjectId", "ids", "fromObjectType",
    ...                                "maxInputs", "requiredScopes")]
    ['from', 'to', 'either', None, None, None]
    >>> context_key_side("companyIds", ("contacts", "companies"))
    'to'
    """
    lowered = key.lower()
    if any(part in lowered for part in _NOT_ID_KEYS):
        return None
    if "from" in lowered:
        return "from"
    if lowered.startswith("to") or "_to" in lowered or "toobject" in lowered:
        return "to"
    if lowered in _ID_WORDS or lowered in _GENERIC:
        return "either"
    stem = _ID_STEM.match(key)
    if stem is None:
        return word_side(key, sides, explicit=False)  # ``contacts``: that type's IDs
    return word_side(stem.group("stem"), sides, explicit=True)


def _standard_type(word: str) -> str | None:
    """The standard type a word names (``contact``, ``CONTACTS``, ``0-1``), else None."""
    try:
        normal = normalize_object_type(word)
    except ConfigError:  # not a type name at all
        return None
    return normal if normal in STANDARD_TYPE_IDS else None


def _names_type(word: str, known: str | None, kind: str) -> bool:
    """Whether ``word`` (lower case) names the object type ``kind`` (a path segment)."""
    if known is not None:
        return known == _standard_type(kind)
    lowered = kind.lower()
    if word == lowered:
        return True
    custom = re.fullmatch(r"p\d*_([a-z0-9_]+)", lowered)
    return custom is not None and word in (custom.group(1), custom.group(1).rstrip("s"))


def pairs_named(
    error: Any,
    from_ids: Sequence[str],
    to_ids: Sequence[str],
    sides: tuple[str, str] | None = None,
) -> list[int]:
    """Positions of the batch's pairs that an error names.

    A number names a record only where the error ties it to one (see
    :func:`~hubassoc_pandas.operations.named_ids.ids_named`): a context key that holds IDs,
    or words such as ``No contact with ID 7``; a number that merely equals an ID of the batch
    (``Batch of 2000 inputs``) names nothing. ``sides``, the batch's from- and to-types, lets
    a tie to a type name that side only. Naming both ends picks the pairs with both ends named
    (or, when no pair has both, the pairs with either); naming one end picks every pair with
    that end; IDs of either side pick the pairs with both ends among them, else with either.

    Examples
    --------
    >>> pairs_named({"message": "No contact with ID 7"}, ["3", "7"], ["7", "5"],
    ...             ("contacts", "companies"))
    [1]
    >>> pairs_named({"message": "Batch of 2 inputs is over the limit"}, ["1", "2"], ["2", "1"])
    []
    """
    named = ids_named(error, sides)
    from_named, to_named, either_named = named.from_side, named.to_side, named.either
    positions = range(len(from_ids))
    chosen: list[int] = []
    if from_named and to_named:
        both = [i for i in positions if from_ids[i] in from_named and to_ids[i] in to_named]
        chosen = both or [
            i for i in positions if from_ids[i] in from_named or to_ids[i] in to_named
        ]
    elif from_named:
        chosen = [i for i in positions if from_ids[i] in from_named]
    elif to_named:
        chosen = [i for i in positions if to_ids[i] in to_named]
    if either_named:
        both = [i for i in positions if from_ids[i] in either_named and to_ids[i] in either_named]
        extra = both or [
            i for i in positions if from_ids[i] in either_named or to_ids[i] in either_named
        ]
        chosen = sorted(set(chosen).union(extra)) if chosen else extra
    return chosen
