"""The journal: written batch by batch, resumed from, refused when it belongs to another run."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import (
    UNPACED,
    RecordingProgress,
    associate_on,
    running_hub,
    stored_pairs,
)

import hubassoc_pandas  # noqa: F401  (registers the accessor)
from hubassoc_pandas.engine.journal import Journal, identity_of
from hubassoc_pandas.errors import JournalMismatchError
from hubassoc_pandas.operations.base import match_pairs
from hubassoc_pandas.sandbox import Sandbox


def journal_rows(path: Path) -> pd.DataFrame:
    with sqlite3.connect(path) as db:
        return pd.read_sql_query("SELECT * FROM outcome", db)


class JournalWatcher(RecordingProgress):
    """Checks, each time rows are decided, that the journal already holds them."""

    def __init__(self, path: Path, stop_after: int | None = None) -> None:
        super().__init__(stop_after)
        self.path = path
        self.seen: list[tuple[int, int]] = []

    def advance(self, rows: int, counts: dict[str, int]) -> None:
        if rows and self.path.exists():
            with sqlite3.connect(self.path) as db:
                (recorded,) = db.execute("SELECT COUNT(*) FROM outcome").fetchone()
            self.seen.append((self.rows + rows, recorded))
        super().advance(rows, counts)


def with_missing(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[[10, 400, 900], "company_id"] = 50_000_000  # no such company
    frame.loc[20, "contact_id"] = None  # invalid, never sent
    return frame


def test_each_batch_is_journaled_as_it_completes(
    hub: Sandbox, make_frame: Any, tmp_path: Path
) -> None:
    path = tmp_path / "run.sqlite"
    watcher = JournalWatcher(path)
    frame = with_missing(make_frame(1000, seed=21))
    results = associate_on(hub, frame, journal=path, batch_size=50, progress=watcher)
    assert len(watcher.seen) >= 20
    # written before shown (the one invalid row is shown first and never journaled)
    assert all(recorded + 1 >= rows for rows, recorded in watcher.seen)
    rows = journal_rows(path)
    assert len(rows) == 999  # every sent pair, not the invalid row
    assert rows["status"].value_counts().to_dict() == {"associated": 996, "failed": 3}
    assert rows["batch"].between(1, 20).all()
    assert results.attrs["hubassoc"]["journal"] == str(path)


def test_resume_skips_confirmed_pairs_and_matches_one_run(
    hub: Sandbox, make_frame: Any, tmp_path: Path
) -> None:
    frame = with_missing(make_frame(2000, seed=22))
    hub.configure(latency=0.01)
    whole = associate_on(hub, frame, batch_size=50, rate_limit=UNPACED)
    hub.reset()

    path = tmp_path / "run.sqlite"
    with pytest.warns(RuntimeWarning, match="Interrupted"):
        first = associate_on(
            hub, frame, journal=path, batch_size=50, max_workers=4, rate_limit=UNPACED,
            progress=RecordingProgress(stop_after=600),
        )  # fmt: skip
    done_first = first[first["status"] == "associated"]
    assert 500 <= len(done_first) < 1996
    before = len(hub.requests)
    second = associate_on(hub, frame, journal=path, batch_size=50, rate_limit=UNPACED)
    resent = {
        (i["from"]["id"], i["to"]["id"])
        for r in hub.requests[before:]
        for i in (r.body or {}).get("inputs", [])
    }
    assert not resent & set(zip(done_first["from_id"], done_first["to_id"], strict=True))
    assert second.attrs["hubassoc"]["resumed_pairs"] == len(done_first)
    # the same as one uninterrupted run
    columns = ["from_id", "to_id", "status", "error_category", "association_type_id", "retryable"]
    pd.testing.assert_frame_equal(second[columns], whole[columns])
    assert (second["status"] == "associated").sum() == 1996
    assert second.loc[done_first.index, "batch"].equals(done_first["batch"])
    assert second["batch"].max() > first["batch"].max()  # batch numbers continue
    stored = stored_pairs(hub)
    assert stored == set(
        zip(*[second.loc[second["status"] == "associated", c] for c in ("from_id", "to_id")],
            strict=True)
    )  # fmt: skip
    # a third call sends only what never succeeded
    before = len(hub.requests)
    third = associate_on(hub, frame, journal=path, batch_size=50)
    assert sum(r.inputs for r in hub.requests[before:]) == 3
    pd.testing.assert_frame_equal(third[columns], whole[columns])


@pytest.mark.parametrize(
    ("change", "message"),
    [({"to_type": "deals"}, "to_type"), ({"base_url": "http://127.0.0.1:9"}, "base_url")],
)
def test_a_journal_of_another_run_is_refused(
    hub: Sandbox, make_frame: Any, tmp_path: Path, change: dict[str, str], message: str
) -> None:
    path = tmp_path / "run.sqlite"
    frame = make_frame(30)
    associate_on(hub, frame, journal=path)
    before = len(hub.requests)
    with pytest.raises(JournalMismatchError, match=message):
        associate_on(hub, frame, journal=path, **change)
    assert len(hub.requests) == before  # refused before anything is sent
    assert len(journal_rows(path)) == 30  # and left as it was


def test_journal_never_holds_the_token(make_frame: Any, tmp_path: Path) -> None:
    token = "pat-na1-0f3c9a7e-journal-secret"
    path = tmp_path / "run.sqlite"
    snapshots: list[bytes] = []

    class Snooper(RecordingProgress):
        def advance(self, rows: int, counts: dict[str, int]) -> None:
            super().advance(rows, counts)
            for suffix in ("", "-wal", "-shm"):
                part = Path(f"{path}{suffix}")
                if part.exists():
                    snapshots.append(part.read_bytes())

    with running_hub(
        records={"contacts": range(1, 5001), "companies": range(1, 5001)}, tokens={token: None}
    ) as hub:
        frame = with_missing(make_frame(1000, seed=5).clip(upper=5000))
        associate_on(
            hub, frame, token=token, journal=path, progress=Snooper(), batch_size=20,
            rate_limit=UNPACED,
        )  # fmt: skip
    assert any(b"-wal" not in s for s in snapshots) and len(snapshots) > 10
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            snapshots.append(part.read_bytes())
    secret = token.encode()
    assert not any(secret in s or b"0f3c9a7e" in s for s in snapshots)


def test_match_pairs_and_identity() -> None:
    journal = pd.DataFrame({"from_id": [5, 1, 9], "to_id": [6, 2, 9]})
    found, rows = match_pairs(journal, pd.array([1, 3, 5, 9]).to_numpy(), [2, 4, 6, 8])
    assert found.tolist() == [0, 2] and rows.tolist() == [1, 0]
    assert identity_of("0-1", "0-2", "https://api.hubapi.com")["base_url"].startswith("https")


def test_journal_reopens_and_reports_last_batch(tmp_path: Path) -> None:
    identity = identity_of("0-1", "0-2", "http://127.0.0.1:1")
    journal = Journal(tmp_path / "j.sqlite", identity)
    assert journal.last_batch() == 0
    type_279 = {"association_type_id": 279, "association_category": "HUBSPOT_DEFINED"}
    journal.record(
        [{"key": "1:2", "status": "associated", "batch": 7, "attempts": 1, "http_status": 200,
          "values": type_279}]
    )  # fmt: skip
    journal.record(
        [{"key": "3:4", "status": "failed", "batch": 9, "attempts": 2, "http_status": 207,
          "error_category": "OBJECT_NOT_FOUND", "error_message": "gone"}]
    )  # fmt: skip
    journal.close()
    again = Journal(tmp_path / "j.sqlite", identity)
    assert again.last_batch() == 9
    done = again.done("associated")
    assert done["key"].tolist() == ["1:2"] and done["values"].tolist() == [type_279]
    assert "token" not in repr(again).lower()
    again.close()


def test_a_journal_of_another_token_is_refused(
    hub: Sandbox, make_frame: Any, tmp_path: Any
) -> None:
    from hubassoc_pandas.errors import JournalMismatchError

    hub.configure(tokens={hub.token: None, "other-portal-token": None})
    frame = make_frame(30)
    path = tmp_path / "run.db"
    first = associate_on(hub, frame, journal=path)
    assert (first["status"] == "associated").all()
    requests_before = len(hub.requests)
    with pytest.raises(JournalMismatchError, match="another access token"):
        associate_on(hub, frame, token="other-portal-token", journal=path)
    assert len(hub.requests) == requests_before
    assert b"other-portal-token" not in path.read_bytes()


@pytest.mark.parametrize(
    ("forgotten", "left"),
    [
        (["1:4"], ["1:40", "11:4", "2:4"]),
        (["1:40", "2:4"], ["1:4", "1:4:USER_DEFINED=9", "11:4"]),
        (["9:9"], ["1:4", "1:4:USER_DEFINED=9", "1:40", "11:4", "2:4"]),
        ([], ["1:4", "1:4:USER_DEFINED=9", "1:40", "11:4", "2:4"]),
    ],
)
def test_forget_takes_out_a_pair_and_its_labelled_keys_only(
    tmp_path: Path, forgotten: list[str], left: list[str]
) -> None:
    keys = ["1:4", "1:4:USER_DEFINED=9", "1:40", "11:4", "2:4"]
    journal = Journal(tmp_path / "run.db", identity_of("0-1", "0-2", "http://127.0.0.1:1"))
    journal.record([{"key": key, "status": "associated", "batch": 1} for key in keys])
    journal.record_before(keys, [False] * len(keys))
    try:
        removed = journal.forget(forgotten)
        assert sorted(journal.done("associated")["key"]) == sorted(left)
        assert removed == len(keys) - len(left)
        assert [k for k, b in zip(keys, journal.before(keys), strict=True) if b != -1] == left
    finally:
        journal.close()
