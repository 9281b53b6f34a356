"""A run's journal: a SQLite file recording each batch's outcomes as they are decided.

Calling the same operation again with the same journal skips the keys it records as done.
Each batch is one transaction in WAL mode, so a process killed at any moment loses at most
the batches that were still in flight. The journal holds keys and outcomes, never the token.

Its identity (the ``run`` table) names the operation, the object types, the portal's base URL
and a fingerprint of the token; a journal written for another identity is refused. A run by
keys (emails, domains) records its lookups in the same table, under keys that begin with the
object type and property (``contacts.email:ann@x.io``), and adds its key properties to the
identity (see :mod:`hubassoc_pandas.jobs.pairs.by_keys`). Format 1
journals (written by ``associate()`` before operations had names) are read as associate
journals and upgraded in place on first use.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubassoc_pandas.errors import ConfigError, JournalMismatchError

__all__ = ["FORMAT", "Journal", "check_journal_path", "identity_of"]

#: Seconds a write waits for a journal locked by another process before giving up.
LOCK_WAIT = 10.0
#: The journal format this version writes.
FORMAT = 2
_FORMAT_1_OPERATION = "associate/default"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outcome (
    key TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    batch INTEGER,
    attempts INTEGER,
    http_status INTEGER,
    error_category TEXT,
    error_message TEXT,
    value_json TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS before (key TEXT PRIMARY KEY, present INTEGER NOT NULL) WITHOUT ROWID;
"""

_UPGRADE_FROM_1 = """
ALTER TABLE outcome RENAME TO outcome_format_1;
{schema}
INSERT INTO outcome
    SELECT from_id || ':' || to_id, status, batch, attempts, http_status, error_category,
           error_message,
           json_object('association_type_id', association_type_id,
                       'association_category', association_category)
    FROM outcome_format_1;
DROP TABLE outcome_format_1;
"""

_FORGET = "DELETE FROM {table} WHERE key = ? OR (key >= ? AND key < ?)"


def check_journal_path(path: str | Path) -> Path:
    """The journal path, ``~`` expanded, checked before anything is sent.

    Examples
    --------
    >>> check_journal_path("~/run.db").name
    'run.db'
    """
    if not isinstance(path, str | Path) or not str(path).strip():
        raise ConfigError(f"journal={path!r}: give the path of a file, e.g. 'run.db'.")
    resolved = Path(path).expanduser()
    if resolved.is_dir():
        raise ConfigError(
            f"journal={str(path)!r} is a folder; give a file inside it, e.g. "
            f"{str(resolved / 'run.db')!r}."
        )
    if not resolved.parent.is_dir():
        raise ConfigError(
            f"journal={str(path)!r}: the folder {str(resolved.parent)!r} does not exist; "
            "create it or give another path."
        )
    return resolved


