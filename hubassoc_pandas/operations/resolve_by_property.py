"""Find records by a unique property: ``POST /crm/objects/{version}/{type}/batch/read`` with
``idProperty``.

Each key is one distinct, normalised value (an email, an ``external_id``). HubSpot answers by
record, in any order and once per record however many inputs named it, so each result is
mapped back to the inputs by the property's value (read with the same rules as the inputs;
for a unique property whose case differs, by the value in any case when that names one input
only). For contacts by email, the contact's ``hs_additional_emails`` are matched too, in case
HubSpot finds a contact by a secondary address. Values HubSpot does not find come back in an
OBJECT_NOT_FOUND error listing them in ``context.ids``: they are decided too, as matching no
record. Nothing here decides what a value with no record means for a row; that is
:mod:`hubassoc_pandas.jobs.keys.lookup`' job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from hubassoc_pandas.inputs.key_values import key_kind, normalise_email, normalise_unique
from hubassoc_pandas.operations.base import Decoded, Encoded, Operation
from hubassoc_pandas.operations.found import FOUND, found_text, objects_path
from hubassoc_pandas.transport.responses import ApiResponse, ErrorInfo, parse_error

__all__ = ["ResolveByProperty"]

_NOT_FOUND = "OBJECT_NOT_FOUND"


class ResolveByProperty(Operation):
    """The records holding each of ``values`` in the unique property ``id_property``.

    Parameters
    ----------
    object_type : str
        A normalised object type (path segment).
    id_property : str
        ``"email"`` (contacts) or a property created with unique values.
    api_version : str
        A date version such as ``"2026-03"`` (``"v4"`` uses the objects API's ``v3``).
    values : sequence of str
        The distinct values to find, already normalised (:mod:`hubassoc_pandas.inputs.key_values`).

    Examples
    --------
    >>> op = ResolveByProperty("contacts", "email", "2026-03", ["ann@x.io"])
    >>> op.path(), op.encode(np.array([0])).payload["inputs"]
    ('crm/objects/2026-03/contacts/batch/read', [{'id': 'ann@x.io'}])
    """

    name: ClassVar[str] = "objects/batch/read"
    verb: ClassVar[str] = "resolve"
    success: ClassVar[str] = "resolved"
    max_batch_size: ClassVar[int] = 100
    value_columns: ClassVar[dict[str, tuple[Any, Any]]] = {FOUND: ("string", None)}

    def __init__(
        self, object_type: str, id_property: str, api_version: str, values: Sequence[str]
    ) -> None:
        self.object_type = object_type
        self.id_property = id_property
        self.api_version = api_version
        self.values = list(values)
        self._read = normalise_email if key_kind(id_property) == "email" else normalise_unique
        self._matched = [id_property]
        if id_property == "email":
            self._matched.append("hs_additional_emails")

    @staticmethod
    def prefix_for(object_type: str, id_property: str) -> str:
        """How journal keys of this lookup begin."""
        return f"{object_type}.{id_property}:"

    @property
    def n_keys(self) -> int:
        return len(self.values)

    def path(self) -> str:
        return objects_path(self.api_version, self.object_type, "batch/read")

    def encode(self, keys: np.ndarray) -> Encoded:
        values = [self.values[k] for k in keys.tolist()]
        payload = {
            "idProperty": self.id_property,
            "inputs": [{"id": value} for value in values],
            "properties": list(self._matched),
            "propertiesWithHistory": [],
        }
        return Encoded(payload, values)

    def _positions(self, values: list[str]) -> tuple[dict[str, int], dict[str, int]]:
        exact = {value: position for position, value in enumerate(values)}
        folded: dict[str, int] = {}
        for position, value in enumerate(values):
            lowered = value.lower()
            folded[lowered] = -1 if lowered in folded else position  # -1: not one input
        return exact, folded

    def _position(self, text: Any, exact: dict[str, int], folded: dict[str, int]) -> int | None:
        value, _ = self._read(text)
        if value is None:
            return None
        if value in exact:
            return exact[value]
        position = folded.get(value.lower(), -1)
        return position if position >= 0 else None

    def decode(self, response: ApiResponse, keys: np.ndarray, encoded: Encoded) -> Decoded:
        body = response.body if isinstance(response.body, dict) else {}
        values: list[str] = encoded.wire
        if not isinstance(body.get("results", []), list):
            return Decoded(open=np.arange(len(values), dtype=np.int64))
        exact, folded = self._positions(values)
        found: dict[int, dict[str, Any]] = {}
        for result in body.get("results") or []:
            if not isinstance(result, dict) or result.get("id") is None:
                continue
            properties = result.get("properties") or {}
            created = properties.get("createdate") or result.get("createdAt")
            for name in self._matched:
                raw = properties.get(name)
                if raw is None:
                    continue
                for text in [raw] if name == self.id_property else str(raw).split(";"):
                    position = self._position(text, exact, folded)
                    if position is not None:
                        found.setdefault(position, {})[str(result["id"])] = created
        missing, refused, unattributed = self._errors(body, exact, folded)
        decided = set(found) | missing
        refused = {info: [p for p in group if p not in decided] for info, group in refused.items()}
        succeeded = sorted(decided)
        return Decoded(
            succeeded=np.asarray(succeeded, dtype=np.int64),
            values={FOUND: [found_text({values[p]: found.get(p, {})}) for p in succeeded]},
            refused={info: group for info, group in refused.items() if group},
            open=np.asarray(
                [p for p in range(len(values)) if p not in decided and not _in(refused, p)],
                dtype=np.int64,
            ),
            unattributed=unattributed,
        )

    def _errors(
        self, body: dict[str, Any], exact: dict[str, int], folded: dict[str, int]
    ) -> tuple[set[int], dict[ErrorInfo, list[int]], list[ErrorInfo]]:
        """Values reported missing, values refused by another error, errors naming none."""
        missing: set[int] = set()
        refused: dict[ErrorInfo, list[int]] = {}
        unattributed: list[ErrorInfo] = []
        for error in body.get("errors") or []:
            info = parse_error(error)
            named = self._named_in(error, exact, folded)
            if not named:
                unattributed.append(info)
            elif info.category == _NOT_FOUND:
                missing.update(named)
            else:
                refused.setdefault(info, []).extend(named)
        return missing, refused, unattributed

    def _named_in(self, error: Any, exact: dict[str, int], folded: dict[str, int]) -> list[int]:
        named: list[int] = []
        if not isinstance(error, dict):
            return named
        for holder in [error, *[e for e in error.get("errors") or [] if isinstance(e, dict)]]:
            context = holder.get("context")
            if not isinstance(context, dict):
                continue
            for listed in context.values():
                for text in listed if isinstance(listed, list) else [listed]:
                    position = self._position(text, exact, folded)
                    if position is not None and position not in named:
                        named.append(position)
        return named

    def named(self, body: Any, encoded: Encoded) -> list[int]:
        exact, folded = self._positions(encoded.wire)
        return self._named_in(body, exact, folded)

    def journal_keys(self, keys: np.ndarray) -> list[str]:
        prefix = self.prefix_for(self.object_type, self.id_property)
        return [prefix + self.values[k] for k in keys.tolist()]

    def find_in_journal(self, stored: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        # what earlier runs found is read back per value by hubassoc_pandas.jobs.keys.lookup,
        # before the operation is made; its keys are only the values still to look up
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)

    def identity(self) -> dict[str, str]:
        return {"operation": self.name, "object_type": self.object_type}


def _in(refused: dict[ErrorInfo, list[int]], position: int) -> bool:
    return any(position in group for group in refused.values())
