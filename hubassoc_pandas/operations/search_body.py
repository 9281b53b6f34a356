"""The body of a companies search by domain, and packing many domains into few of them. Pure.

HubSpot's CRM search takes at most :data:`MAX_GROUPS` filter groups of
:data:`MAX_PER_GROUP` filters (:data:`MAX_FILTERS` in all) and a body of at most
:data:`MAX_BODY` characters. One ``IN`` filter names many domains, so a body holds one filter
group per property searched (``domain``, and ``hs_additional_domains`` unless told not to),
each listing the same domains, split into more groups only past :data:`MAX_IN_VALUES` values
per filter (a cap of our own: HubSpot publishes none for ``IN``). In practice the character
cap decides: about 150 domains of 15 characters fit a body that searches ``domain`` alone,
about 75 one that searches both properties. Every body keeps room for the ``after`` cursor of
later pages.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

__all__ = [
    "MAX_BODY",
    "MAX_FILTERS",
    "MAX_GROUPS",
    "MAX_IN_VALUES",
    "MAX_PER_GROUP",
    "body_bytes",
    "pack_domains",
    "search_body",
    "searched_properties",
]

MAX_BODY, MAX_GROUPS, MAX_PER_GROUP, MAX_FILTERS = 3000, 5, 6, 18
#: Values per ``IN`` filter (our own, conservative cap).
MAX_IN_VALUES = 100
#: Results per page, HubSpot's maximum.
PAGE_SIZE = 200
#: The longest ``after`` cursor a body keeps room for.
CURSOR_ROOM = 24
_SORTS = [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]


def searched_properties(additional: bool) -> list[str]:
    """The properties a domain is looked for in."""
    return ["domain", "hs_additional_domains"] if additional else ["domain"]


def search_body(
    domains: Sequence[str], *, additional: bool = True, after: str | None = None
) -> dict[str, Any]:
    """The search for companies with any of ``domains`` (lower-case) as a domain.

    Examples
    --------
    >>> body = search_body(["acme.com", "beta.io"], additional=False)
    >>> body["filterGroups"]
    [{'filters': [{'propertyName': 'domain', 'operator': 'IN', 'values': ['acme.com', 'beta.io']}]}]
    >>> body["limit"], "after" in body
    (200, False)
    """
    groups = [
        {
            "filters": [
                {
                    "propertyName": name,
                    "operator": "IN",
                    "values": list(domains[start : start + MAX_IN_VALUES]),
                }
            ]
        }
        for name in searched_properties(additional)
        for start in range(0, max(len(domains), 1), MAX_IN_VALUES)
    ]
    body: dict[str, Any] = {
        "filterGroups": groups,
        "properties": [*searched_properties(additional), "createdate"],
        "sorts": _SORTS,
        "limit": PAGE_SIZE,
    }
    if after is not None:
        body["after"] = after
    return body


def body_bytes(body: dict[str, Any]) -> bytes:
    """The body exactly as sent (compact JSON, ASCII)."""
    return json.dumps(body, separators=(",", ":")).encode("ascii")


def _fits(domains: Sequence[str], additional: bool, max_chars: int) -> bool:
    groups = len(searched_properties(additional)) * -(-len(domains) // MAX_IN_VALUES)
    if groups > MAX_GROUPS or groups > MAX_FILTERS:
        return False
    room = "x" * CURSOR_ROOM
    return len(body_bytes(search_body(domains, additional=additional, after=room))) <= max_chars


def pack_domains(
    domains: Sequence[str], *, additional: bool = True, max_chars: int = MAX_BODY
) -> list[list[str]]:
    """Cut ``domains`` into consecutive packs, each as large as one search body allows.

    Each domain costs its quoted length (and a comma after the first) once per property
    searched, and a new filter group past every :data:`MAX_IN_VALUES` domains; each pack is
    then measured as sent, and shortened if it does not fit after all.

    Examples
    --------
    >>> packs = pack_domains([f"company-{n}.com" for n in range(300)])
    >>> [len(p) for p in packs]
    [78, 75, 73, 73, 1]
    >>> [len(p) for p in pack_domains([f"company-{n}.com" for n in range(300)], additional=False)]
    [156, 144]
    """
    if not domains:
        return []
    width = len(searched_properties(additional))
    base = len(body_bytes(search_body([], additional=additional, after="x" * CURSOR_ROOM)))
    group_cost = sum(
        len(json.dumps(group, separators=(",", ":"))) + 1
        for group in search_body([], additional=additional)["filterGroups"]
    )
    packs: list[list[str]] = []
    current: list[str] = []
    size = base
    for domain in domains:
        quoted = len(json.dumps(domain))
        place = len(current) % MAX_IN_VALUES
        cost = width * (quoted + (1 if place else 0)) + (group_cost if current and not place else 0)
        groups = width * -(-(len(current) + 1) // MAX_IN_VALUES)
        if current and (size + cost > max_chars or groups > MAX_GROUPS):
            packs.append(current)
            current, size, cost = [], base, width * quoted
        current.append(domain)
        size += cost
    packs.append(current)
    return _shortened(packs, additional, max_chars)


def _shortened(packs: list[list[str]], additional: bool, max_chars: int) -> list[list[str]]:
    """Move domains from the end of any pack that does not fit into a pack of their own."""
    fitted: list[list[str]] = []
    for pack in packs:
        spill: list[str] = []
        while len(pack) > 1 and not _fits(pack, additional, max_chars):
            spill.insert(0, pack.pop())
        fitted.append(pack)
        if spill:
            fitted.extend(_shortened([spill], additional, max_chars))
    return fitted
