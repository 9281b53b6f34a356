"""A run's journal: a SQLite file recording each batch's outcome as it completes.

Calling ``associate`` again with the same journal skips the pairs it records as associated.
Each batch is one transaction in WAL mode, so a process killed at any moment loses at most
the batches that were still in flight. The journal holds IDs and outcomes, never the token.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import JournalMismatchError

__all__ = ["Journal"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outcome (
    from_id INTEGER NOT NULL,
    to_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    batch INTEGER,
    attempts INTEGER,
    http_status INTEGER,
    association_type_id INTEGER,
    association_category TEXT,
    error_category TEXT,
    error_message TEXT,
    PRIMARY KEY (from_id, to_id)
) WITHOUT ROWID;
"""

OutcomeRow = tuple[int, int, str, int, int, int, int | None, str | None, str | None, str | None]


class Journal:
    """Open (or create) a journal for one pair of object types on one portal.

    Parameters
    ----------
    path : str or Path
        The SQLite file.
    identity : dict
        What the run is (object types and base URL); a journal written for another
        identity is refused with :class:`JournalMismatchError`.
    """

    def __init__(self, path: str | Path, identity: dict[str, str]) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        stored = dict(self._db.execute("SELECT key, value FROM run").fetchall())
        differing = {
            key: (stored[key], value)
            for key, value in identity.items()
            if key in stored and stored[key] != value
        }
        if differing:
            self.close()
            detail = "; ".join(
                "written with another access token (another portal, or a rotated token)"
                if key == "credential"
                else f"{key}: journal has {old!r}, this run {new!r}"
                for key, (old, new) in differing.items()
            )
            raise JournalMismatchError(
                f"The journal {str(self.path)!r} belongs to another run ({detail}). Use a new "
                "journal file for this run (pairs already associated are simply sent again, "
                "which is harmless), or the arguments of the original run."
            )
        with self._db:  # a dry run records no credential; the first real run adds it
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR IGNORE INTO run (key, value) VALUES (?, ?)", sorted(identity.items())
            )

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def associated(self) -> pd.DataFrame:
        """The pairs recorded as associated, with their batch, attempts and type."""
        frame = pd.read_sql_query(
            "SELECT from_id, to_id, batch, attempts, http_status, association_type_id,"
            " association_category FROM outcome WHERE status = 'associated'",
            self._db,
        )
        return frame

    def last_batch(self) -> int:
        """The highest batch number recorded, 0 for a new journal."""
        row = self._db.execute("SELECT COALESCE(MAX(batch), 0) FROM outcome").fetchone()
        return int(row[0])

    def record(self, rows: Iterable[OutcomeRow]) -> None:
        """Write the outcomes of one batch in one transaction."""
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO outcome VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )

    def close(self) -> None:
        """Close the file."""
        self._db.close()


def match_pairs(
    journal_pairs: pd.DataFrame, pair_from: np.ndarray, pair_to: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the plan's pairs found in the journal, and the matching journal rows.

    Examples
    --------
    >>> j = pd.DataFrame({"from_id": [5, 1], "to_id": [6, 2]})
    >>> match_pairs(j, np.array([1, 3, 5]), np.array([2, 4, 6]))
    (array([0, 2]), array([1, 0]))
    """
    if journal_pairs.empty or len(pair_from) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    plan_keys = pd.MultiIndex.from_arrays([pair_from, pair_to])
    journal_keys = pd.MultiIndex.from_arrays(
        [journal_pairs["from_id"].to_numpy(np.int64), journal_pairs["to_id"].to_numpy(np.int64)]
    )
    positions = journal_keys.get_indexer(plan_keys)
    found = np.flatnonzero(positions >= 0)
    return found, positions[found]


def identity_of(
    from_type: str, to_type: str, base_url: str, token_fingerprint: str | None = None
) -> dict[str, str]:
    """The identity a journal is keyed by: object types, portal URL and the token's
    fingerprint (never the token), so a journal of one portal is not taken for another's.

    Examples
    --------
    >>> sorted(identity_of("contacts", "companies", "https://api.hubapi.com", "1f2e"))
    ['base_url', 'credential', 'format', 'from_type', 'to_type']
    """
    identity = {
        "from_type": from_type,
        "to_type": to_type,
        "base_url": base_url,
        "format": json.dumps(1),
    }
    if token_fingerprint is not None:
        identity["credential"] = token_fingerprint
    return identity
