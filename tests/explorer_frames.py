"""Hand-made results frames for the explorer's tests (imported by name: tests/ is on sys.path).

:func:`frame` is an associate run's results with every status once or more; :func:`removal_frame`
is a disassociate run's, with ``removed`` for success, a ``label`` column and user columns of
several dtypes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hubassoc_pandas.results.schema import ANNOTATION_DTYPES, STATUSES

ROWS: list[dict[str, Any]] = [
    # from, to, status, category, message, http, batch, attempts, retryable, correlation, detail
    dict(f="11", t="71", s="associated", c=None, m=None, h=200, b=1, a=1, r=None, k=None, d=None),
    dict(
        f="12",
        t="72",
        s="failed",
        c="OBJECT_NOT_FOUND",
        m="No contact with ID 12",
        h=207,
        b=1,
        a=1,
        r=False,
        k="corr-A",
        d='{"status":"error","category":"OBJECT_NOT_FOUND","context":{"fromObjectId":["12"]}}',
    ),
    dict(
        f="13",
        t="73",
        s="failed",
        c="RATE_LIMIT",
        m="Too many requests (a+b)",
        h=429,
        b=2,
        a=5,
        r=True,
        k="corr-B",
        d='{"status":"error","category":"RATE_LIMITS"}',
    ),
    dict(
        f=None,
        t="74",
        s="invalid",
        c="INVALID_ID",
        m="contact: 'x' is not",
        h=None,
        b=None,
        a=0,
        r=False,
        k=None,
        d=None,
    ),
    dict(
        f="15",
        t="75",
        s="failed",
        c="RATE_LIMIT",
        m="Too many requests (a+b)",
        h=429,
        b=2,
        a=5,
        r=True,
        k="corr-B",
        d="<html>not json</html>",
    ),
    dict(
        f="16",
        t="76",
        s="unconfirmed",
        c="UNCONFIRMED",
        m="neither confirmed nor refused",
        h=200,
        b=3,
        a=1,
        r=True,
        k=None,
        d=None,
    ),
    dict(
        f="17",
        t="77",
        s="not_sent",
        c="INTERRUPTED",
        m="stopped",
        h=None,
        b=None,
        a=0,
        r=True,
        k=None,
        d=None,
    ),
]


#: A disassociate run: ``removed`` is its success; each row also carries a label (or none).
REMOVAL_ROWS: list[dict[str, Any]] = [
    dict(f="21", t="81", s="removed", l="Billing contact", h=200, b=1, a=1),
    dict(f="22", t="82", s="removed", l=None, h=200, b=1, a=1),
    dict(
        f="23",
        t="83",
        s="failed",
        l="Decision maker",
        c="OBJECT_NOT_FOUND",
        m="No contact with ID 23",
        h=200,
        b=1,
        a=1,
        r=False,
        k="corr-R",
        d='{"status":"error","category":"OBJECT_NOT_FOUND"}',
    ),
    dict(f=None, t="84", s="invalid", l="Billing contact", c="INVALID_ID", m="'x' is not"),
    dict(f="25", t="85", s="unconfirmed", l="  ", c="UNCONFIRMED", m="no answer", b=2, a=1),
    dict(f="26", t="86", s="removed", l="Decision maker", h=200, b=2, a=1),
    dict(f="27", t="87", s="not_sent", l=None, c="INTERRUPTED", m="stopped", r=True),
]
#: The removal frame's own (input) columns, one per dtype the search treats differently.
REMOVAL_USER_COLUMNS: dict[str, Any] = {
    "owner": pd.array(["ana", "ben", "chloé", "dan", "eve", "fay", "gus"], dtype="string"),
    "note": pd.array([1, "VIP list", None, "x", 2.5, "abc", "vip"], dtype=object),
    "region": pd.Categorical(["north", "south", "north", "east", "west", "south", "east"]),
    "score": pd.array([12345, 2, 3, 4, 5, 6, 7], dtype="Int64"),
}
#: The removal frame's status categories: its success word, then those needing attention.
REMOVAL_STATUSES = ("removed", "failed", "invalid", "unconfirmed", "not_sent")


def _annotations(rows: list[dict[str, Any]], statuses: tuple[str, ...]) -> pd.DataFrame:
    success = statuses[0]
    values: dict[str, list[Any]] = {
        "from_id": [r["f"] for r in rows],
        "to_id": [r["t"] for r in rows],
        "error_category": [r.get("c") for r in rows],
        "error_message": [r.get("m") for r in rows],
        "http_status": [r.get("h") for r in rows],
        "batch": [r.get("b") for r in rows],
        "attempts": [r.get("a", 0) for r in rows],
        "association_type_id": [279 if r["s"] == success else None for r in rows],
        "association_category": ["HUBSPOT_DEFINED" if r["s"] == success else None for r in rows],
        "retryable": [r.get("r") for r in rows],
        "correlation_id": [r.get("k") for r in rows],
        "error_detail": [r.get("d") for r in rows],
    }
    annotations = pd.DataFrame(
        {
            name: pd.array(values[name], dtype=dtype)
            for name, dtype in ANNOTATION_DTYPES.items()
            if name != "status"
        }
    )
    status = pd.Categorical([r["s"] for r in rows], categories=list(statuses))
    annotations.insert(2, "status", status)
    return annotations


def frame(user_columns: dict[str, list[Any]] | None = None) -> pd.DataFrame:
    """The associate run of :data:`ROWS`, with an ``owner`` column unless told otherwise."""
    own = pd.DataFrame(user_columns or {"owner": [f"user{i}" for i in range(len(ROWS))]})
    results = pd.concat([own, _annotations(ROWS, STATUSES)], axis=1)
    results.index = pd.Index([f"r{i}" for i in range(len(results))])
    results.attrs = {"hubassoc": {"from_type": "contacts", "to_type": "companies"}}
    return results


def removal_frame(*, label: bool = True) -> pd.DataFrame:
    """The disassociate run of :data:`REMOVAL_ROWS`, with its ``label`` column unless not."""
    annotations = _annotations(REMOVAL_ROWS, REMOVAL_STATUSES)
    if label:
        annotations["label"] = pd.array([r["l"] for r in REMOVAL_ROWS], dtype="string")
    results = pd.concat([pd.DataFrame(REMOVAL_USER_COLUMNS), annotations], axis=1)
    results.index = pd.Index([f"x{i}" for i in range(len(results))])
    results.attrs = {
        "hubassoc": {"operation": "disassociate", "from_type": "contacts", "to_type": "companies"}
    }
    return results
