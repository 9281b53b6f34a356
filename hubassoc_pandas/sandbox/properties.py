"""Record properties of one object type: values, unique keys and a search index.

Values are stored as HubSpot keeps them: ``email`` trimmed and lower-cased, ``domain`` and each
of the semicolon-separated ``hs_additional_domains`` trimmed and lower-cased; other values as
given (as text). Every record also has ``createdate`` (given, or derived from its ID so that
lower IDs are older) and ``hs_object_id``.

Unique properties (contacts' ``email``, and the custom ones configured per type) map each value
to one record: a second record with the same value is refused. ``domain`` is not unique.

Nothing here locks; the portal holds one lock around every use.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta

__all__ = ["MULTI_VALUED", "PropertyStore", "normalise"]

#: Properties holding several values separated by semicolons; a filter matches any of them.
MULTI_VALUED = frozenset({"hs_additional_domains"})

_LOWERED = frozenset({"email", "domain", "hs_additional_domains"})
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def normalise(name: str, value: object) -> str:
    """A property value as the sandbox stores it.

    Examples
    --------
    >>> normalise("email", " Ann@Example.COM "), normalise("hs_additional_domains", "A.com; b.io")
    ('ann@example.com', 'a.com;b.io')
    """
    text = str(value)
    if name in MULTI_VALUED:
        return ";".join(part.strip().lower() for part in text.split(";") if part.strip())
    return text.strip().lower() if name in _LOWERED else text


def created_at(record_id: int) -> str:
    """The creation time the sandbox gives a record without one: older for lower IDs."""
    moment = _EPOCH + timedelta(seconds=record_id)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class PropertyStore:
    """Properties of the records of one object type.

    Parameters
    ----------
    unique : Collection[str]
        Property names whose values identify one record.

    Examples
    --------
    >>> store = PropertyStore({"email"})
    >>> store.add(101, {"email": "A@b.com"})
    >>> store.unique_lookup("email", "a@B.com")
    101
    """

    def __init__(self, unique: Collection[str]) -> None:
        self.unique = frozenset(unique)
        self.values: dict[int, dict[str, str]] = {}
        self.keys: dict[str, dict[str, int]] = {name: {} for name in self.unique}
        self.index: dict[str, dict[str, set[int]]] = {}
        self.added: dict[int, float] = {}

    def add(self, record_id: int, properties: Mapping[str, object]) -> None:
        """Give a record properties (merged into any it has); ValueError on a taken key."""
        clean = {name: normalise(name, value) for name, value in properties.items()}
        for name in self.unique & clean.keys():
            holder = self.keys[name].get(self._key(name, clean[name]))
            if holder is not None and holder != record_id:
                raise ValueError(
                    f"{name} {clean[name]!r} already belongs to record {holder}; {name} is unique"
                )
        current = self.values.setdefault(record_id, {})
        for name, value in clean.items():
            if name in current:
                self._unindex(record_id, name, current[name])
            current[name] = value
            self._index(record_id, name, value)
        current.setdefault("createdate", created_at(record_id))
        current["hs_object_id"] = str(record_id)
        self.added[record_id] = time.monotonic()

    @staticmethod
    def _key(name: str, value: str) -> str:
        return value.lower() if name in _LOWERED else value

    def _tokens(self, name: str, value: str) -> list[str]:
        return value.split(";") if name in MULTI_VALUED else [value.lower()]

    def _index(self, record_id: int, name: str, value: str) -> None:
        if name in self.unique:
            self.keys[name][self._key(name, value)] = record_id
        by_value = self.index.setdefault(name, {})
        for token in self._tokens(name, value):
            by_value.setdefault(token, set()).add(record_id)

    def _unindex(self, record_id: int, name: str, value: str) -> None:
        if name in self.unique:
            self.keys[name].pop(self._key(name, value), None)
        by_value = self.index.get(name, {})
        for token in self._tokens(name, value):
            by_value.get(token, set()).discard(record_id)

    def unique_lookup(self, name: str, value: str) -> int | None:
        """The record whose unique property ``name`` equals ``value`` (emails: any case)."""
        keys = self.keys.get(name)
        return None if keys is None else keys.get(self._key(name, value))

    def matching(self, name: str, lowered: str) -> set[int]:
        """Records with a value (or, multi-valued, a token) of ``name`` equal to ``lowered``."""
        return self.index.get(name, {}).get(lowered, set())

    def get(self, record_id: int) -> dict[str, str]:
        """A record's properties (empty when it has none)."""
        return self.values.get(record_id, {})

    def searchable(self, delay: float) -> Iterable[int]:
        """Records with properties, added at least ``delay`` seconds ago."""
        if delay <= 0:
            return self.values.keys()
        cutoff = time.monotonic() - delay
        return [record for record, added in self.added.items() if added <= cutoff]
