"""Find companies by domain: ``POST /crm/objects/{version}/companies/search``.

A company ``domain`` is not unique in HubSpot, so it cannot be an ``idProperty``; search
finds every company with a domain. Each key of this operation is one *pack* of distinct,
normalised domains (:func:`.search_body.pack_domains`), searched by one body; the operation
keeps, per pack, the queries still to send and their ``after`` cursors, and asks the engine
for another request (``Decoded.more``) for each next page. A query whose ``total`` is past
HubSpot's 10,000-result cap is split in halves (its domains searched apart); a single domain
with more than 10,000 companies is recorded as *capped*: its companies cannot all be listed.

A query whose pages loop (a cursor sent back a second time) or go past
:data:`MAX_PAGES` fails its pack (see :mod:`.paging`): what its pages found is dropped, and no
domain of the pack is resolved from it. Cursors are tracked per query: a later query of the
same pack starts afresh, and may well be sent the same offsets.

Results are mapped back to domains by the properties returned: a company whose ``domain`` is
the searched one matches it first-hand; one that only lists it in ``hs_additional_domains``
matches it second-hand, and counts only when no company matches first-hand.

``IN`` matches the stored text exactly, and a company may hold ``www.acme.com``. The domains a
pack's search finds no company for are searched again with ``www.`` before them (cut into
bodies that fit); a company found so matches ``acme.com`` as if it held it. This second search
is made only for domains with no match at all, so a company holding ``www.acme.com`` is not
found when another holds ``acme.com`` itself, the way a second-hand match is not. What the matches
mean for a row (one record, none, or several) is :mod:`hubassoc_pandas.jobs.keys.lookup`' job.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from hubassoc_pandas.inputs.key_values import normalise_domain
from hubassoc_pandas.operations.base import Decoded, Encoded, Operation
from hubassoc_pandas.operations.found import FOUND, found_text, objects_path
from hubassoc_pandas.operations.paging import Trail, paging_error
from hubassoc_pandas.operations.search_body import (
    PAGE_SIZE,
    body_bytes,
    pack_domains,
    search_body,
    searched_properties,
)
from hubassoc_pandas.transport.responses import ApiResponse
from hubassoc_pandas.transport.wire import Prepared

__all__ = ["MAX_PAGES", "MAX_RESULTS", "SearchDomains"]

#: Results one search query can reach (a page past them is refused with a 400).
MAX_RESULTS = 10_000
#: The pages one query can have: its 10,000 results at 200 a page. A last page that still
#: announces another offers results HubSpot says it never gives.
MAX_PAGES = MAX_RESULTS // PAGE_SIZE

logger = logging.getLogger("hubassoc_pandas")

_Query = list[Any]  # [domains (tuple), after (str | None), with www. before them (bool)]


class SearchDomains(Operation):
    """The companies having each domain of each pack.

    Parameters
    ----------
    api_version : str
        A date version such as ``"2026-03"`` (``"v4"`` uses the objects API's ``v3``).
    packs : sequence of sequence of str
        Distinct normalised domains, cut into packs that each fit one search body.
    additional : bool
        Whether ``hs_additional_domains`` is searched too.

    Examples
    --------
    >>> op = SearchDomains("2026-03", [["acme.com", "beta.io"]], additional=False)
    >>> body = op.encode(np.array([0])).payload.json()
    >>> op.path(), body["filterGroups"][0]["filters"][0]["values"]
    ('crm/objects/2026-03/companies/search', ['acme.com', 'beta.io'])
    """

    name: ClassVar[str] = "companies/search"
    verb: ClassVar[str] = "resolve"
    success: ClassVar[str] = "resolved"
    max_batch_size: ClassVar[int] = 1
    value_columns: ClassVar[dict[str, tuple[Any, Any]]] = {FOUND: ("string", None)}

    def __init__(
        self, api_version: str, packs: Sequence[Sequence[str]], *, additional: bool = True
    ) -> None:
        self.api_version = api_version
        self.packs = [tuple(pack) for pack in packs]
        self.additional = additional
        self._queries: dict[int, list[_Query]] = {}
        self._found: dict[int, dict[str, dict[str, tuple[int, Any]]]] = {}
        self._capped: dict[int, dict[str, int]] = {}
        self._trails: dict[int, Trail] = {}  # per pack, the pages of its current query

    @staticmethod
    def prefix_for(additional: bool) -> str:
        """How journal keys of this search begin."""
        return f"companies.{'+'.join(searched_properties(additional))}:"

    @property
    def n_keys(self) -> int:
        return len(self.packs)

    def path(self) -> str:
        return objects_path(self.api_version, "companies", "search")

    def _pending(self, key: int) -> list[_Query]:
        return self._queries.setdefault(key, [[self.packs[key], None, False]])

    def encode(self, keys: np.ndarray) -> Encoded:
        if len(keys) != 1:
            raise ValueError("a companies search carries one pack of domains per request")
        key = int(keys[0])
        domains, after, www = self._pending(key)[0]
        values = [f"www.{domain}" for domain in domains] if www else domains
        body = search_body(values, additional=self.additional, after=after)
        return Encoded(Prepared(body_bytes(body)), (key, domains, after, www))

    def decode(self, response: ApiResponse, keys: np.ndarray, encoded: Encoded) -> Decoded:
        key, domains, after, www = encoded.wire
        body = response.body if isinstance(response.body, dict) else {}
        results = body.get("results")
        if not isinstance(results, list):
            return Decoded(open=np.arange(1, dtype=np.int64))
        pending = self._pending(key)
        total = body.get("total")
        if after is None and isinstance(total, int) and total > MAX_RESULTS:
            pending.pop(0)
            self._trails.pop(key, None)
            if len(domains) > 1:  # too many results for one query: search each half apart
                half = len(domains) // 2
                pending[:0] = [[domains[:half], None, www], [domains[half:], None, www]]
            else:  # the first page's companies stand for the rest
                self._note(key, domains, results)
                self._capped.setdefault(key, {})[domains[0]] = total
        else:
            self._note(key, domains, results)
            cursor = ((body.get("paging") or {}).get("next") or {}).get("after")
            if cursor is not None and str(cursor) != "":
                refusal = self._follow(key, domains, str(cursor), response)
                if refusal is not None:
                    return refusal
                pending[0][1] = str(cursor)
            else:
                pending.pop(0)
                self._trails.pop(key, None)
                if not www:
                    pending.extend(self._with_www(key, domains))
        if pending:
            return Decoded(more=np.arange(1, dtype=np.int64))
        return Decoded(succeeded=np.arange(1, dtype=np.int64), values={FOUND: [self._finish(key)]})

    def _follow(
        self, key: int, domains: tuple[str, ...], cursor: str, response: ApiResponse
    ) -> Decoded | None:
        """Follow the current query's next cursor; the pack's refusal when its pages loop or
        do not end (what it found is dropped), else None."""
        trail = self._trails.setdefault(key, Trail(MAX_PAGES))
        problem = trail.follow(cursor)
        if problem is None:
            return None
        searched = self.packs[key]
        together = "" if len(domains) == 1 else f" and {len(domains) - 1:,} more searched with it"
        info = paging_error(
            problem,
            trail,
            cursor,
            response,
            subject=f"the companies with domain {domains[0]!r}{together}",
            bound=f"a search lists at most {MAX_RESULTS:,} results: {MAX_PAGES} pages",
            consequence=(
                f"None of the {len(searched):,} domains looked up in this search is resolved "
                "from it, so their rows are not sent."
            ),
            again="run retry() on the results (or the same call again)",
        )
        logger.warning("companies search for domain %r: %s", searched[0], info.message)
        self._forget(key)
        return Decoded(refused={info: [0]})

    def _with_www(self, key: int, domains: tuple[str, ...]) -> list[_Query]:
        """The queries that search again, with ``www.`` before them, the domains of a
        finished query that no company matched."""
        found, capped = self._found.get(key, {}), self._capped.get(key, {})
        missing = [d for d in domains if not found.get(d) and d not in capped]
        if not missing:
            return []
        prefixed = pack_domains([f"www.{d}" for d in missing], additional=self.additional)
        return [[tuple(value[4:] for value in pack), None, True] for pack in prefixed]

    def _forget(self, key: int) -> None:
        for state in (self._queries, self._found, self._capped, self._trails):
            state.pop(key, None)

    def _note(self, key: int, domains: tuple[str, ...], results: list[Any]) -> None:
        """Record which searched domains each returned company has, first- or second-hand."""
        wanted = set(domains)
        found = self._found.setdefault(key, {})
        for result in results:
            if not isinstance(result, dict) or result.get("id") is None:
                continue
            properties = result.get("properties") or {}
            created = properties.get("createdate") or result.get("createdAt")
            record = str(result["id"])
            primary = normalise_domain(properties.get("domain"))[0]
            others = str(properties.get("hs_additional_domains") or "").split(";")
            seen = {primary: 0} if primary in wanted else {}
            for text in others if self.additional else []:
                domain = normalise_domain(text)[0]
                if domain in wanted:
                    seen.setdefault(domain, 1)
            for domain, tier in seen.items():
                held = found.setdefault(domain, {}).get(record)
                found[domain][record] = (tier if held is None else min(tier, held[0]), created)

    def _finish(self, key: int) -> str:
        """The pack's ``found`` value: per domain, its first-hand companies, else the rest."""
        found = self._found.pop(key, {})
        self._queries.pop(key, None)
        self._trails.pop(key, None)
        entries: dict[str, dict[str, Any]] = {}
        for domain in self.packs[key]:
            matches = found.get(domain, {})
            best = min((tier for tier, _ in matches.values()), default=0)
            entries[domain] = {r: c for r, (tier, c) in matches.items() if tier == best}
        return found_text(entries, self._capped.pop(key, None))

    def named(self, body: Any, encoded: Encoded) -> list[int]:
        return []  # a refused search names no domain: its pack fails as one

    def journal_keys(self, keys: np.ndarray) -> list[str]:
        prefix = self.prefix_for(self.additional)
        return [prefix + " ".join(self.packs[k]) for k in keys.tolist()]

    def find_in_journal(self, stored: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        # earlier runs' findings are read back per domain by hubassoc_pandas.jobs.keys.lookup,
        # before the operation is made; its packs hold only the domains still to look up
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)

    def identity(self) -> dict[str, str]:
        return {"operation": self.name, "object_type": "companies"}
