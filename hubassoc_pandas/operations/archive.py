"""Remove associations: ``POST .../batch/archive``.

Removes every association (labelled or not, both directions) between each pair; the records
stay. Inputs group the to-IDs of one from-ID. HubSpot answers 2026-03 requests 200 with an
empty ``results`` list and v4 requests 204 with no body, and removing a pair that is not
associated is a silent no-op: so a 2xx removes every pair it does not refuse by name (unless
an error names no pair, when the rest are sent again, as unproven).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from hubassoc_pandas.operations.base import Decoded, Encoded, PairOperation, association_path
from hubassoc_pandas.transport.responses import ApiResponse, parse_error

__all__ = ["Archive"]


class Archive(PairOperation):
    """Every association between each (from, to) pair.

    HubSpot documents no batch cap for removals; 2,000 is the cap of the create family it
    belongs with, and a batch refused as too large shrinks by itself.

    Examples
    --------
    >>> from hubassoc_pandas.inputs.plan import make_plan
    >>> import pandas as pd
    >>> op = Archive("contacts", "companies", "v4",
    ...              make_plan(pd.Series([1, 1, 2]), pd.Series([7, 8, 7])))
    >>> op.encode(np.arange(3)).payload["inputs"][0]
    {'from': {'id': '1'}, 'to': [{'id': '7'}, {'id': '8'}]}
    """

    name: ClassVar[str] = "archive"
    verb: ClassVar[str] = "disassociate"
    success: ClassVar[str] = "removed"
    max_batch_size: ClassVar[int] = 2000
    empty_ok: ClassVar[bool] = True

    def path(self) -> str:
        return association_path(self.api_version, self.from_type, self.to_type, "batch/archive")

    def encode(self, keys: np.ndarray) -> Encoded:
        from_ids, to_ids = self.wire_ids(keys)
        grouped: dict[str, list[dict[str, str]]] = {}
        for from_id, to_id in zip(from_ids, to_ids, strict=True):
            grouped.setdefault(from_id, []).append({"id": to_id})
        inputs = [{"from": {"id": f}, "to": targets} for f, targets in grouped.items()]
        return Encoded({"inputs": inputs}, (from_ids, to_ids))

    def decode(self, response: ApiResponse, keys: np.ndarray, encoded: Encoded) -> Decoded:
        body = response.body if isinstance(response.body, dict) else {}
        refused: dict[Any, list[int]] = {}
        unattributed = []
        taken: set[int] = set()
        for error in body.get("errors") or []:
            info = parse_error(error)
            named = [p for p in self.named(error, encoded) if p not in taken]
            if not named:
                unattributed.append(info)
            taken.update(named)
            refused.setdefault(info, []).extend(named)
        rest = np.setdiff1d(np.arange(len(keys), dtype=np.int64), np.fromiter(taken, np.int64))
        # an error naming no pair may be about any of the others: they are not proven removed
        succeeded, still_open = (rest, rest[:0]) if not unattributed else (rest[:0], rest)
        return Decoded(
            succeeded=succeeded,
            open=still_open,
            refused={info: group for info, group in refused.items() if group},
            unattributed=unattributed,
        )
