"""Associate records (default): ``POST .../batch/associate/default``.

Creates the unlabelled, most generic association between each pair. A pair is confirmed only
by a result naming it (in either direction); a 2xx that says nothing about a pair leaves it
open, and the engine sends it once more before calling it unconfirmed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from hubassoc_pandas.inputs.plan import mirror_last, take_without_mirrors
from hubassoc_pandas.operations.associate_answers import decode_listings, map_success
from hubassoc_pandas.operations.base import Decoded, Encoded, PairOperation, association_path
from hubassoc_pandas.operations.pair_wire import PairBatch, PairListings
from hubassoc_pandas.transport.responses import ApiResponse

__all__ = ["AssociateDefault"]


class AssociateDefault(PairOperation):
    """The default association of each (from, to) pair.

    The batch cap is HubSpot's documented 2,000 inputs for batch create requests.

    Examples
    --------
    >>> from hubassoc_pandas.inputs.plan import make_plan
    >>> import pandas as pd
    >>> op = AssociateDefault("contacts", "companies", "2026-03",
    ...                       make_plan(pd.Series([1, 2]), pd.Series([7, 8])))
    >>> op.encode(np.array([1])).payload.json()
    {'inputs': [{'from': {'id': '2'}, 'to': {'id': '8'}}]}
    """

    name: ClassVar[str] = "associate/default"
    verb: ClassVar[str] = "associate"
    success: ClassVar[str] = "associated"
    max_batch_size: ClassVar[int] = 2000
    value_columns: ClassVar[dict[str, tuple[Any, Any]]] = {
        "association_type_id": ("Int64", None),
        "association_category": ("string", None),
    }

    def path(self) -> str:
        return association_path(
            self.api_version, self.from_type, self.to_type, "batch/associate/default"
        )

    def encode(self, keys: np.ndarray) -> Encoded:
        """The request as JSON text, with a reader that matches the answer to the batch; the
        wire is the :class:`PairBatch` (iterating it gives the from- and to-IDs as sent)."""
        batch = PairBatch.of_numbers(self.plan.pair_from[keys], self.plan.pair_to[keys])
        return Encoded(batch.prepared(), batch)

    def decode(self, response: ApiResponse, keys: np.ndarray, encoded: Encoded) -> Decoded:
        body, batch = response.body, encoded.wire
        results = body.get("results") if isinstance(body, dict) else None
        # listings naming a pair and its mirror go the careful way below
        if (
            isinstance(results, PairListings)
            and isinstance(batch, PairBatch)
            and not results.mirrored
        ):
            return decode_listings(body, results, batch, self.sides)
        from_ids, to_ids = batch
        verdict = map_success(body, from_ids, to_ids, self.sides)
        specs = list(verdict.confirmed.values())
        refused: dict[Any, list[int]] = {}
        for position, info in verdict.refused.items():
            refused.setdefault(info, []).append(position)
        return Decoded(
            succeeded=np.fromiter(verdict.confirmed, dtype=np.int64, count=len(specs)),
            values={
                "association_type_id": [spec[0] for spec in specs],
                "association_category": [spec[1] for spec in specs],
            },
            refused=refused,
            open=np.asarray(verdict.unmentioned, dtype=np.int64),
            unattributed=verdict.unattributed,
        )

    def order(self, pending: np.ndarray) -> tuple[np.ndarray, int]:
        # a pair and its mirror never share a batch: mirrors with the larger from-ID go last
        return mirror_last(self.plan.pair_from, self.plan.pair_to, pending)

    def separate(self, keys: Sequence[int], limit: int) -> tuple[list[int], list[int]]:
        """Up to ``limit`` keys for one batch, leaving any pair whose mirror is taken."""
        return take_without_mirrors(self.plan.pair_from, self.plan.pair_to, keys, limit)
