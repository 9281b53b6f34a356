"""Association type definitions per direction: the unlabelled defaults and the labels.

Every direction ``from -> to`` of a pair of object types has its own list of definitions, each a
``(category, typeId, label)`` and the type ID of the other direction. HubSpot's unlabelled
default (label None) exists for every pair except those with a type in
:data:`~hubassoc_pandas.sandbox.objects.NO_ASSOCIATION_TYPES` (or listed in
``undefined_pairs``). Labels are seeded per portal (see :data:`SEED_LABELS`) and added with
:meth:`Definitions.define`; a USER_DEFINED label's type IDs depend on the portal, as in
HubSpot, so code that hard-codes them breaks in the next portal.

A definition is identified by its category and type ID together: the same number under another
category is no definition at all.

Nothing here locks; the portal holds one lock around every use.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from .objects import NO_ASSOCIATION_TYPES, ObjectTypes, default_association_type_id

__all__ = ["CATEGORIES", "SEED_LABELS", "Definition", "Definitions"]

#: Association categories HubSpot uses.
CATEGORIES = ("HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED")

#: Labels every portal starts with: ``(from, to, category, label, reverse label, forward ID,
#: reverse ID, single)``. IDs of None are allocated per portal. ``single`` marks a label a
#: from-record holds with at most one record (a new one replaces the old), as HubSpot's Primary
#: company of a contact and parent company of a company.
SEED_LABELS: tuple[tuple[str, str, str, str, str, int | None, int | None, bool], ...] = (
    ("contacts", "companies", "HUBSPOT_DEFINED", "Primary", "Primary", 1, 2, True),
    ("companies", "companies", "HUBSPOT_DEFINED", "Parent company", "Child company", 14, 13, True),
    (
        "contacts",
        "companies",
        "USER_DEFINED",
        "Billing contact",
        "Billing contact",
        None,
        None,
        False,
    ),
    (
        "contacts",
        "companies",
        "USER_DEFINED",
        "Decision maker",
        "Decision maker",
        None,
        None,
        False,
    ),
    ("contacts", "contacts", "USER_DEFINED", "Manager", "Employee", None, None, False),
    ("deals", "contacts", "USER_DEFINED", "Decision maker", "Decision maker", None, None, False),
)


@dataclass(frozen=True)
class Definition:
    """One association type in one direction.

    Attributes
    ----------
    category : str
        ``HUBSPOT_DEFINED``, ``USER_DEFINED`` or ``INTEGRATOR_DEFINED``.
    type_id : int
        The type ID of this direction.
    label : str or None
        The label as shown in HubSpot; None for the unlabelled default.
    reverse_id : int
        The type ID of the same association seen from the other side.
    single : bool
        A from-record holds this type with at most one record (a new one replaces the old).
    limit : int or None
        A from-record holds this type with at most this many records; more are refused.
    """

    category: str
    type_id: int
    label: str | None
    reverse_id: int
    single: bool = False
    limit: int | None = None

    def as_json(self) -> dict[str, object]:
        """``{"category", "typeId", "label"}`` as HubSpot lists it."""
        return {"category": self.category, "typeId": self.type_id, "label": self.label}


_Direction = dict[tuple[str, int], Definition]


class Definitions:
    """The association types of one portal, per direction.

    Parameters
    ----------
    types : ObjectTypes
        Resolves the object types named in overrides.
    portal_id : int
        Mixed into custom and USER_DEFINED type IDs.
    overrides : Mapping[tuple[str, str], int] or None
        ``{(from, to): type ID}`` replacing a pair's default; the other direction gets the next
        number (the same for a type with itself) unless overridden too.
    undefined_pairs : Collection[tuple[str, str]] or None
        Pairs (either order) that have no default association.

    Examples
    --------
    >>> defs = Definitions(ObjectTypes(None, 1), 1)
    >>> defs.default("contacts", "companies").type_id
    279
    """

    def __init__(
        self,
        types: ObjectTypes,
        portal_id: int,
        overrides: Mapping[tuple[str, str], int] | None = None,
        undefined_pairs: Collection[tuple[str, str]] | None = None,
    ) -> None:
        self.types = types
        self.portal_id = portal_id
        self.overrides = {(a, b): int(n) for (a, b), n in (overrides or {}).items()}
        self.undefined = {frozenset(pair) for pair in undefined_pairs or ()}
        self.directions: dict[tuple[str, str], _Direction] = {}
        self.defaults: dict[tuple[str, str], Definition | None] = {}
        self.next_user_id = 20_000 + (portal_id * 37) % 1000 * 10
        self.defined: list[tuple[str, str, dict[str, object]]] = []
        for from_type, to_type, category, label, reverse, fid, rid, single in SEED_LABELS:
            if types.resolve(from_type) and types.resolve(to_type):
                self._add(
                    from_type, to_type, category, label, reverse, fid, rid, single, None, None
                )

    # -- lookups -------------------------------------------------------------------------

    def default_id(self, from_type: str, to_type: str) -> int | None:
        """The unlabelled default type ID of a direction (None when the pair has none)."""
        found = self.default(from_type, to_type)
        return None if found is None else found.type_id

    def default(self, from_type: str, to_type: str) -> Definition | None:
        """The unlabelled default of a direction (None when the pair has none)."""
        key = (from_type, to_type)
        if key not in self.defaults:
            self.defaults[key] = self._make_default(from_type, to_type)
        return self.defaults[key]

    def _make_default(self, from_type: str, to_type: str) -> Definition | None:
        forward = self._default_number(from_type, to_type)
        if forward is None:
            return None
        reverse = self._default_number(to_type, from_type)
        assert reverse is not None
        return Definition("HUBSPOT_DEFINED", forward, None, reverse)

    def _default_number(self, from_type: str, to_type: str) -> int | None:
        if (from_type, to_type) in self.overrides:
            return self.overrides[(from_type, to_type)]
        if (to_type, from_type) in self.overrides:
            return self.overrides[(to_type, from_type)] + (0 if from_type == to_type else 1)
        if frozenset((from_type, to_type)) in self.undefined:
            return None
        if from_type in NO_ASSOCIATION_TYPES or to_type in NO_ASSOCIATION_TYPES:
            return None
        custom = self.types.is_custom(from_type) or self.types.is_custom(to_type)
        return default_association_type_id(from_type, to_type, self.portal_id, custom)

    def direction(self, from_type: str, to_type: str) -> _Direction:
        """``{(category, type ID): Definition}`` of one direction, default included."""
        key = (from_type, to_type)
        found = self.directions.get(key)
        if found is None:
            found = self.directions[key] = {}
        default = self.default(from_type, to_type)
        if default is not None and ("HUBSPOT_DEFINED", default.type_id) not in found:
            found[("HUBSPOT_DEFINED", default.type_id)] = default
        return found

    def get(self, from_type: str, to_type: str, category: str, type_id: int) -> Definition | None:
        """The definition a ``(category, type ID)`` names in a direction, or None."""
        return self.direction(from_type, to_type).get((category, type_id))

    def by_type_id(self, from_type: str, to_type: str, type_id: int) -> Definition | None:
        """The definition with this type ID in a direction, whatever its category."""
        for (_, number), definition in self.direction(from_type, to_type).items():
            if number == type_id:
                return definition
        return None

    def listing(self, from_type: str, to_type: str) -> list[Definition]:
        """Every definition of a direction: the default first, then by type ID."""
        found = self.direction(from_type, to_type).values()
        return sorted(found, key=lambda d: (d.label is not None, d.type_id))

    def names(self, from_type: str, to_type: str, type_ids: frozenset[int]) -> list[str]:
        """The labels of ``type_ids`` in a direction, by type ID (the default has none)."""
        direction = self.direction(from_type, to_type)
        found = {d.type_id: d.label for d in direction.values() if d.type_id in type_ids}
        return [label for _, label in sorted(found.items()) if label is not None]

    def find(self, from_type: str, to_type: str, label: str | int) -> Definition:
        """The one definition a label name (any case, spaces trimmed) or type ID names.

        Raises ValueError when none or several match.
        """
        listing = self.listing(from_type, to_type)
        if isinstance(label, int) and not isinstance(label, bool):
            matches = [d for d in listing if d.type_id == label]
        else:
            wanted = str(label).strip().casefold()
            matches = [d for d in listing if (d.label or "").strip().casefold() == wanted]
        if len(matches) != 1:
            known = ", ".join(f"{d.label!r} ({d.category}={d.type_id})" for d in listing)
            problem = "no" if not matches else "more than one"
            raise ValueError(
                f"{problem} association type matches {label!r} for {from_type} -> {to_type}; "
                f"defined: {known or 'none'}"
            )
        return matches[0]

    # -- changes -------------------------------------------------------------------------

    def define(
        self,
        from_type: str,
        to_type: str,
        label: str,
        *,
        reverse_label: str | None = None,
        category: str = "USER_DEFINED",
        type_id: int | None = None,
        reverse_type_id: int | None = None,
        single: bool = False,
        limit: int | None = None,
        reverse_limit: int | None = None,
    ) -> tuple[int, int]:
        """Add a label to both directions; return ``(type ID from -> to, type ID to -> from)``.

        ``reverse_label`` names the other direction of a paired label (default: the same
        label). IDs of None are allocated from the portal's own range. ``limit`` caps how many
        records one from-record may hold with this label (``reverse_limit``: per to-record).
        """
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"a label must be non-empty text, got {label!r}")
        if category not in CATEGORIES:
            raise ValueError(f"category must be one of {CATEGORIES}, got {category!r}")
        for name, value in (("limit", limit), ("reverse_limit", reverse_limit)):
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(f"{name} must be a whole number >= 0 or None, got {value!r}")
        ids = self._add(
            from_type,
            to_type,
            category,
            label,
            reverse_label or label,
            type_id,
            reverse_type_id,
            single,
            limit,
            reverse_limit,
        )
        self.defined.append(
            (
                from_type,
                to_type,
                {
                    "label": label,
                    "reverse_label": reverse_label,
                    "category": category,
                    "type_id": type_id,
                    "reverse_type_id": reverse_type_id,
                    "single": single,
                    "limit": limit,
                    "reverse_limit": reverse_limit,
                },
            )
        )
        return ids

    def _add(
        self,
        from_type: str,
        to_type: str,
        category: str,
        label: str,
        reverse_label: str,
        type_id: int | None,
        reverse_type_id: int | None,
        single: bool,
        limit: int | None,
        reverse_limit: int | None,
    ) -> tuple[int, int]:
        a = self.types.resolve(from_type)
        b = self.types.resolve(to_type)
        if a is None or b is None:
            raise ValueError(f"unknown object type: {from_type if a is None else to_type!r}")
        forward = self._allocate(type_id)
        reverse = forward if a == b and reverse_label == label and reverse_type_id is None else None
        reverse = self._allocate(reverse_type_id) if reverse is None else reverse
        for direction, number in ((self.direction(a, b), forward), (self.direction(b, a), reverse)):
            if (category, number) in direction:
                raise ValueError(f"{category}={number} is already defined for {a} -> {b}")
        if (a, forward) != (b, reverse):  # a type with itself, unpaired: one definition
            self.direction(b, a)[(category, reverse)] = Definition(
                category, reverse, reverse_label, forward, False, reverse_limit
            )
        self.direction(a, b)[(category, forward)] = Definition(
            category, forward, label, reverse, single, limit
        )
        return forward, reverse

    def _allocate(self, wanted: int | None) -> int:
        if wanted is not None:
            if isinstance(wanted, bool) or not isinstance(wanted, int) or wanted < 1:
                raise ValueError(f"type IDs must be positive whole numbers, got {wanted!r}")
            return wanted
        number = self.next_user_id
        self.next_user_id += 1
        return number
