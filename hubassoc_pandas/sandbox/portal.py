"""The sandbox's portal: its settings, records, associations, type definitions and counters.

One :class:`Portal` holds everything a request can read or change, behind one lock
(``portal.lock``): the gateway and the handlers take it around every use of the state.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .faults import FaultPlan
from .labels import Definitions
from .log import RequestLog, RequestRecord
from .meters import DailyCounter, RollingWindow
from .objects import ObjectTypes
from .options import DEFAULT_RECORDS, DEMO_TOKEN, SandboxOptions
from .properties import PropertyStore, normalise
from .records import RecordSet, as_id
from .store import AssociationStore

__all__ = ["Portal"]

_DIGITS = re.compile(r"^[0-9]{1,19}$")


class Portal:
    """The sandbox's state and settings.

    Parameters
    ----------
    options : SandboxOptions
        Validated settings.

    Examples
    --------
    >>> portal = Portal(SandboxOptions())
    >>> portal.definitions.default_id("contacts", "companies")
    279
    """

    def __init__(self, options: SandboxOptions) -> None:
        self.lock = threading.Lock()
        self.store = AssociationStore()
        self.log = RequestLog()
        self.request_number = 0
        self.options = options
        self.records: dict[str, RecordSet] = {}
        self.properties: dict[str, PropertyStore] = {}
        self.types = ObjectTypes(options.custom_object_types, options.portal_id)
        self.definitions = Definitions(self.types, options.portal_id)
        self.window: RollingWindow | None = None
        self.search_window: RollingWindow | None = None
        self.enforced_window: RollingWindow | None = None
        self.daily = DailyCounter(options.daily_limit)
        self.plan = FaultPlan(options.faults)
        self.rng = random.Random(options.seed)
        self._apply(options, set(SandboxOptions.names()))

    # -- configuration -------------------------------------------------------------------

    def configure(self, changes: Mapping[str, Any]) -> None:
        """Apply new settings (validated first; nothing changes on error)."""
        with self.lock:
            options = self.options.updated(changes)
            self._apply(options, set(changes))

    def _apply(self, options: SandboxOptions, changed: set[str]) -> None:
        """Install validated settings; everything that can fail runs before anything changes.

        Long because it is one list of settings, each a few lines, that must all be checked
        before any of them is installed.
        """
        types = self.types
        if changed & {"custom_object_types", "portal_id"}:
            types = ObjectTypes(options.custom_object_types, options.portal_id)
        resolve = self._resolver(types)
        records, properties = self.records, self.properties
        if changed & {"records", "record_properties", "unique_properties"}:
            records, properties = self._load_records(options, types)
        definitions = self.definitions
        if changed & {"custom_object_types", "portal_id", "association_type_ids"}:
            overrides = {
                (resolve(a), resolve(b)): int(n)
                for (a, b), n in (options.association_type_ids or {}).items()
            }
            definitions = Definitions(types, options.portal_id, overrides)
            for from_type, to_type, settings in self.definitions.defined:
                definitions.define(from_type, to_type, **settings)  # type: ignore[arg-type]
        limits = {
            (resolve(a), resolve(b)): int(n)
            for (a, b), n in (options.association_limits or {}).items()
        }
        label_limits: dict[tuple[str, str, int | str], int] = {}
        for (a, b, label), n in (options.label_limits or {}).items():
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise ValueError(f"label limits must be whole numbers >= 0, got {n!r}")
            key = label if isinstance(label, int) else str(label).strip().casefold()
            label_limits[(resolve(a), resolve(b), key)] = n
        tokens = options.tokens if options.tokens is not None else {DEMO_TOKEN: None}
        self.tokens: dict[str, frozenset[str] | None] = {
            token: None if scopes is None else frozenset(scopes) for token, scopes in tokens.items()
        }
        self.silent: set[tuple[int, int]] = set()
        for pair in options.silent_pairs or ():
            f, t = (str(x) for x in pair)
            if _DIGITS.match(f) and _DIGITS.match(t):
                self.silent.add((int(f), int(t)))
        self.limits = limits
        self.label_limits = label_limits
        background = options.background_rate
        if changed & {"rate_limit", "background_rate"}:
            self.window = _window(options.rate_limit, background)
        if changed & {"enforced_rate_limit", "background_rate"}:
            self.enforced_window = _window(options.enforced_rate_limit, background)
        if "search_rate_limit" in changed:
            self.search_window = _window(options.search_rate_limit, 0.0)
        self.daily.limit = options.daily_limit
        if "faults" in changed:
            self.plan = FaultPlan(options.faults)
        if "seed" in changed:
            self.rng = random.Random(options.seed)
        self.types, self.records, self.options = types, records, options
        self.properties = properties
        self.definitions = definitions

    @staticmethod
    def _resolver(types: ObjectTypes) -> Any:
        def resolve(name: str) -> str:
            canonical = types.resolve(str(name))
            if canonical is None:
                raise ValueError(f"unknown object type: {name!r}")
            return canonical

        return resolve

    def resolve_type(self, name: str) -> str:
        """The canonical name of an object type (ValueError if unknown)."""
        resolved: str = self._resolver(self.types)(name)
        return resolved

    def _load_records(
        self, options: SandboxOptions, types: ObjectTypes
    ) -> tuple[dict[str, RecordSet], dict[str, PropertyStore]]:
        """Records and properties as ``records`` and ``record_properties`` describe them."""
        resolve = self._resolver(types)
        source = DEFAULT_RECORDS if options.records is None else options.records
        records: dict[str, RecordSet] = {}
        for name, ids in source.items():
            records.setdefault(resolve(name), RecordSet()).add(ids)
        properties: dict[str, PropertyStore] = {}
        for name, by_id in (options.record_properties or {}).items():
            canonical = resolve(name)
            ids = list(by_id)
            records.setdefault(canonical, RecordSet()).add(ids)
            store = properties.get(canonical) or _property_store(options, types, canonical)
            properties[canonical] = store
            for record_id in ids:
                store.add(as_id(record_id), by_id[record_id])
        return records, properties

    def property_store(self, canonical: str) -> PropertyStore:
        """The property store of a canonical type (created empty when needed; under the lock)."""
        store = self.properties.get(canonical)
        if store is None:
            store = _property_store(self.options, self.types, canonical)
            self.properties[canonical] = store
        return store

    def add_records(
        self,
        object_type: str,
        ids: Iterable[int | str],
        properties: Mapping[int | str, Mapping[str, object]]
        | Iterable[Mapping[str, object]]
        | None = None,
    ) -> None:
        """Make more records of ``object_type`` exist, optionally with properties.

        ``properties`` maps IDs to their properties, or lists them in the order of ``ids``.
        Every unique value is checked before anything is added.
        """
        with self.lock:
            canonical = self.resolve_type(object_type)
            if properties is None:
                self.records.setdefault(canonical, RecordSet()).add(ids)
                return
            numbers = [as_id(i) for i in ids]
            if isinstance(properties, Mapping):
                given = {as_id(k): v for k, v in properties.items()}
                rows = [given.get(i, {}) for i in numbers]
            else:
                rows = list(properties)
                if len(rows) != len(numbers):
                    raise ValueError(
                        f"properties lists {len(rows)} records but ids has {len(numbers)}; "
                        "give one mapping per ID, or a mapping of ID -> properties"
                    )
            store = self.property_store(canonical)
            seen: dict[tuple[str, str], int] = {}
            for record_id, row in zip(numbers, rows, strict=True):
                for name in store.unique & row.keys():
                    value = normalise(name, row[name])
                    key = (name, value.lower() if name == "email" else value)
                    holder = seen.get(key, store.unique_lookup(name, value))
                    if holder is not None and holder != record_id:
                        raise ValueError(
                            f"{name} {value!r} already belongs to record {holder}; {name} is unique"
                        )
                    seen[key] = record_id
            for record_id, row in zip(numbers, rows, strict=True):
                store.add(record_id, row)
            self.records.setdefault(canonical, RecordSet()).add(numbers)

    def reset(self) -> None:
        """Clear associations, the log, rate-limit counters and fault counters."""
        with self.lock:
            self.store.clear()
            self.log.clear()
            self.request_number = 0
            for window in (self.window, self.enforced_window, self.search_window):
                if window is not None:
                    window.clear()
            self.daily.clear()
            self.plan.reset()
            self.rng = random.Random(self.options.seed)

    def new_day(self) -> None:
        """Reset the daily request counter only."""
        with self.lock:
            self.daily.clear()

    def define_label(
        self, from_type: str, to_type: str, label: str, **settings: Any
    ) -> tuple[int, int]:
        """Add a label to a pair of types (see :meth:`Definitions.define`)."""
        with self.lock:
            a, b = self.resolve_type(from_type), self.resolve_type(to_type)
            return self.definitions.define(a, b, label, **settings)

    def labels(self, from_type: str, to_type: str) -> list[dict[str, object]]:
        """The definitions of a direction as GET .../labels lists them."""
        with self.lock:
            a, b = self.resolve_type(from_type), self.resolve_type(to_type)
            return [d.as_json() for d in self.definitions.listing(a, b)]

    def label_type_id(self, from_type: str, to_type: str, label: str | int) -> int:
        """The type ID of a label in a direction (ValueError when none or several match)."""
        with self.lock:
            a, b = self.resolve_type(from_type), self.resolve_type(to_type)
            return self.definitions.find(a, b, label).type_id

    def association_type_id(self, from_type: str, to_type: str) -> int:
        """The default association type ID of ``from_type -> to_type`` (canonical names).

        Raises ValueError for a pair that has no default association.
        """
        found = self.definitions.default_id(from_type, to_type)
        if found is None:
            raise ValueError(f"{from_type} -> {to_type} has no default association type")
        return found

    def record_exists(self, object_type: str) -> Callable[[int], bool]:
        """A fast ``has(id: int) -> bool`` for records of a canonical type."""
        found = self.records.get(object_type)
        return (found or RecordSet()).checker()

    # -- log -----------------------------------------------------------------------------

    def enter(self) -> None:
        """Count a request as in flight."""
        with self.lock:
            self.log.in_flight += 1
            self.log.max_in_flight = max(self.log.max_in_flight, self.log.in_flight)

    def record(self, record: RequestRecord) -> None:
        """Append a finished request to the log and update the counters."""
        with self.lock:
            log = self.log
            log.in_flight -= 1
            log.total += 1
            if record.status is None:
                log.dropped += 1
            else:
                log.by_status[record.status] += 1
            log.records.append(record)

    def stats(self) -> dict[str, Any]:
        """A JSON-serialisable summary of the traffic so far."""
        with self.lock:
            return self.log.stats(self.store.count())

    # -- reading the store ---------------------------------------------------------------

    def associated_pairs(self, from_type: str, to_type: str) -> set[tuple[str, str]]:
        """Associated pairs ``from_type -> to_type`` as ``(from_id, to_id)`` strings."""
        with self.lock:
            return self.store.pairs(self.resolve_type(from_type), self.resolve_type(to_type))

    def associations(self, from_type: str, to_type: str) -> dict[tuple[str, str], frozenset[int]]:
        """``{(from_id, to_id): type IDs from -> to}`` for every associated pair."""
        with self.lock:
            return self.store.associations(self.resolve_type(from_type), self.resolve_type(to_type))


def _window(rate: tuple[int, float] | None, background: float) -> RollingWindow | None:
    """A rolling window for ``(max requests, seconds)``, or None without a limit."""
    return None if rate is None else RollingWindow(int(rate[0]), float(rate[1]), background)


def _property_store(options: SandboxOptions, types: ObjectTypes, canonical: str) -> PropertyStore:
    """An empty property store for a type, with its unique properties."""
    unique = {"email"} if canonical == "contacts" else set()
    if options.unique_properties is None:
        unique.add("external_id")
    else:
        for name, names in options.unique_properties.items():
            if types.resolve(str(name)) == canonical:
                unique.update(names)
    return PropertyStore(unique)
