"""The commands about what exists, against the command-line sandbox: ``hubassoc read``,
``hubassoc associate --check-existing``, ``hubassoc undo`` and ``hubassoc sync``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hubassoc_testkit import associate_argv, stored_pairs, write_csv

from hubassoc_pandas.cli import main
from hubassoc_pandas.sandbox import Sandbox

TYPES = ["--from", "contacts", "--to", "companies"]


def writes(hub: Sandbox) -> int:
    return sum(1 for r in hub.requests if not r.path.endswith("/batch/read"))


def test_read_writes_the_links_and_the_status_of_every_from_id(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(associate_argv(write_csv(tmp_path / "in.csv", [1, 1, 2], [4, 5, 6]))) == 0
    source = tmp_path / "ids.csv"
    pd.DataFrame({"c": [1, 2, 3]}).to_csv(source, index=False)
    links, status = tmp_path / "links.csv", tmp_path / "status.csv"
    argv = ["read", str(source), *TYPES, "--from-col", "c", "--no-progress"]
    assert main([*argv, "--out", str(links), "--status-out", str(status)]) == 0
    written = pd.read_csv(links, dtype=str)
    assert list(zip(written["from_id"], written["to_id"], strict=True)) == [
        ("1", "4"),
        ("1", "5"),
        ("2", "6"),
    ]
    assert pd.read_csv(status)["status"].tolist() == ["found", "found", "none"]
    assert "Read 3 links for 3 rows" in capsys.readouterr().out

    pd.DataFrame({"c": [1, "x"]}).to_csv(source, index=False)
    assert main(argv) == 1  # an unreadable from-ID needs attention


def test_undo_removes_what_a_check_existing_run_created(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(associate_argv(write_csv(tmp_path / "old.csv", [1], [4]))) == 0
    results = tmp_path / "results.csv"
    source = write_csv(tmp_path / "in.csv", [1, 2, 3], [4, 5, 6])
    argv = associate_argv(source, "--check-existing", "--no-progress", "--out", str(results))
    assert main(argv) == 0
    assert pd.read_csv(results)["preexisting"].tolist() == [True, False, False]
    before = writes(cli_hub)

    assert main(["undo", str(results), *TYPES, "--no-progress"]) == 2  # no terminal to ask
    assert "add --yes" in capsys.readouterr().err
    assert writes(cli_hub) == before

    removed = tmp_path / "removed.csv"
    assert main(["undo", str(results), *TYPES, "--yes", "--out", str(removed)]) == 0
    assert stored_pairs(cli_hub) == {("1", "4")}
    assert pd.read_csv(removed)["status"].tolist() == ["removed", "removed"]
    assert "2 rows to remove; 1 existed before the run and stay" in capsys.readouterr().out


def test_undo_refuses_a_run_without_check_existing_and_says_how(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results.parquet"
    source = write_csv(tmp_path / "in.csv", [1, 2], [4, 5])
    assert main(associate_argv(source, "--no-progress", "--out", str(results))) == 0
    assert main(["undo", str(results), "--yes"]) == 2  # Parquet keeps the object types
    err = capsys.readouterr().err
    assert "--force" in err and "hubassoc associate --check-existing" in err
    assert "force=True" not in err
    assert main(["undo", str(results), "--yes", "--force", "--no-progress"]) == 0
    assert stored_pairs(cli_hub) == set()


def test_sync_plans_asks_before_removing_and_applies(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(associate_argv(write_csv(tmp_path / "old.csv", [1, 1, 9], [4, 5, 9]))) == 0
    source = write_csv(tmp_path / "want.csv", [1, 2], [4, 6])
    argv = ["sync", str(source), *TYPES, "--from-col", "c", "--to-col", "co", "--no-progress"]
    before = writes(cli_hub)

    plan = tmp_path / "plan.csv"
    assert main([*argv, "--remove-extra", "--dry-run", "--out", str(plan)]) == 0
    assert pd.read_csv(plan)["action"].tolist() == ["keep", "remove", "create"]
    assert writes(cli_hub) == before
    assert main([*argv, "--remove-extra"]) == 2  # removals, and no terminal to ask
    assert "add --yes" in capsys.readouterr().err
    assert writes(cli_hub) == before

    assert main(argv) == 2  # a creation planned, and no terminal to ask
    assert "add --yes" in capsys.readouterr().err
    assert writes(cli_hub) == before
    assert main([*argv, "--yes"]) == 0
    assert stored_pairs(cli_hub) == {("1", "4"), ("1", "5"), ("2", "6"), ("9", "9")}
    done = tmp_path / "done.csv"
    assert main([*argv, "--remove-extra", "--yes", "--out", str(done)]) == 0
    assert stored_pairs(cli_hub) == {("1", "4"), ("2", "6"), ("9", "9")}
    assert pd.read_csv(done)["status"].tolist() == ["unchanged", "removed", "unchanged"]
    assert "removed" in capsys.readouterr().out


def test_sync_refuses_a_journal(cli_hub: Sandbox, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "want.csv", [1], [4])
    argv = ["sync", str(source), *TYPES, "--from-col", "c", "--to-col", "co"]
    assert main([*argv, "--journal", str(tmp_path / "j.db")]) == 2
    assert cli_hub.requests == []


def test_undo_of_a_labelled_run_from_its_csv_file(cli_hub: Sandbox, tmp_path: Path) -> None:
    assert main(associate_argv(write_csv(tmp_path / "old.csv", [1], [4]))) == 0
    before = cli_hub.associations("contacts", "companies")
    results = tmp_path / "results.csv"
    source = write_csv(tmp_path / "in.csv", [1, 2], [4, 5])
    label = ["--label", "Billing contact", "--check-existing", "--no-progress"]
    assert main(associate_argv(source, *label, "--out", str(results))) == 0
    assert pd.read_csv(results)["pair_preexisting"].tolist() == [True, False]

    assert main(["undo", str(results), *TYPES, "--yes", "--no-progress"]) == 0
    assert cli_hub.associations("contacts", "companies") == before


def test_sync_with_a_label(cli_hub: Sandbox, tmp_path: Path) -> None:
    assert main(associate_argv(write_csv(tmp_path / "old.csv", [1], [4]))) == 0
    source = write_csv(tmp_path / "want.csv", [1], [4])
    argv = ["sync", str(source), *TYPES, "--from-col", "c", "--to-col", "co", "--no-progress"]
    assert main([*argv, "--label", "Billing contact", "--yes"]) == 0
    billing = cli_hub.label_type_id("contacts", "companies", "Billing contact")
    assert billing in cli_hub.associations("contacts", "companies")[("1", "4")]


def test_sync_of_a_file_with_no_rows_says_so(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "empty.csv"
    source.write_text("c,co\n")
    argv = ["sync", str(source), *TYPES, "--from-col", "c", "--to-col", "co", "--yes"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "no rows: nothing to sync" in out and "Series" not in out
    assert cli_hub.requests == []