class Journal:
    """Open (or create) the journal of one run.

    Parameters
    ----------
    path : str or Path
        The SQLite file.
    identity : dict
        What the run is (see :func:`identity_of`); a journal written for another identity is
        refused with :class:`JournalMismatchError`.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "run.db")
    >>> journal = Journal(path, identity_of("0-1", "0-2", "http://127.0.0.1:1"))
    >>> journal.last_batch()
    0
    >>> journal.close()
    """

    def __init__(self, path: str | Path, identity: dict[str, str]) -> None:
        self.path = check_journal_path(path)
        self._db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=LOCK_WAIT
        )
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            stored = self._open_schema()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise JournalMismatchError(
                f"{str(self.path)!r} is not a hubassoc journal ({exc}); give a new file name."
            ) from None
        self._check_identity(stored, identity)
        with self._db:  # a dry run records no credential; the first real run adds it
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR IGNORE INTO run (key, value) VALUES (?, ?)", sorted(identity.items())
            )

    def _open_schema(self) -> dict[str, str]:
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        if "outcome" in tables and "run" not in tables:
            raise sqlite3.DatabaseError("it has an outcome table but no run identity")
        stored: dict[str, str] = {}
        if "run" in tables:
            stored = dict(self._db.execute("SELECT key, value FROM run").fetchall())
        version = json.loads(stored.get("format", str(FORMAT)))
        if version == 1:
            self._db.executescript(
                "BEGIN;"
                + _UPGRADE_FROM_1.format(schema=_SCHEMA)
                + "INSERT OR REPLACE INTO run (key, value) VALUES "
                f"('format', '{FORMAT}'), ('operation', '{_FORMAT_1_OPERATION}');"
                "COMMIT;"
            )
            stored.update(format=json.dumps(FORMAT), operation=_FORMAT_1_OPERATION)
        elif version != FORMAT:
            raise JournalMismatchError(
                f"The journal {str(self.path)!r} has format {version}, newer than this version "
                f"of hubassoc_pandas reads ({FORMAT}); upgrade hubassoc_pandas or use a new file."
            )
        self._db.executescript(_SCHEMA)
        return stored

    def _check_identity(self, stored: dict[str, str], identity: dict[str, str]) -> None:
        differing = {
            key: (stored[key], value)
            for key, value in identity.items()
            if key in stored and stored[key] != value
        }
        if not differing:
            return
        self.close()
        detail = "; ".join(
            "written with another access token (another portal, or a rotated token)"
            if key == "credential"
            else f"{key}: journal has {old!r}, this run {new!r}"
            for key, (old, new) in differing.items()
        )
        raise JournalMismatchError(
            f"The journal {str(self.path)!r} belongs to another run ({detail}). Use a new "
            "journal file for this run (what was already done is simply sent again, which is "
            "harmless), or the arguments of the original run."
        )

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def done(self, success: str) -> pd.DataFrame:
        """The keys recorded with status ``success``: key, batch, attempts, http_status and
        the operation's values (a dict per key)."""
        frame = pd.read_sql_query(
            "SELECT key, batch, attempts, http_status, value_json FROM outcome WHERE status = ?",
            self._db,
            params=(success,),
        )
        frame["values"] = [json.loads(text) if text else {} for text in frame.pop("value_json")]
        return frame

    def last_batch(self) -> int:
        """The highest batch number recorded, 0 for a new journal."""
        row = self._db.execute("SELECT COALESCE(MAX(batch), 0) FROM outcome").fetchone()
        return int(row[0])

    def record(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write the outcomes of one batch in one transaction.

        Each row maps column names to values: ``key``, ``status`` and optionally ``batch``,
        ``attempts``, ``http_status``, ``error_category``, ``error_message`` and ``values``
        (a dict of the operation's value columns).
        """
        params = [
            (
                row["key"],
                row["status"],
                row.get("batch"),
                row.get("attempts"),
                row.get("http_status"),
                row.get("error_category"),
                row.get("error_message"),
                json.dumps(row["values"]) if row.get("values") else None,
            )
            for row in rows
        ]
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO outcome (key, status, batch, attempts, http_status, "
                "error_category, error_message, value_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params,
            )

    def before(self, keys: list[str]) -> np.ndarray:
        """Per key, what the run's first read found before anything was sent: 1 present,
        0 absent, -1 not recorded."""
        found: dict[str, int] = {}
        for start in range(0, len(keys), 900):
            chunk = keys[start : start + 900]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, present FROM before WHERE key IN ({marks})"
            found.update(self._db.execute(query, chunk).fetchall())
        return np.array([found.get(key, -1) for key in keys], dtype=np.int8)

    def record_before(self, keys: list[str], present: Iterable[bool]) -> None:
        """Record what a read found before anything is sent; the first record of a key is
        kept (a later read cannot tell what existed before the run)."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR IGNORE INTO before (key, present) VALUES (?, ?)",
                [(key, int(bool(p))) for key, p in zip(keys, present, strict=True)],
            )

    def forget(self, pairs: Iterable[str]) -> int:
        """Forget what the journal knows of pairs (``"from:to"``) an undo has taken back:
        their outcomes (labelled keys included) and what existed before them, so a resumed
        run reads them afresh instead of taking them for its own. Returns the outcomes
        forgotten."""
        # "from:to:..." keys as a range of the primary key (':' + 1 is ';'), not a scan
        params = [(pair, pair + ":", pair + ";") for pair in pairs]
        with self._db:
            self._db.execute("BEGIN")
            before = self._db.total_changes
            self._db.executemany(_FORGET.format(table="outcome"), params)
            forgotten = self._db.total_changes - before
            self._db.executemany(_FORGET.format(table="before"), params)
        return forgotten

    def close(self) -> None:
        """Close the file."""
        self._db.close()


def identity_of(
    from_type: str,
    to_type: str,
    base_url: str,
    token_fingerprint: str | None = None,
    *,
    operation: str = _FORMAT_1_OPERATION,
) -> dict[str, str]:
    """The identity a journal is keyed by: the operation, object types, portal URL and the
    token's fingerprint (never the token), so a journal of one portal is not taken for
    another's, nor one operation's for another's.

    Examples
    --------
    >>> sorted(identity_of("contacts", "companies", "https://api.hubapi.com", "1f2e"))
    ['base_url', 'credential', 'format', 'from_type', 'operation', 'to_type']
    """
    identity = {
        "operation": operation,
        "from_type": from_type,
        "to_type": to_type,
        "base_url": base_url,
        "format": json.dumps(FORMAT),
    }
    if token_fingerprint is not None:
        identity["credential"] = token_fingerprint
    return identity
