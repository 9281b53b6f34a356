"""Which endpoint a request path names: the sandbox's routing table.

Association endpoints live under ``/crm/associations/{date}/{from}/{to}/...`` (a date version
such as ``2026-03``) and the legacy ``/crm/v4/associations/{from}/{to}/...``; the v4 label list
is also reachable as ``/crm/associations/v4/{from}/{to}/labels``. Object endpoints live under
``/crm/objects/{date}/{objectType}/...`` and ``/crm/v3/objects/{objectType}/...``.

Endpoint names: ``associate_default``, ``create``, ``archive``, ``labels_archive``, ``read``,
``labels`` (association endpoints) and ``objects_read``, ``search`` (object endpoints).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["Route", "match_route", "parse_route"]

_DATE = re.compile(r"^\d{4}-\d{2}$")

#: Path tails after ``{from}/{to}`` -> endpoint name (association endpoints).
_ASSOCIATION_TAILS: dict[tuple[str, ...], str] = {
    ("batch", "associate", "default"): "associate_default",
    ("batch", "create"): "create",
    ("batch", "archive"): "archive",
    ("batch", "labels", "archive"): "labels_archive",
    ("batch", "read"): "read",
    ("labels",): "labels",
}

#: Path tails after ``{objectType}`` -> endpoint name (object endpoints).
_OBJECT_TAILS: dict[tuple[str, ...], str] = {
    ("batch", "read"): "objects_read",
    ("search",): "search",
}


@dataclass(frozen=True)
class Route:
    """A matched path.

    Attributes
    ----------
    name : str
        The endpoint name, e.g. ``"archive"``.
    version : str
        ``"v4"``, ``"v3"`` or a date version such as ``"2026-03"``.
    types : tuple[str, ...]
        The object type path segments as sent (``(from, to)``, or ``(objectType,)``).
    """

    name: str
    version: str
    types: tuple[str, ...]


def match_route(path: str, extra: Mapping[tuple[str, ...], str] | None = None) -> Route | None:
    """Return the :class:`Route` a path names, or None for an unknown path.

    ``extra`` adds association path tails (after ``{from}/{to}``) -> endpoint names.

    Examples
    --------
    >>> match_route("/crm/associations/2026-03/contacts/companies/batch/archive?x=1")
    Route(name='archive', version='2026-03', types=('contacts', 'companies'))
    >>> match_route("/crm/v3/objects/companies/search").name
    'search'
    """
    parts = path.split("?", 1)[0].strip("/").split("/")
    if len(parts) < 4 or parts[0] != "crm":
        return None
    if parts[1] == "associations" and (_DATE.match(parts[2]) or parts[2] == "v4"):
        version, rest = parts[2], parts[3:]
    elif parts[1] == "v4" and parts[2] == "associations":
        version, rest = "v4", parts[3:]
    elif parts[1] == "objects" and _DATE.match(parts[2]):
        return _object_route(parts[2], parts[3:])
    elif parts[1] == "v3" and parts[2] == "objects":
        return _object_route("v3", parts[3:])
    else:
        return None
    if len(rest) < 3:
        return None
    tail = tuple(rest[2:])
    name = _ASSOCIATION_TAILS.get(tail) or (extra or {}).get(tail)
    if name is None:
        return None
    # The v4 label list lives at /crm/associations/v4/...; v4 batch calls at /crm/v4/...
    if parts[1] == "associations" and version == "v4" and name != "labels":
        return None
    return Route(name, version, (unquote(rest[0]), unquote(rest[1])))


def _object_route(version: str, rest: list[str]) -> Route | None:
    if len(rest) < 2:
        return None
    name = _OBJECT_TAILS.get(tuple(rest[1:]))
    return None if name is None else Route(name, version, (unquote(rest[0]),))


def parse_route(path: str) -> tuple[str, str] | None:
    """Return ``(fromObjectType, toObjectType)`` if ``path`` is batch associate/default.

    Examples
    --------
    >>> parse_route("/crm/associations/2026-03/contacts/companies/batch/associate/default")
    ('contacts', 'companies')
    >>> parse_route("/crm/v4/associations/0-1/0-2/batch/associate/default")
    ('0-1', '0-2')
    """
    route = match_route(path)
    if route is None or route.name != "associate_default":
        return None
    return route.types[0], route.types[1]
