"""Read associations: ``POST .../batch/read``, following each from-ID's pages.

The keys are the unique from-IDs of a run. An input is ``{"id": "101"}``, plus ``"after":
"<cursor>"`` for a later page. One result per from-ID lists its targets, each with every
association type it holds (``toObjectId`` and ``associationTypes``), and carries
``paging.next.after`` while more pages remain: such a key is asked for again (``Decoded.more``)
with that cursor, and decided when its last page arrives. The links gathered over the pages are
the key's value, as JSON text (see :func:`encode_links`), so a journal keeps them too.

A from-ID whose pages loop (a cursor sent back a second time) or do not end (more than
:data:`MAX_PAGES`) fails (see :mod:`.paging`), and the links its pages gathered are dropped:
they are never reported, nor taken for all it holds (``sync()`` removes nothing for it).

A from-ID with no associations (or one that does not exist: they look the same) is reported in
``errors`` with sub-category ``crm.associations.NO_ASSOCIATIONS_FOUND``: that is a success with
no links. Any other error naming a from-ID refuses it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from hubassoc_pandas.operations.base import Decoded, Encoded, Operation, association_path
from hubassoc_pandas.operations.named_ids import ids_named
from hubassoc_pandas.operations.paging import Trail, paging_error
from hubassoc_pandas.transport.responses import ApiResponse, ErrorInfo, parse_error, whole_number

__all__ = ["MAX_PAGES", "NO_ASSOCIATIONS", "ReadAssociations", "decode_links", "encode_links"]

logger = logging.getLogger("hubassoc_pandas")

#: The sub-category of a from-ID that holds no association of the pair of types.
NO_ASSOCIATIONS = "NO_ASSOCIATIONS_FOUND"

#: The most pages read for one from-ID. HubSpot publishes no bound; at even 100 targets a
#: page this is a million associations of one record, far past what a record holds, while a
#: server that never stops announcing pages is caught after a bounded number of requests.
MAX_PAGES = 10_000

#: One link: (to-ID, association type ID, category, label).
Link = tuple[int, int | None, str | None, str | None]


def encode_links(links: dict[tuple[int, int | None], tuple[str | None, str | None]]) -> str:
    """A from-ID's links as JSON text, sorted by to-ID then type ID.

    Examples
    --------
    >>> encode_links({(9, 279): ("HUBSPOT_DEFINED", None), (7, 1): ("HUBSPOT_DEFINED", "Primary")})
    '[[7,1,"HUBSPOT_DEFINED","Primary"],[9,279,"HUBSPOT_DEFINED",null]]'
    """
    ordered = sorted(links.items(), key=lambda item: (item[0][0], item[0][1] or 0))
    rows = [[to_id, type_id, category, label] for (to_id, type_id), (category, label) in ordered]
    return json.dumps(rows, separators=(",", ":"))


def decode_links(text: str | None) -> list[Link]:
    """The links of :func:`encode_links` text (none for None).

    Examples
    --------
    >>> decode_links('[[7,1,"HUBSPOT_DEFINED","Primary"]]')
    [(7, 1, 'HUBSPOT_DEFINED', 'Primary')]
    """
    if not text:
        return []
    return [(int(r[0]), r[1], r[2], r[3]) for r in json.loads(text)]


class ReadAssociations(Operation):
    """The associations of each from-ID towards ``to_type``, every page of them.

    Parameters
    ----------
    from_type, to_type : str
        Normalised object types (path segments).
    api_version : str
        A date version such as ``"2026-03"``, or ``"v4"``.
    from_ids : numpy.ndarray of int64
        The unique from-IDs: the keys.

    Examples
    --------
    >>> op = ReadAssociations("contacts", "companies", "2026-03", np.array([101, 102]))
    >>> op.path()
    'crm/associations/2026-03/contacts/companies/batch/read'
    >>> op.encode(np.array([1])).payload
    {'inputs': [{'id': '102'}]}
    """

    name: ClassVar[str] = "read"
    verb: ClassVar[str] = "read"
    success: ClassVar[str] = "read"
    max_batch_size: ClassVar[int] = 1000
    value_columns: ClassVar[dict[str, tuple[Any, Any]]] = {"links": ("string", None)}

    def __init__(self, from_type: str, to_type: str, api_version: str, from_ids: np.ndarray):
        self.from_type = from_type
        self.to_type = to_type
        self.api_version = api_version
        self.from_ids = np.asarray(from_ids, dtype=np.int64)
        # Per key being paged: the next page's cursor, the links of the pages so far, and
        # the cursors followed. Written by decode() on the main thread before the key is
        # queued again; read by encode() on a worker thread afterwards.
        self.after: dict[int, str] = {}
        self.gathered: dict[int, dict[tuple[int, int | None], tuple[str | None, str | None]]] = {}
        self.trails: dict[int, Trail] = {}

    @property
    def n_keys(self) -> int:
        return len(self.from_ids)

    def identity(self) -> dict[str, str]:
        return {"operation": self.name, "from_type": self.from_type, "to_type": self.to_type}

    def path(self) -> str:
        return association_path(self.api_version, self.from_type, self.to_type, "batch/read")

    def encode(self, keys: np.ndarray) -> Encoded:
        wire = [str(v) for v in self.from_ids[keys].tolist()]
        inputs: list[dict[str, str]] = []
        for key, from_id in zip(keys.tolist(), wire, strict=True):
            after = self.after.get(key)
            inputs.append({"id": from_id} if after is None else {"id": from_id, "after": after})
        return Encoded({"inputs": inputs}, wire)

    def decode(self, response: ApiResponse, keys: np.ndarray, encoded: Encoded) -> Decoded:
        body = response.body if isinstance(response.body, dict) else {}
        position = {from_id: n for n, from_id in enumerate(encoded.wire)}
        done: list[int] = []
        more: list[int] = []
        refused: dict[ErrorInfo, list[int]] = {}
        decided: set[int] = set()
        results = body.get("results")
        for result in results if isinstance(results, list) else []:
            at = position.get(_from_id_of(result))
            if at is None or at in decided:
                continue
            decided.add(at)
            outcome = self._page(int(keys[at]), result, response)
            if isinstance(outcome, ErrorInfo):  # its pages loop or do not end
                logger.warning("%s %s: %s", self.from_type, encoded.wire[at], outcome.message)
                refused.setdefault(outcome, []).append(at)
            else:
                (more if outcome else done).append(at)
        unattributed: list[ErrorInfo] = []
        errors = body.get("errors")
        for error in errors if isinstance(errors, list) else []:
            info = parse_error(error)
            named = [p for p in self._positions(error, encoded.wire) if p not in decided]
            decided.update(named)
            if not named:
                unattributed.append(info)
            elif (info.sub_category or "").endswith(NO_ASSOCIATIONS):
                done.extend(named)  # none (or none beyond the pages already read)
            else:
                refused.setdefault(info, []).extend(named)
        for at in [p for group in refused.values() for p in group]:
            self._forget(int(keys[at]))
        links = [encode_links(self._forget(int(keys[at]))) for at in done]
        return Decoded(
            succeeded=np.asarray(done, dtype=np.int64),
            values={"links": links},
            refused=refused,
            open=np.asarray([p for p in range(len(keys)) if p not in decided], dtype=np.int64),
            unattributed=unattributed,
            more=np.asarray(more, dtype=np.int64),
        )

    def _page(self, key: int, result: dict[str, Any], response: ApiResponse) -> bool | ErrorInfo:
        """Gather one page of a key's links; True when another page follows, an ErrorInfo
        when its pages loop or do not end."""
        gathered = self.gathered.setdefault(key, {})
        targets = result.get("to")
        for target in targets if isinstance(targets, list) else []:
            if not isinstance(target, dict):
                continue
            to_id = whole_number(target.get("toObjectId", target.get("id")))
            if to_id is None:
                continue
            types = target.get("associationTypes")
            for spec in types if isinstance(types, list) and types else [{}]:
                if isinstance(spec, dict):
                    type_id = whole_number(spec.get("typeId", spec.get("associationTypeId")))
                    category = spec.get("category", spec.get("associationCategory"))
                    gathered[(to_id, type_id)] = (category, spec.get("label"))
        paging = result.get("paging")
        after = paging.get("next", {}).get("after") if isinstance(paging, dict) else None
        if not after:
            return False
        trail = self.trails.setdefault(key, Trail(MAX_PAGES))
        problem = trail.follow(str(after))
        if problem is not None:
            return paging_error(
                problem,
                trail,
                str(after),
                response,
                subject="the associations of this from-ID",
                bound=(
                    f"a from-ID is read for at most {MAX_PAGES:,} pages, far more than any "
                    "record's associations fill"
                ),
                consequence=(
                    "None of the links its pages listed is used: the read reports this "
                    "from-ID failed, and nothing is removed for it."
                ),
                again="run the same call again (read(), sync(), check_existing=True)",
            )
        self.after[key] = str(after)
        return True

    def _forget(self, key: int) -> dict[tuple[int, int | None], tuple[str | None, str | None]]:
        self.after.pop(key, None)
        self.trails.pop(key, None)
        return self.gathered.pop(key, {})

    def _positions(self, error: Any, wire: Sequence[str]) -> list[int]:
        """Positions of the batch's from-IDs an error names: in its context (keys holding
        IDs of the from side, or of either), else tied to them by its message's words
        (``... with contact 101``; see :func:`.named_ids.ids_named`)."""
        named = ids_named(error, (self.from_type, self.to_type)).on("from")
        return [n for n, from_id in enumerate(wire) if from_id in named] if named else []

    def named(self, body: Any, encoded: Encoded) -> list[int]:
        return self._positions(body, encoded.wire) if isinstance(body, dict) else []

    def journal_keys(self, keys: np.ndarray) -> list[str]:
        return [str(v) for v in self.from_ids[keys].tolist()]

    def find_in_journal(self, stored: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        where = {text: n for n, text in enumerate(stored)}
        rows = [where.get(str(from_id), -1) for from_id in self.from_ids.tolist()]
        found = np.flatnonzero(np.asarray(rows, dtype=np.int64) >= 0)
        return found, np.asarray(rows, dtype=np.int64)[found]


def _from_id_of(result: Any) -> str | None:
    if not isinstance(result, dict):
        return None
    source = result.get("from")
    value = source.get("id") if isinstance(source, dict) else None
    number = whole_number(value)
    return None if number is None else str(number)
