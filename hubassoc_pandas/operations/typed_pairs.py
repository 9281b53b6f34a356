"""What the operations on typed pairs share: a key is (from, to, association type).

``batch/create`` and ``batch/labels/archive`` take ``{"inputs": [{"from": {"id"}, "to": {"id"},
"types": [{"associationCategory", "associationTypeId"}]}]}``. The types of a run are a small table
of :class:`~hubassoc_pandas.operations.label_list.LabelType`; each key of the plan names one by its
tag (``plan.pair_tag``; without tags, every key has the table's only type). The category always goes
with the type ID, and ``types`` is never empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.plan import Plan
from hubassoc_pandas.operations.base import Encoded, PairOperation
from hubassoc_pandas.operations.label_list import LabelType
from hubassoc_pandas.operations.named_ids import pairs_named

__all__ = ["TypedPairs"]

#: ``USER_DEFINED=3`` in a message names a type, not a record: not read as an ID.
_TYPE_TEXT = re.compile(r"\b[A-Z_]+_DEFINED\s*[=:]\s*[0-9]+")


class TypedPairs(PairOperation):
    """A pair operation whose keys each carry one association type.

    Parameters
    ----------
    from_type, to_type, api_version, plan
        As for :class:`~hubassoc_pandas.operations.base.PairOperation`.
    types : sequence of LabelType
        The run's types; ``plan.pair_tag`` indexes them (no tags: one type for every key).
    """

    def __init__(
        self,
        from_type: str,
        to_type: str,
        api_version: str,
        plan: Plan,
        types: Sequence[LabelType],
    ) -> None:
        super().__init__(from_type, to_type, api_version, plan)
        if not types and plan.n_pairs:
            raise ValueError("a typed pair operation needs at least one association type")
        self.types = list(types)
        tags = plan.pair_tag
        self.tag_of_key = np.zeros(plan.n_pairs, dtype=np.int64) if tags is None else tags

    def encode(self, keys: np.ndarray) -> Encoded:
        """Inputs of one pair and one type each; ``wire`` keeps IDs and tags by position."""
        from_ids, to_ids = self.wire_ids(keys)
        tags = self.tag_of_key[keys].tolist()
        specs = [[t.spec()] for t in self.types]
        inputs = [
            {"from": {"id": f}, "to": {"id": t}, "types": specs[tag]}
            for f, t, tag in zip(from_ids, to_ids, tags, strict=True)
        ]
        return Encoded({"inputs": inputs}, (from_ids, to_ids, tags))

    def named(self, body: Any, encoded: Encoded) -> list[int]:
        """Positions an error names by record IDs (type names such as ``USER_DEFINED=3`` in
        its message are not IDs)."""
        if not isinstance(body, dict):
            return []
        message = body.get("message")
        if isinstance(message, str) and _TYPE_TEXT.search(message):
            body = {**body, "message": _TYPE_TEXT.sub(" ", message)}
        from_ids, to_ids = encoded.wire[0], encoded.wire[1]
        return pairs_named(body, from_ids, to_ids, self.sides)

    def journal_keys(self, keys: np.ndarray) -> list[str]:
        """``from:to:CATEGORY=type_id`` per key."""
        names = [f"{t.category}={t.type_id}" for t in self.types]
        plan = self.plan
        return [
            f"{f}:{t}:{names[tag]}"
            for f, t, tag in zip(
                plan.pair_from[keys].tolist(),
                plan.pair_to[keys].tolist(),
                self.tag_of_key[keys].tolist(),
                strict=True,
            )
        ]

    def find_in_journal(self, stored: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        if not len(stored) or not self.n_keys:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        ours = pd.Index(self.journal_keys(np.arange(self.n_keys, dtype=np.int64)))
        found = ours.get_indexer(pd.Index(list(stored)))
        positions = np.flatnonzero(found >= 0).astype(np.int64)
        return found[positions].astype(np.int64), positions

    def type_of(self, position: int, encoded: Encoded) -> LabelType:
        """The type of the key at ``position`` of a batch."""
        return self.types[encoded.wire[2][position]]
