"""Remove associations: ``POST .../batch/archive``.

Removes every association (labelled or not, both directions) between each pair; the records
stay. Inputs group the to-IDs of one from-ID. Removing a pair that is not associated is a
silent no-op, so no answer lists what it removed: a removal is confirmed by the answer as a
whole, and only by the two HubSpot documents (:func:`removal_doubt`): v4's 204 with no body,
and 2026-03's 200 with ``{"status": "COMPLETE", "results": [], ...}``, whatever its 2xx code
(HubSpot changes them without notice). Pairs an error names are refused. The rest are
removed when the answer is one of those two and accounts for every error it counts; else
(``{}``, a status of PENDING, PROCESSING or CANCELED, ``numErrors`` more than the errors
listed, an error naming no pair) they are sent once more, then ``unconfirmed``, saying why.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from hubassoc_pandas.operations.base import Decoded, Encoded, PairOperation, association_path
from hubassoc_pandas.transport.responses import ApiResponse, parse_error, whole_number

__all__ = ["Archive", "removal_doubt"]


def removal_doubt(response: ApiResponse) -> str | None:
    """Why a removal's 2xx answer does not confirm the inputs its errors do not name; None
    when it does: a 204 without a body, or the batch envelope (a ``status`` of COMPLETE, or
    no status but a ``results`` list) whose ``numErrors``, if given, is the number of
    ``errors`` it lists.

    Examples
    --------
    >>> removal_doubt(ApiResponse(204)) is None
    True
    >>> removal_doubt(ApiResponse(200, body={"status": "COMPLETE", "results": []})) is None
    True
    >>> removal_doubt(ApiResponse(200, body={}))
    'its body was {}, not the status COMPLETE that says a removal is done'
    >>> removal_doubt(ApiResponse(200, body={"status": "PENDING", "results": []}))
    'its status was PENDING, not COMPLETE: the removal had not finished when HubSpot answered'
    >>> removal_doubt(ApiResponse(200, body={"status": "COMPLETE", "numErrors": 2}))
    'its numErrors was 2, its errors listed 0: which inputs failed is unknown'
    """
    body = response.body
    if not isinstance(body, dict):
        if response.status == 204:
            return None
        return "it had no body, and only a 204 without one says a removal is done"
    status = body.get("status")
    if status is None and not isinstance(body.get("results"), list):
        shown = "its body was {}" if not body else "its body had neither a status nor results"
        return f"{shown}, not the status COMPLETE that says a removal is done"
    word = "COMPLETE" if status is None else str(status).upper()
    if word != "COMPLETE":
        what = "was canceled" if word == "CANCELED" else "had not finished"
        shown = str(status) or "empty"
        return f"its status was {shown}, not COMPLETE: the removal {what} when HubSpot answered"
    counted = whole_number(body.get("numErrors"))
    errors = body.get("errors")
    listed = len(errors) if isinstance(errors, list) else 0
    if counted is not None and counted != listed:
        return (
            f"its numErrors was {counted}, its errors listed {listed}: which inputs failed is "
            "unknown"
        )
    return None


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
        errors = body.get("errors")
        for error in errors if isinstance(errors, list) else []:
            info = parse_error(error)
            named = [p for p in self.named(error, encoded) if p not in taken]
            if not named:
                unattributed.append(info)
            taken.update(named)
            refused.setdefault(info, []).extend(named)
        rest = np.setdiff1d(np.arange(len(keys), dtype=np.int64), np.fromiter(taken, np.int64))
        # an answer HubSpot does not document as done, or an error naming no pair (it may be
        # about any of the others), proves none of the rest removed
        doubt = removal_doubt(response)
        confirmed = doubt is None and not unattributed
        succeeded, still_open = (rest, rest[:0]) if confirmed else (rest[:0], rest)
        return Decoded(
            succeeded=succeeded,
            open=still_open,
            refused={info: group for info, group in refused.items() if group},
            unattributed=unattributed,
            doubt=doubt,
        )
