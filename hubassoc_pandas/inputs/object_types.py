"""Normalise HubSpot object-type names as they appear in the URL path.

Known standard types are accepted by name (singular or plural, any case) or by their ``0-N``
type ID and normalised to the plural name. Custom object types pass through as given in any
of their three forms: ``2-<digits>``, ``p_<name>`` and ``p<portalId>_<name>``. HubSpot adds
object types every year, so any other well-formed name (letters, digits, underscores) or
``0-N`` ID is passed through as well, lower-cased, and HubSpot's own answer ("Unable to infer
object type") settles it; only what cannot be a path segment is refused here.
"""

from __future__ import annotations

import re

from hubassoc_pandas.errors import ConfigError

__all__ = ["STANDARD_TYPE_IDS", "normalize_object_type"]

#: Plural name -> numeric object type ID for HubSpot's standard objects.
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

_SINGULAR = {
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
    "postal_mails": "postal_mail",
    "lead": "leads",
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
_BY_TYPE_ID = {type_id: name for name, type_id in STANDARD_TYPE_IDS.items()}
_CUSTOM = re.compile(r"^(2-\d+|p_[a-z0-9_]+|p\d+_[a-z0-9_]+)$", re.IGNORECASE)
_OTHER_TYPE_ID = re.compile(r"^0-\d{1,9}$")
_OTHER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


def normalize_object_type(value: object, *, role: str = "object type") -> str:
    """Return the path segment to send for an object type, or raise ConfigError.

    Parameters
    ----------
    value : str
        A standard name (``"Contact"``, ``"companies"``), a type ID (``"0-3"``) or a custom
        object form (``"2-3453"``, ``"p_cars"``, ``"p1234_cars"``).
    role : str
        How the argument is named in the error message, e.g. ``"from_type"``.

    Examples
    --------
    >>> normalize_object_type("Contact")
    'contacts'
    >>> normalize_object_type("0-2")
    'companies'
    >>> normalize_object_type("p_cars")
    'p_cars'
    >>> normalize_object_type("Invoice"), normalize_object_type("widgets")
    ('invoices', 'widgets')
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{role} must be a non-empty string such as 'contacts', '0-1', '2-3453' or "
            f"'p_cars'; got {value!r}."
        )
    text = value.strip()
    key = text.lower().replace("-", "_") if not text.startswith(("0-", "2-")) else text
    if key in STANDARD_TYPE_IDS:
        return key
    if key in _SINGULAR:
        return _SINGULAR[key]
    if text in _BY_TYPE_ID:
        return _BY_TYPE_ID[text]
    if _CUSTOM.match(text):
        return text
    if _OTHER_TYPE_ID.match(text):
        return text
    if _OTHER_NAME.match(text.lower()):
        return text.lower()  # a type this version does not know by name: HubSpot will say
    raise ConfigError(
        f"{role}={value!r} cannot be a HubSpot object type. Use a name such as 'contacts' or "
        "'invoices' (singular or plural, any case; letters, digits and underscores), a type "
        "ID such as '0-1', or a custom object as '2-<digits>', 'p_<name>' or "
        "'p<portalId>_<name>'."
    )
