"""What a 2xx answer of batch/archive and batch/labels/archive decides, shape by shape: the
answers HubSpot documents as done remove every pair not refused by name; the rest (``{}``,
PENDING, PROCESSING, CANCELED, ``numErrors`` past the errors listed, no body but not a 204)
confirm nothing, and say why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hubassoc_pandas.inputs.plan import make_plan
from hubassoc_pandas.operations.archive import Archive, removal_doubt
from hubassoc_pandas.operations.archive_labels import ArchiveLabels
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.operations.label_list import LabelType
from hubassoc_pandas.transport.responses import ApiResponse

#: The batch: contact 1 with companies 5 and 6, contact 2 with company 7.
PAIRS = ([1, 1, 2], [5, 6, 7])
#: An error naming contact 2, and so the pair (2, 7).
NO_CONTACT_2 = {"category": "OBJECT_NOT_FOUND", "message": "No contact 2",
                "context": {"fromObjectId": ["2"]}}  # fmt: skip
#: An error naming no pair of the batch.
NAMELESS = {"category": "VALIDATION_ERROR", "message": "Something went wrong."}
TIMES = {"startedAt": "2026-03-01T00:00:00.000Z", "completedAt": "2026-03-01T00:00:01.000Z"}

ALL, NONE = [0, 1, 2], []

# (name, HTTP status, body, removed, refused, open, words of the doubt or None)
CASES: list[tuple[str, int, Any, list[int], list[int], list[int], str | None]] = [
    ("v4: 204 without a body", 204, None, ALL, NONE, NONE, None),
    ("2026-03: COMPLETE, empty results", 200, {"status": "COMPLETE", "results": [], **TIMES},
     ALL, NONE, NONE, None),
    ("COMPLETE with requestedAt and links", 200,
     {"status": "COMPLETE", "results": [], "requestedAt": "x", "links": {}, **TIMES},
     ALL, NONE, NONE, None),
    ("COMPLETE in lower case", 200, {"status": "complete", "results": []}, ALL, NONE, NONE, None),
    ("COMPLETE answered 201", 201, {"status": "COMPLETE", "results": []}, ALL, NONE, NONE, None),
    ("207 COMPLETE, its one error counted", 207,
     {"status": "COMPLETE", "results": [], "errors": [NO_CONTACT_2], "numErrors": 1},
     [0, 1], [2], NONE, None),
    ("200 COMPLETE, numErrors as text", 200,
     {"status": "COMPLETE", "results": [], "errors": [NO_CONTACT_2], "numErrors": "1"},
     [0, 1], [2], NONE, None),
    ("no status, a results list and an error", 200,
     {"results": [], "errors": [NO_CONTACT_2]}, [0, 1], [2], NONE, None),
    ("{}", 200, {}, NONE, NONE, ALL, "its body was {}"),
    ("neither status nor results", 200, {"errors": [], "completedAt": "x"}, NONE, NONE, ALL,
     "neither a status nor results"),
    ("PENDING", 200, {"status": "PENDING", "results": []}, NONE, NONE, ALL,
     "its status was PENDING, not COMPLETE: the removal had not finished"),
    ("PROCESSING", 200, {"status": "PROCESSING", "results": [], **TIMES}, NONE, NONE, ALL,
     "its status was PROCESSING, not COMPLETE"),
    ("CANCELED", 200, {"status": "CANCELED", "results": []}, NONE, NONE, ALL,
     "the removal was canceled"),
    ("an empty status", 200, {"status": "", "results": []}, NONE, NONE, ALL,
     "its status was empty"),
    ("PENDING, with an error naming a pair", 207,
     {"status": "PENDING", "results": [], "errors": [NO_CONTACT_2], "numErrors": 1},
     NONE, [2], [0, 1], "PENDING"),
    ("numErrors without errors", 200, {"status": "COMPLETE", "results": [], "numErrors": 2},
     NONE, NONE, ALL, "its numErrors was 2, its errors listed 0"),
    ("207 with errors for only some of those it counts", 207,
     {"status": "COMPLETE", "results": [], "errors": [NO_CONTACT_2], "numErrors": 3},
     NONE, [2], [0, 1], "its numErrors was 3, its errors listed 1"),
    ("200 without a body", 200, None, NONE, NONE, ALL, "it had no body"),
    ("COMPLETE, an error naming no pair", 200,
     {"status": "COMPLETE", "results": [], "errors": [NAMELESS], "numErrors": 1},
     NONE, NONE, ALL, None),
]  # fmt: skip


def archive() -> PairOperation:
    return Archive("contacts", "companies", "2026-03", make_plan(*map(pd.Series, PAIRS)))


def archive_labels() -> PairOperation:
    billing = LabelType("USER_DEFINED", 28, "Billing contact")
    plan = make_plan(*map(pd.Series, PAIRS))
    return ArchiveLabels("contacts", "companies", "2026-03", plan, [billing])


@pytest.mark.parametrize("make", [archive, archive_labels], ids=["archive", "labels/archive"])
@pytest.mark.parametrize(
    ("status", "body", "removed", "refused", "still_open", "doubt"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_what_each_answer_decides(
    make: Callable[[], PairOperation],
    status: int,
    body: Any,
    removed: list[int],
    refused: list[int],
    still_open: list[int],
    doubt: str | None,
) -> None:
    op = make()
    keys = np.arange(3)
    decoded = op.decode(ApiResponse(status, body=body), keys, op.encode(keys))

    assert decoded.succeeded.tolist() == removed
    assert sorted(p for group in decoded.refused.values() for p in group) == refused
    assert decoded.open.tolist() == still_open
    if doubt is None:
        assert decoded.doubt is None
    else:
        assert decoded.doubt is not None and doubt in decoded.doubt
    named_none = isinstance(body, dict) and NAMELESS in body.get("errors", [])
    assert [info.message for info in decoded.unattributed] == (
        [NAMELESS["message"]] if named_none else []
    )


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_every_key_is_decided_or_left_open_once(case: tuple[Any, ...]) -> None:
    _name, _status, _body, removed, refused, still_open, _doubt = case
    assert sorted(removed + refused + still_open) == ALL


def test_the_doubt_reads_as_part_of_a_sentence() -> None:
    """The engine says: "HubSpot answered 200 twice without confirming or refusing this row:
    <doubt>, so it may or may not be removed"."""
    doubts = [removal_doubt(ApiResponse(c[1], body=c[2])) for c in CASES]
    for doubt in filter(None, doubts):
        assert doubt[0].islower() and not doubt.endswith(".") and "so it may" not in doubt
