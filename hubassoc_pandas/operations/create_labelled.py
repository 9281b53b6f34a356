"""Associate records with a label: ``POST .../batch/create``.

Each key is a pair and one association type (a label, or the unlabelled default written by
its type ID). HubSpot's results name labels, not type IDs, and carry the record IDs as JSON
numbers (strings in the schema): ``{"fromObjectId": 29851, "toObjectId": 7, "labels":
["Billing contact"], ...}``, listing every label the pair holds in that direction. A key is
confirmed only by a result for its pair, in its direction, that holds the label asked for
(for the unlabelled default: any result for the pair). An error naming the pair refuses the
key with HubSpot's message (an unknown type, an association limit, a missing record: none of
them retryable); a 2xx that says neither leaves the key open, and the engine sends it once more
before calling it unconfirmed.

Two keys of one pair (two labels) may share a batch: an error naming the pair is given to the
key whose label or type it names, when it names one. A pair and its mirror (a->b, b->a) never
share a batch: a listing of one from its other end would look like the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from hubassoc_pandas.inputs.plan import mirror_last, take_without_mirrors
from hubassoc_pandas.operations.base import Decoded, Encoded, association_path
from hubassoc_pandas.operations.label_list import LabelType
from hubassoc_pandas.operations.typed_pairs import TypedPairs
from hubassoc_pandas.transport.responses import ApiResponse, ErrorInfo, parse_error

__all__ = ["CreateLabelled", "Holdings", "read_holdings"]

#: Per listed pair (from ID, to ID): its labels (case-folded) and the (category, type ID) of
#: the types named.
Holdings = dict[tuple[int, int], tuple[set[str], set[tuple[str | None, int]]]]
#: Keys of a result that name types by ID.
_TYPE_KEYS = frozenset(("associationSpec", "associationTypes", "types"))


class CreateLabelled(TypedPairs):
    """A labelled association of each (from, to, type) key.

    The batch cap is HubSpot's documented 2,000 inputs for batch create requests. The results
    frame's label columns come from what each row asks for (see
    :mod:`hubassoc_pandas.jobs.labels.labelling`), so the operation has no value columns of its own.

    Examples
    --------
    >>> import pandas as pd
    >>> from hubassoc_pandas.inputs.plan import make_plan
    >>> op = CreateLabelled("contacts", "companies", "2026-03",
    ...                     make_plan(pd.Series([1]), pd.Series([7])),
    ...                     [LabelType("USER_DEFINED", 28, "Billing contact")])
    >>> op.encode(np.array([0])).payload
    {'inputs': [{'from': {'id': '1'}, 'to': {'id': '7'}, \
'types': [{'associationCategory': 'USER_DEFINED', 'associationTypeId': 28}]}]}
    """

    name: ClassVar[str] = "batch/create"
    verb: ClassVar[str] = "associate"
    success: ClassVar[str] = "associated"
    max_batch_size: ClassVar[int] = 2000

    def path(self) -> str:
        return association_path(self.api_version, self.from_type, self.to_type, "batch/create")

    def decode(self, response: ApiResponse, keys: np.ndarray, encoded: Encoded) -> Decoded:
        tags = encoded.wire[2]
        body = response.body if isinstance(response.body, dict) else {}
        holdings = read_holdings(body.get("results"))
        confirmed: set[int] = set()
        if holdings:
            pair_from, pair_to = (
                self.plan.pair_from[keys].tolist(),
                self.plan.pair_to[keys].tolist(),
            )
            pairs = zip(pair_from, pair_to, strict=True)
            for position, pair in enumerate(pairs):
                held = holdings.get(pair)
                if held is not None and _holds(held, self.types[tags[position]]):
                    confirmed.add(position)
        refused, unattributed = self._refusals(body.get("errors"), encoded, confirmed)
        decided = confirmed.union(*refused.values())
        return Decoded(
            succeeded=np.fromiter(sorted(confirmed), dtype=np.int64, count=len(confirmed)),
            refused=refused,
            open=np.asarray([p for p in range(len(tags)) if p not in decided], np.int64),
            unattributed=unattributed,
        )

    def _refusals(
        self, errors: Any, encoded: Encoded, confirmed: set[int]
    ) -> tuple[dict[ErrorInfo, list[int]], list[ErrorInfo]]:
        """Positions each error refuses (each position by its first error only)."""
        refused: dict[ErrorInfo, list[int]] = {}
        unattributed: list[ErrorInfo] = []
        taken = set(confirmed)
        for error in errors if isinstance(errors, list) else []:
            info = parse_error(error)
            named = [p for p in self.named(error, encoded) if p not in taken]
            named = self._narrow(named, info.message, encoded)
            if not named:
                unattributed.append(info)
                continue
            taken.update(named)
            refused.setdefault(info, []).extend(named)
        return refused, unattributed

    def _narrow(self, positions: list[int], message: str, encoded: Encoded) -> list[int]:
        """Of several keys of one pair, those whose label or type the message names."""
        from_ids, to_ids = encoded.wire[0], encoded.wire[1]
        by_pair: dict[tuple[str, str], list[int]] = {}
        for position in positions:
            by_pair.setdefault((from_ids[position], to_ids[position]), []).append(position)
        if all(len(group) == 1 for group in by_pair.values()):
            return positions
        narrowed: list[int] = []
        for group in by_pair.values():
            hits = [p for p in group if _mentions(message, self.type_of(p, encoded))]
            narrowed.extend(hits if len(group) > 1 and hits else group)
        return narrowed

    def order(self, pending: np.ndarray) -> tuple[np.ndarray, int]:
        # a pair and its mirror never share a batch: mirrors with the larger from-ID go last
        return mirror_last(self.plan.pair_from, self.plan.pair_to, pending)

    def separate(self, keys: Sequence[int], limit: int) -> tuple[list[int], list[int]]:
        return take_without_mirrors(self.plan.pair_from, self.plan.pair_to, keys, limit)


def read_holdings(results: Any) -> Holdings:
    """What each listed pair holds, from the ``results`` of a batch/create answer.

    IDs may be JSON numbers or strings, under ``fromObjectId``/``toObjectId`` or
    ``from.id``/``to.id``; types named by ID (``associationSpec``, ``associationTypes``,
    ``types``) count as well as label names. The hot loop of a labelled run, kept lean: the
    usual result (IDs as numbers, a list of labels) costs a few dictionary look-ups.

    Examples
    --------
    >>> held = read_holdings([{"fromObjectId": 1, "toObjectId": "7", "labels": ["Billing"]}])
    >>> held[(1, 7)]
    ({'billing'}, set())
    """
    holdings: Holdings = {}
    fold: dict[str, str] = {}  # each label's text as compared, worked out once
    for result in results if isinstance(results, list) else []:
        if type(result) is not dict:
            continue
        from_id, to_id = result.get("fromObjectId"), result.get("toObjectId")
        if type(from_id) is not int or type(to_id) is not int:
            from_id, to_id = (
                _id_number(result, "fromObjectId", "from"),
                _id_number(result, "toObjectId", "to"),
            )
            if from_id is None or to_id is None:
                continue
        held = holdings.get((from_id, to_id))
        if held is None:
            held = holdings[(from_id, to_id)] = (set(), set())
        labels = result.get("labels")
        if type(labels) is list:
            for label in labels:
                folded = fold.get(label) if type(label) is str else None
                if folded is None and type(label) is str:
                    folded = fold[label] = label.strip().casefold()
                if folded is not None:
                    held[0].add(folded)
        if not _TYPE_KEYS.isdisjoint(result):
            held[1].update(_types_named(result))
    return holdings


def _id_number(result: dict[str, Any], flat: str, nested: str) -> int | None:
    value = result.get(flat)
    if value is None and isinstance(result.get(nested), dict):
        value = result[nested].get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _types_named(result: dict[str, Any]) -> set[tuple[str | None, int]]:
    found: set[tuple[str | None, int]] = set()
    for key in _TYPE_KEYS:
        specs = result.get(key)
        for spec in specs if isinstance(specs, list) else [specs]:
            if not isinstance(spec, dict):
                continue
            number = spec.get("associationTypeId", spec.get("typeId"))
            category = spec.get("associationCategory", spec.get("category"))
            if isinstance(number, int) and not isinstance(number, bool):
                found.add((category if isinstance(category, str) else None, number))
    return found


def _holds(held: tuple[set[str], set[tuple[str | None, int]]], wanted: LabelType) -> bool:
    labels, types = held
    if wanted.label is None:
        return True  # the unlabelled default: any listing of the pair
    if wanted.label.strip().casefold() in labels:
        return True
    return (wanted.category, wanted.type_id) in types or (None, wanted.type_id) in types


def _mentions(message: str, wanted: LabelType) -> bool:
    text = message.casefold()
    if wanted.label is not None and wanted.label.strip().casefold() in text:
        return True
    return f"{wanted.category}={wanted.type_id}".casefold() in text
