"""Object types and default association type IDs, as the sandbox understands them.

Standard object types are accepted by name (singular or plural, any case) or by their
numeric type ID (``0-1`` for contacts, ...). Custom object types are registered explicitly
and are then reachable as ``2-<digits>``, ``p_<name>`` and ``p<portalId>_<name>``; their bare
name is refused, as HubSpot refuses it.

Every type resolves to one canonical name: the plural standard name (``"contacts"``) or the
custom type ID (``"2-3453"``).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping

__all__ = [
    "NO_ASSOCIATION_TYPES",
    "STANDARD_TYPE_IDS",
    "ObjectTypes",
    "default_association_type_id",
]

#: Canonical standard object names and their numeric type IDs.
STANDARD_TYPE_IDS: dict[str, str] = {
    "contacts": "0-1",
    "companies": "0-2",
    "deals": "0-3",
    "tickets": "0-5",
    "products": "0-7",
    "line_items": "0-8",
    "quotes": "0-14",
    "communications": "0-18",
    "tasks": "0-27",
    "notes": "0-46",
    "meetings": "0-47",
    "calls": "0-48",
    "emails": "0-49",
    "postal_mail": "0-116",
    "leads": "0-136",
    "feedback_submissions": "0-19",
    "invoices": "0-53",
    "marketing_events": "0-54",
    "subscriptions": "0-69",
    "goals": "0-74",
    "payments": "0-101",
    "users": "0-115",
    "orders": "0-123",
    "carts": "0-142",
    "services": "0-162",
    "courses": "0-410",
    "listings": "0-420",
    "appointments": "0-421",
    "projects": "0-970",
}

_SINGULAR: dict[str, str] = {
    "contact": "contacts",
    "company": "companies",
    "deal": "deals",
    "ticket": "tickets",
    "product": "products",
    "line_item": "line_items",
    "quote": "quotes",
    "communication": "communications",
    "task": "tasks",
    "note": "notes",
    "meeting": "meetings",
    "call": "calls",
    "email": "emails",
    "lead": "leads",
    "postal_mails": "postal_mail",
    "feedback_submission": "feedback_submissions",
    "invoice": "invoices",
    "marketing_event": "marketing_events",
    "subscription": "subscriptions",
    "goal": "goals",
    "payment": "payments",
    "user": "users",
    "order": "orders",
    "cart": "carts",
    "service": "services",
    "course": "courses",
    "listing": "listings",
    "appointment": "appointments",
    "project": "projects",
}

_STANDARD_ALIASES: dict[str, str] = {
    **{name: name for name in STANDARD_TYPE_IDS},
    **_SINGULAR,
    **{type_id: name for name, type_id in STANDARD_TYPE_IDS.items()},
}

# HubSpot-defined default association type IDs (from -> to), forward direction only; the
# reverse direction is looked up by swapping the pair.
_KNOWN_PAIRS: dict[tuple[str, str], tuple[int, int]] = {
    ("contacts", "companies"): (279, 280),
    ("deals", "contacts"): (3, 4),
    ("deals", "companies"): (341, 342),
    ("tickets", "contacts"): (16, 15),
    ("tickets", "companies"): (339, 340),
    ("deals", "tickets"): (27, 28),
    ("deals", "line_items"): (19, 20),
    ("contacts", "notes"): (201, 202),
    ("contacts", "tasks"): (203, 204),
    ("contacts", "contacts"): (449, 449),
    ("companies", "companies"): (450, 450),
    ("deals", "deals"): (451, 451),
    ("tickets", "tickets"): (452, 452),
    ("contacts", "calls"): (193, 194),
    ("companies", "calls"): (181, 182),
    ("deals", "calls"): (205, 206),
    ("tickets", "calls"): (219, 220),
    ("leads", "contacts"): (608, 609),
    ("leads", "companies"): (610, 611),
    ("invoices", "companies"): (179, 180),
}

#: Object types HubSpot defines no association for in this sandbox: a product is a catalogue
#: entry (line items carry it into deals and quotes), so every pair with ``products`` has no
#: default association type.
NO_ASSOCIATION_TYPES: frozenset[str] = frozenset({"products"})

#: Types whose scope is not ``crm.objects.<name>.<access>`` (the same for read and write).
_SCOPE_NAMES: dict[str, str] = {"tickets": "tickets", "products": "e-commerce"}

_ACTIVITIES = frozenset(
    {"calls", "emails", "meetings", "notes", "tasks", "communications", "postal_mail"}
)

_CUSTOM_ID = re.compile(r"^2-\d+$")
_CUSTOM_NAME = re.compile(r"^p(\d*)_([a-z0-9_]+)$")


def _bare_custom_name(name: str) -> str:
    """Strip a ``p_`` or ``p<portal>_`` prefix from a custom object name."""
    lowered = name.strip().lower()
    match = _CUSTOM_NAME.match(lowered)
    return match.group(2) if match else lowered


class ObjectTypes:
    """Resolves object type path segments to canonical names.

    Parameters
    ----------
    custom_object_types : Mapping[str, str] or None
        Custom type ID -> name, e.g. ``{"2-3453": "p_cars"}`` (``"cars"`` works too).
    portal_id : int
        The sandbox portal's ID; ``p<portal_id>_<name>`` is accepted for custom types.

    Examples
    --------
    >>> types = ObjectTypes({"2-3453": "p_cars"}, portal_id=123)
    >>> types.resolve("Contact"), types.resolve("0-2"), types.resolve("p123_cars")
    ('contacts', 'companies', '2-3453')
    """

    def __init__(self, custom_object_types: Mapping[str, str] | None, portal_id: int) -> None:
        self.portal_id = portal_id
        self.custom: dict[str, str] = {}
        self._aliases: dict[str, str] = dict(_STANDARD_ALIASES)
        for type_id, name in (custom_object_types or {}).items():
            type_id = type_id.strip()
            if not _CUSTOM_ID.match(type_id):
                raise ValueError(f"custom object type ID must look like '2-<digits>': {type_id!r}")
            bare = _bare_custom_name(name)
            if not re.fullmatch(r"[a-z0-9_]+", bare):
                raise ValueError(f"invalid custom object name: {name!r}")
            self.custom[type_id] = bare
            self._aliases[type_id] = type_id
            self._aliases[f"p_{bare}"] = type_id
            self._aliases[f"p{portal_id}_{bare}"] = type_id

    def resolve(self, name: str) -> str | None:
        """Return the canonical name for ``name``, or None if the type is unknown."""
        return self._aliases.get(name.strip().lower())

    def is_custom(self, canonical: str) -> bool:
        """Whether ``canonical`` is a registered custom object type."""
        return canonical in self.custom

    def singular(self, canonical: str) -> str:
        """A human label for one record of the type, used in error messages."""
        if canonical in self.custom:
            return self.custom[canonical]
        for singular, plural in _SINGULAR.items():
            if plural == canonical and not singular.endswith("s"):
                return singular
        return canonical

    def scope(self, canonical: str, access: str) -> str:
        """The OAuth scope HubSpot names for ``access`` (``"read"`` or ``"write"``) to a type.

        Examples
        --------
        >>> types = ObjectTypes(None, 1)
        >>> types.scope("contacts", "write"), types.scope("tickets", "read")
        ('crm.objects.contacts.write', 'tickets')
        >>> types.scope("calls", "write"), types.scope("products", "write")
        ('crm.objects.contacts.write', 'e-commerce')
        """
        if canonical in self.custom:
            return f"crm.objects.custom.{access}"
        if canonical in _SCOPE_NAMES:
            return _SCOPE_NAMES[canonical]
        if canonical in _ACTIVITIES:
            # Activities are governed by the contacts scopes.
            return f"crm.objects.contacts.{access}"
        return f"crm.objects.{canonical}.{access}"

    def write_scope(self, canonical: str) -> str:
        """The OAuth scope needed to write associations of this type."""
        return self.scope(canonical, "write")

    def type_id(self, canonical: str) -> str:
        """The numeric type ID (``"0-1"``, ``"2-3453"``) of a canonical type."""
        return STANDARD_TYPE_IDS.get(canonical, canonical)


def default_association_type_id(from_type: str, to_type: str, portal_id: int, custom: bool) -> int:
    """The default (HUBSPOT_DEFINED) association type ID for ``from_type -> to_type``.

    Known standard pairs use HubSpot's published numbers; other standard pairs get a stable
    number derived from the pair; pairs involving a custom type get a number that also depends
    on the portal, as custom association type IDs do. The reverse direction of a pair always
    gets a different number than the forward direction (except for a type with itself).

    Parameters
    ----------
    from_type, to_type : str
        Canonical object type names.
    portal_id : int
        Portal ID, mixed into custom pairs' numbers.
    custom : bool
        Whether either side is a custom object type.

    Returns
    -------
    int
    """
    if (from_type, to_type) in _KNOWN_PAIRS:
        return _KNOWN_PAIRS[(from_type, to_type)][0]
    if (to_type, from_type) in _KNOWN_PAIRS:
        return _KNOWN_PAIRS[(to_type, from_type)][1]
    low, high = sorted((from_type, to_type))
    seed = f"{portal_id}:{low}:{high}" if custom else f"{low}:{high}"
    base = (1000 if custom else 400) + 2 * (zlib.crc32(seed.encode()) % 4000)
    return base if (from_type, to_type) == (low, high) else base + 1
