"""Kinds of keys: which property a key column holds for which object type, checked. Pure.

Also the pacer of CRM search, which finds companies by domain under its own limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hubassoc_pandas.engine.pacing import Pacer
from hubassoc_pandas.engine.rate_limit import RateLimit
from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.inputs.key_values import key_kind
from hubassoc_pandas.operations.resolve_by_property import ResolveByProperty
from hubassoc_pandas.operations.search_domains import SearchDomains

__all__ = [
    "SEARCH_RATE_LIMIT",
    "KeySpec",
    "key_spec",
    "search_pacer",
]

#: CRM search's own limit: about five requests per second per account.
SEARCH_RATE_LIMIT = RateLimit(5, 1.0)


@dataclass(frozen=True)
class KeySpec:
    """A kind of key: the object type, and the property whose values the column holds."""

    object_type: str
    id_property: str
    additional_domains: bool = True

    @property
    def kind(self) -> str:
        return key_kind(self.id_property)

    @property
    def searched(self) -> bool:
        """Whether keys are found by CRM search (domains) instead of batch/read."""
        return self.kind == "domain"

    @property
    def prefix(self) -> str:
        """How this kind's lookups begin in a journal."""
        if self.searched:
            return SearchDomains.prefix_for(self.additional_domains)
        return ResolveByProperty.prefix_for(self.object_type, self.id_property)

    def describe(self) -> str:
        return f"{self.object_type} by {self.id_property}"


def key_spec(object_type: str, id_property: Any, *, role: str = "id_property") -> KeySpec:
    """Check a key property for an object type; ConfigError says what to fix.

    Examples
    --------
    >>> key_spec("companies", "domain").searched
    True
    >>> key_spec("contacts", " email ").id_property
    'email'
    """
    if not isinstance(id_property, str) or not id_property.strip():
        raise ConfigError(
            f"{role}={id_property!r}: give the name of the property the column holds, such "
            "as 'email' (contacts), 'domain' (companies) or a property with unique values."
        )
    name = id_property.strip()
    if name == "domain" and object_type != "companies":
        raise ConfigError(
            f"{role}='domain' finds companies; the {role.split('_')[0]} side is "
            f"{object_type!r}. Use a unique property of {object_type}, or IDs."
        )
    if name in ("hs_object_id", "id"):
        raise ConfigError(
            f"{role}={name!r}: that column already holds record IDs; leave {role} out."
        )
    return KeySpec(object_type, name)


class _SearchPacer(Pacer):
    """Search's pacer: its answers' rate-limit headers describe the ten-secondly window, not
    search's own per-second limit, so they are not learnt from."""

    def observe(
        self,
        sent_at: float,
        headers: Mapping[str, str],
        received_at: float | None = None,
        *,
        refused: bool = False,
    ) -> None:
        return None


def search_pacer(limit: RateLimit = SEARCH_RATE_LIMIT) -> Pacer:
    """A pacer for CRM search: about five requests per second, held after its 429s."""
    return _SearchPacer(limit, ceiling=limit)
