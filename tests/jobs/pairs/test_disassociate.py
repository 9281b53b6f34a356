"""Removal (batch/archive) over real sockets, both API versions: removed, failed, invalid;
whole-batch 400s, a 5xx storm, Ctrl-C, journal resume, retry() and the command line."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import (
    UNPACED,
    RecordingBackoff,
    RecordingProgress,
    associate_argv,
    associate_on,
    disassociate_on,
    retry_on,
    sent_pairs,
    stored_pairs,
    write_csv,
)

from hubassoc_pandas.cli import main
from hubassoc_pandas.errors import JournalMismatchError
from hubassoc_pandas.sandbox import Fault, Sandbox


def linked(hub: Sandbox, make_frame: Any, n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` pairs, associated in ``hub`` first."""
    frame = make_frame(n, seed=seed)
    assert (associate_on(hub, frame)["status"] == "associated").all()
    return frame


def pairs_of(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return {(str(f), str(t)) for f, t in zip(frame["contact_id"], frame["company_id"], strict=True)}


@pytest.mark.parametrize("api_version", ["2026-03", "v4"])
def test_removal_removes_exactly_the_pairs_and_accounts_for_every_row(
    hub: Sandbox, make_frame: Any, api_version: str
) -> None:
    frame = linked(hub, make_frame, 300)
    gone, kept = frame.iloc[:200], frame.iloc[200:]
    never = pd.DataFrame({"contact_id": [19_990, 19_991], "company_id": [9_990, 9_991]})
    junk = pd.DataFrame({"contact_id": [50_000_000, None], "company_id": [1, 2]})
    request = pd.concat([gone, never, junk, gone.iloc[:3]], ignore_index=True)
    results = disassociate_on(hub, request, api_version=api_version, batch_size=50)

    assert results.index.equals(request.index) and len(results) == 207
    assert results["status"].cat.categories[0] == "removed"
    status = results["status"].astype(str)
    assert (status.iloc[:202] == "removed").all()  # never-associated pairs: a no-op, removed
    if api_version == "v4":  # a 204 has nowhere to name a missing record: nothing to remove
        assert status.iloc[202] == "removed"
    else:
        assert status.iloc[202] == "failed"  # no such contact
        assert results.loc[202, "error_category"] == "OBJECT_NOT_FOUND"
        assert not results.loc[202, "retryable"]
    assert status.iloc[203] == "invalid"
    assert (status.iloc[204:] == "removed").all()  # duplicate rows share their pair's outcome
    assert stored_pairs(hub) == pairs_of(kept)
    record = results.attrs["hubassoc"]
    refused = 0 if api_version == "v4" else 1
    assert record["operation"] == "disassociate"
    assert record["counts"]["removed"] == 207 - 1 - refused
    archive = [r for r in hub.requests if r.path.endswith("/batch/archive")]
    assert archive and all(("/crm/v4/" in r.path) == (api_version == "v4") for r in archive)
    if api_version == "v4":
        assert {r.status for r in archive} == {204}  # no body, and that is success


def test_inputs_group_the_to_ids_of_one_from_id(hub: Sandbox) -> None:
    frame = pd.DataFrame({"contact_id": [1, 1, 1, 2], "company_id": [5, 6, 7, 5]})
    associate_on(hub, frame)
    disassociate_on(hub, frame)
    body = next(r.body for r in hub.requests if r.path.endswith("/batch/archive"))
    assert body == {
        "inputs": [
            {"from": {"id": "1"}, "to": [{"id": "5"}, {"id": "6"}, {"id": "7"}]},
            {"from": {"id": "2"}, "to": [{"id": "5"}]},
        ]
    }


def test_a_whole_batch_400_isolates_the_missing_record(hub: Sandbox, make_frame: Any) -> None:
    frame = linked(hub, make_frame, 120)
    bad = pd.DataFrame({"contact_id": [50_000_001], "company_id": [3]})
    request = pd.concat([frame.iloc[:60], bad, frame.iloc[60:]], ignore_index=True)
    hub.configure(missing_ids="batch_400", batch_400_names_ids=False)
    results = disassociate_on(hub, request, batch_size=40)
    assert (results.drop(index=60)["status"] == "removed").all()
    assert results.loc[60, "status"] == "failed"
    assert stored_pairs(hub) == set()


def test_a_5xx_storm_is_ridden_out(
    hub: Sandbox, make_frame: Any, fast_backoff: RecordingBackoff
) -> None:
    frame = linked(hub, make_frame, 400)
    hub.configure(faults=[Fault("503_html", rate=0.3), Fault("500_json", rate=0.2)], seed=7)
    results = disassociate_on(
        hub, frame, batch_size=20, max_attempts=10, backoff=fast_backoff, rate_limit=UNPACED
    )
    assert (results["status"] == "removed").all()
    assert (results["attempts"] > 1).any()
    assert stored_pairs(hub) == set()


def test_ctrl_c_keeps_what_is_done_and_the_journal_resumes(
    hub: Sandbox, make_frame: Any, tmp_path: Path
) -> None:
    frame = linked(hub, make_frame, 1_000)
    path = tmp_path / "removal.db"
    hub.configure(latency=0.01)
    with pytest.warns(RuntimeWarning, match="Interrupted"):
        first = disassociate_on(
            hub, frame, journal=path, batch_size=50, max_workers=2,
            progress=RecordingProgress(stop_after=300),
        )  # fmt: skip
    done = first[first["status"] == "removed"]
    assert 300 <= len(done) < 1_000
    assert set(first["status"].astype(str)) <= {"removed", "not_sent", "unconfirmed"}
    before = len(hub.requests)
    second = disassociate_on(hub, frame, journal=path, batch_size=50)
    assert (second["status"] == "removed").all()
    assert second.attrs["hubassoc"]["resumed_pairs"] == len(done)
    resent = set(sent_pairs(hub, since=before))
    assert not resent & pairs_of(done)
    assert stored_pairs(hub) == set()


def test_retry_sends_again_with_removal(
    hub: Sandbox, make_frame: Any, fast_backoff: RecordingBackoff
) -> None:
    frame = linked(hub, make_frame, 60)
    hub.configure(faults=[Fault("500_json", rate=1.0)])
    results = disassociate_on(hub, frame, batch_size=20, max_attempts=2, backoff=fast_backoff)
    assert (results["status"] == "failed").all() and results["retryable"].all()
    hub.configure(faults=[])
    fixed = retry_on(hub, results)
    assert (fixed["status"] == "removed").all()
    assert fixed.attrs["hubassoc"]["operation"] == "disassociate"
    assert stored_pairs(hub) == set()


def test_a_journal_of_another_operation_is_refused(
    hub: Sandbox, make_frame: Any, tmp_path: Path
) -> None:
    path = tmp_path / "run.db"
    frame = make_frame(20)
    associate_on(hub, frame, journal=path)
    before = len(hub.requests)
    with pytest.raises(JournalMismatchError, match="operation: journal has 'associate/default'"):
        disassociate_on(hub, frame, journal=path)
    assert len(hub.requests) == before


def test_a_format_1_journal_still_resumes(hub: Sandbox, make_frame: Any, tmp_path: Path) -> None:
    """A journal written before operations had names is read as an associate journal."""
    frame = make_frame(30)
    first_ten = frame.iloc[:10]
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE outcome (
                from_id INTEGER NOT NULL, to_id INTEGER NOT NULL, status TEXT NOT NULL,
                batch INTEGER, attempts INTEGER, http_status INTEGER,
                association_type_id INTEGER, association_category TEXT,
                error_category TEXT, error_message TEXT, PRIMARY KEY (from_id, to_id)
            ) WITHOUT ROWID;
            """
        )
        db.executemany(
            "INSERT INTO run VALUES (?, ?)",
            [("from_type", "contacts"), ("to_type", "companies"), ("base_url", hub.url),
             ("format", "1")],
        )  # fmt: skip
        db.executemany(
            "INSERT INTO outcome VALUES (?, ?, 'associated', 1, 1, 200, 279, "
            "'HUBSPOT_DEFINED', NULL, NULL)",
            [(int(f), int(t)) for f, t in zip(first_ten["contact_id"], first_ten["company_id"],
                                              strict=True)],
        )  # fmt: skip
    results = associate_on(hub, frame, journal=path)
    assert results.attrs["hubassoc"]["resumed_pairs"] == 10
    assert (results["status"] == "associated").all()
    assert (results.iloc[:10]["association_type_id"] == 279).all()
    assert not set(sent_pairs(hub)) & pairs_of(first_ten)


def test_the_command_line_asks_before_removing(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "in.csv", [1, 2, 3], [4, 5, 6])
    assert main(associate_argv(source, "--no-progress")) == 0
    assert len(stored_pairs(cli_hub)) == 3
    before = len(cli_hub.requests)
    assert main(associate_argv(source, "--no-progress", command="disassociate")) == 2
    assert "add --yes" in capsys.readouterr().err
    assert len(cli_hub.requests) == before  # nothing sent without the confirmation
    out = tmp_path / "removed.csv"
    argv = associate_argv(source, "--yes", "--no-progress", "--out", str(out),
                          command="disassociate")  # fmt: skip
    assert main(argv) == 0
    assert stored_pairs(cli_hub) == set()
    assert set(pd.read_csv(out)["status"]) == {"removed"}
