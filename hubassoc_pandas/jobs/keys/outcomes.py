"""What a looked-up key comes to for its rows, in words a person can act on. Pure.

:mod:`.keys` looks keys up; this module says what each answer means (one record, none,
several, or no answer) and spreads the verdicts of distinct keys over the rows that hold them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from hubassoc_pandas.inputs.ids import read_ids
from hubassoc_pandas.jobs.keys.spec import KeySpec
from hubassoc_pandas.operations.found import Found
from hubassoc_pandas.status import (
    FAILED,
    INVALID_ID,
    INVALID_KEY,
    KEY_AMBIGUOUS,
    KEY_NOT_FOUND,
    status_words,
)
from hubassoc_pandas.transport.responses import ErrorInfo

__all__ = [
    "KeyResolution",
    "Known",
    "Outcomes",
    "Verdict",
    "View",
    "describe_found",
    "describe_unresolved",
    "id_view",
    "key_problems",
    "key_view",
    "lay_over",
    "not_found_note",
    "nouns",
    "outcome_table",
    "per_row",
]

#: Candidate IDs a KEY_AMBIGUOUS message lists before "and N more".
LISTED_IN_MESSAGE = 10

_NOUNS = {
    "contacts": ("contact", "contacts"),
    "companies": ("company", "companies"),
    "deals": ("deal", "deals"),
    "tickets": ("ticket", "tickets"),
    "products": ("product", "products"),
    "line_items": ("line item", "line items"),
    "quotes": ("quote", "quotes"),
    "leads": ("lead", "leads"),
}

_WORDS = status_words("resolved")
_FAILED, _INVALID, _NOT_SENT = _WORDS[1], _WORDS[2], _WORDS[4]
_SEVERITY = {_INVALID: 3, _FAILED: 2, _NOT_SENT: 1}

#: What a KEY_NOT_FOUND message adds, saying how to look the key up again (a retryable row).
_NOT_FOUND_NOTE = (
    "A record created moments ago shows in HubSpot's search only after a few moments; run "
    "{again} to look the key up again."
)

#: A verdict on one key: record ID (or None), status word (None: resolved), error category,
#: message, retryable.
Verdict = tuple[str | None, str | None, str | None, str | None, bool | None]


class Known(NamedTuple):
    """What a lookup found for one key value, the (http_status, batch, attempts) of the
    request that found it, and whether that was in an earlier run (its journal)."""

    found: Found
    numbers: tuple[int, int, int]
    journalled: bool = False


def nouns(object_type: str) -> tuple[str, str]:
    """A record of the type, and several, in words.

    Examples
    --------
    >>> nouns("companies"), nouns("2-3453")
    (('company', 'companies'), ('2-3453 record', '2-3453 records'))
    """
    return _NOUNS.get(object_type, (f"{object_type} record", f"{object_type} records"))


def describe_found(
    spec: KeySpec, value: str, found: Found, on_ambiguous: str, again: str = "retry()"
) -> Verdict:
    """The verdict on a key a lookup answered: one record, none, or several. A key no
    record has is retryable: ``again`` (retry(), or for a job without one the same call
    again) looks it up again, and finds a record created since.

    Examples
    --------
    >>> from hubassoc_pandas.jobs.keys.spec import KeySpec
    >>> spec = KeySpec("companies", "domain")
    >>> describe_found(spec, "acme.com", Found(("7",), 1), "fail")
    ('7', None, None, None, None)
    >>> describe_found(spec, "acme.com", Found(("7", "9"), 2), "oldest")[0]
    '7'
    >>> describe_found(spec, "new.io", Found((), 0), "fail")[2:]
    ('KEY_NOT_FOUND', "No company has domain 'new.io'. A record created moments ago shows in \
HubSpot's search only after a few moments; run retry() to look the key up again.", True)
    >>> describe_found(spec, "acme.com", Found(("7", "9"), 2), "fail")[2:4]
    ('KEY_AMBIGUOUS', "2 companies have domain 'acme.com': 7, 9. Put the ID of the one you \
mean in the column, or pass on_ambiguous='oldest' to take the oldest.")
    """
    one, many = nouns(spec.object_type)
    named = f"{spec.id_property} {value!r}"
    if found.capped:
        return (
            None,
            _FAILED,
            KEY_AMBIGUOUS,
            f"{found.n:,} {many} have {named}, more than search can list, so none is "
            "picked. Put the ID of the one you mean in the column.",
            False,
        )
    if found.n == 0 or not found.ids:
        return None, _FAILED, KEY_NOT_FOUND, f"No {one} has {named}. {not_found_note(again)}", True
    if found.n == 1 or on_ambiguous == "oldest":
        return found.ids[0], None, None, None, None
    listed = ", ".join(found.ids[:LISTED_IN_MESSAGE])
    more = found.n - min(found.n, LISTED_IN_MESSAGE)
    listed += f" and {more:,} more" if more else ""
    return (
        None,
        _FAILED,
        KEY_AMBIGUOUS,
        f"{found.n:,} {many} have {named}: {listed}. Put the ID of the one you mean in the "
        "column, or pass on_ambiguous='oldest' to take the oldest.",
        False,
    )


def not_found_note(again: str = "retry()") -> str:
    """What a KEY_NOT_FOUND message says after naming the key: how to look it up again.

    Examples
    --------
    >>> not_found_note("sync() again").endswith("run sync() again to look the key up again.")
    True
    """
    return _NOT_FOUND_NOTE.format(again=again)


def describe_unresolved(spec: KeySpec, value: str, code: int, info: ErrorInfo) -> Verdict:
    """The verdict on a key whose lookup failed (``code`` FAILED) or was not made.

    Examples
    --------
    >>> from hubassoc_pandas.jobs.keys.spec import KeySpec
    >>> info = ErrorInfo("NETWORK", "No answer after 5 attempts", retryable=True)
    >>> describe_unresolved(KeySpec("contacts", "email"), "a@x.io", 1, info)[1:]
    ('failed', 'NETWORK', "Could not look up email 'a@x.io': No answer after 5 attempts", True)
    """
    named = f"{spec.id_property} {value!r}"
    if code == FAILED:
        message = f"Could not look up {named}: {info.message}"
        return None, _FAILED, info.category, message, bool(info.retryable)
    message = f"Not sent: {named} was not looked up. {info.message}".rstrip()
    return None, _NOT_SENT, info.category, message, True


class Outcomes(NamedTuple):
    """Verdicts per distinct key, as columns: ids, status, category, message, retryable, and
    numbers (n, 3): http_status, batch, attempts."""

    ids: np.ndarray
    status: np.ndarray
    category: np.ndarray
    message: np.ndarray
    retryable: np.ndarray
    numbers: np.ndarray


def outcome_table(verdicts: list[Verdict], numbers: list[tuple[int, int, int]]) -> Outcomes:
    """Verdicts and request numbers of distinct keys as columns."""
    n = len(verdicts)
    table = np.empty((n, 5), dtype=object)
    if n:
        table[:] = verdicts
    counts = np.array(numbers, dtype=np.int64).reshape(n, 3)
    ids, status, category, message, retryable = (table[:, i].copy() for i in range(5))
    return Outcomes(ids, status, category, message, retryable, counts)


@dataclass
class KeyResolution:
    """What each row's key came to.

    Attributes
    ----------
    ids : pandas.Series of string
        The record ID (digits) per row, <NA> where the key names no single record; the
        input's index.
    status, category, message : numpy.ndarray of object
        Per row: None where resolved; else ``"invalid"``, ``"failed"`` or ``"not_sent"``,
        the error category and a message a person can act on.
    retryable : numpy.ndarray of object
        None where resolved, else whether retry() may resolve it.
    http_status, batch, attempts : numpy.ndarray of int64
        Of the lookup that decided the row (0: none).
    summary : dict
        JSON-serialisable counts: keys, looked up, from the journal, resolved, ...
    """

    ids: pd.Series
    status: np.ndarray
    category: np.ndarray
    message: np.ndarray
    retryable: np.ndarray
    http_status: np.ndarray
    batch: np.ndarray
    attempts: np.ndarray
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def problems(self) -> pd.DataFrame:
        """The rows whose key names no single record: status, category, message, retryable."""
        bad = self.status != None  # noqa: E711
        return pd.DataFrame(
            {
                "status": self.status[bad],
                "error_category": self.category[bad],
                "error_message": self.message[bad],
                "retryable": self.retryable[bad],
            },
            index=self.ids.index[bad],
        )


def per_row(
    index: pd.Index,
    valid: np.ndarray,
    codes: np.ndarray,
    problems: np.ndarray,
    outcomes: Outcomes,
    label: str | None,
) -> KeyResolution:
    """Spread per-key verdicts over the rows (``valid`` rows hold key ``codes``); the other
    rows are invalid, saying what is wrong with their cell (``problems``)."""
    n = len(index)
    columns = [np.full(n, None, dtype=object) for _ in range(5)]
    for column, per_key in zip(columns, outcomes[:5], strict=True):
        column[valid] = per_key[codes]
    numbers = np.zeros((n, 3), dtype=np.int64)
    numbers[valid] = outcomes.numbers[codes]
    invalid = np.ones(n, dtype=bool)
    invalid[valid] = False
    ids, status, category, message, retryable = columns
    status[invalid] = _INVALID
    category[invalid] = INVALID_KEY
    message[invalid] = problems[invalid]
    retryable[invalid] = False
    return KeyResolution(
        ids=pd.Series(pd.array(ids, dtype="string"), index=index, name=label),
        status=status,
        category=category,
        message=message,
        retryable=retryable,
        http_status=numbers[:, 0].copy(),
        batch=numbers[:, 1].copy(),
        attempts=numbers[:, 2].copy(),
    )


@dataclass
class View:
    """One side's problems over all rows: status word, category, message, retryable (object
    arrays, None where fine) and (http_status, batch, attempts) of the lookup."""

    label: str
    status: np.ndarray
    category: np.ndarray
    message: np.ndarray
    retryable: np.ndarray
    numbers: np.ndarray
    keyed: bool


def key_view(label: str, found: KeyResolution, n: int, rows: np.ndarray) -> View:
    """A key side's problems, for the rows ``rows`` of ``n`` that ``found`` covers."""
    columns = [np.full(n, None, dtype=object) for _ in range(4)]
    for column, values in zip(
        columns, (found.status, found.category, found.message, found.retryable), strict=True
    ):
        column[rows] = values
    numbers = np.zeros((n, 3), dtype=np.int64)
    numbers[rows] = np.column_stack([found.http_status, found.batch, found.attempts])
    status, category, message, retryable = columns
    return View(label, status, category, message, retryable, numbers, keyed=True)


def id_view(label: str, values: pd.Series) -> View:
    """An ID side's problems: the cells that are not record IDs."""
    _, problems = read_ids(values)
    bad = problems != None  # noqa: E711
    n = len(values)
    status, category, retryable = (np.full(n, None, dtype=object) for _ in range(3))
    status[bad], category[bad], retryable[bad] = _WORDS[2], INVALID_ID, False
    return View(label, status, category, problems, retryable, np.zeros((n, 3), np.int64), False)


def key_problems(views: list[View]) -> pd.DataFrame:
    """Per row with a key problem on some side: the status, category, message, retryable,
    http_status, batch and attempts its results row shows (positions as index)."""
    keyed = np.zeros(len(views[0].status), dtype=bool)
    for view in views:
        if view.keyed:
            keyed |= view.status != None  # noqa: E711
    rows = np.flatnonzero(keyed)
    records = []
    for row in rows.tolist():
        hurt = [v for v in views if v.status[row] is not None]
        worst = max(hurt, key=lambda v: _SEVERITY[v.status[row]])  # the first of the worst
        status = worst.status[row]
        numbers = worst.numbers[row].tolist()
        records.append(
            {
                "status": status,
                "error_category": worst.category[row],
                "error_message": "; ".join(f"{v.label}: {v.message[row]}" for v in hurt),
                "retryable": status != _WORDS[2] and all(v.retryable[row] for v in hurt),
                "http_status": numbers[0] or None,
                "batch": numbers[1] or None,
                "attempts": numbers[2],
            }
        )
    columns = ["status", "error_category", "error_message", "retryable", "http_status", "batch"]
    return pd.DataFrame.from_records(records, index=rows, columns=[*columns, "attempts"])


def lay_over(results: pd.DataFrame, problems: pd.DataFrame, positions: np.ndarray) -> None:
    """Write the key ``problems`` (indexed by position among ``positions``) into the rows of
    ``results`` at those positions, in place."""
    if problems.empty:
        return
    where = positions[problems.index.to_numpy()]
    for column in problems.columns:
        values = results[column].array.copy()
        given = problems[column].tolist()
        if column in ("http_status", "batch"):
            values[where] = pd.array(given, dtype="Int64")
        elif column == "attempts":
            values[where] = pd.array(given, dtype="Int64") + values[where]
        else:
            values[where] = given
        results[column] = values
