"""``hubassoc retry`` from a saved results file, and the confirmation of deleting commands,
end to end against the sandbox."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hubassoc_testkit import associate_argv, sent_pairs, stored_pairs, write_csv

from hubassoc_pandas.cli import commands, main
from hubassoc_pandas.cli.commands import PairCommand
from hubassoc_pandas.cli.reading import read_results
from hubassoc_pandas.sandbox import Fault, Sandbox

FIRST_BATCH = {("1", "5"), ("2", "6")}


def first_run(hub: Sandbox, tmp_path: Path, suffix: str) -> Path:
    """Four rows in batches of two; the first batch fails with a 500 (retryable)."""
    hub.configure(faults=[Fault("500_json", on_requests=[1])])
    source = write_csv(tmp_path / "in.csv", [1, 2, 3, 4], [5, 6, 7, 8])
    out = tmp_path / f"results{suffix}"
    argv = associate_argv(
        source, "--out", str(out), "--batch-size", "2", "--max-workers", "1",
        "--max-attempts", "1", "--no-progress",
    )  # fmt: skip
    assert main(argv) == 1
    hub.configure(faults=[])
    assert read_results(out)["status"].tolist() == ["failed"] * 2 + ["associated"] * 2
    return out


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_retry_resends_what_failed_and_updates_the_file(
    cli_hub: Sandbox, tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    results = first_run(cli_hub, tmp_path, suffix)
    before = len(cli_hub.requests)
    argv = ["retry", str(results), "--from", "contacts", "--to", "companies", "--no-progress"]
    assert main(argv) == 0
    assert set(sent_pairs(cli_hub, before)) == FIRST_BATCH
    updated = read_results(results)
    assert updated["status"].tolist() == ["associated"] * 4
    assert updated["attempts"].tolist() == [2, 2, 1, 1]
    assert stored_pairs(cli_hub) == FIRST_BATCH | {("3", "7"), ("4", "8")}
    assert "2 rows re-sent with 1 request (1 write); results written to" in capsys.readouterr().out


def test_parquet_keeps_the_object_types_and_out_leaves_the_file_as_it_was(
    cli_hub: Sandbox, tmp_path: Path
) -> None:
    results = first_run(cli_hub, tmp_path, ".parquet")
    before = results.read_bytes()
    updated = tmp_path / "updated.csv"
    assert main(["retry", str(results), "--out", str(updated), "--no-progress"]) == 0
    assert results.read_bytes() == before
    assert read_results(updated)["status"].tolist() == ["associated"] * 4


def test_nothing_to_resend_sends_nothing(cli_hub: Sandbox, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [1, 2], [5, 6])
    out = tmp_path / "results.csv"
    assert main(associate_argv(source, "--out", str(out), "--no-progress")) == 0
    before = len(cli_hub.requests)
    assert main(["retry", str(out), "--from", "contacts", "--to", "companies"]) == 0
    assert len(cli_hub.requests) == before


@pytest.mark.parametrize(
    ("suffix", "extra", "message"),
    [
        (".csv", [], "does not say which object types it holds: give --from and --to"),
        (".parquet", ["--from", "deals"], "run with --from contacts; re-sending its pairs as"),
        (".csv", ["--from", "wid gets", "--to", "companies"], "--from 'wid gets' cannot be a"),
    ],
)
def test_retry_refuses_what_would_send_the_wrong_pairs(
    cli_hub: Sandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    suffix: str,
    extra: list[str],
    message: str,
) -> None:
    results = first_run(cli_hub, tmp_path, suffix)
    capsys.readouterr()
    before = len(cli_hub.requests)
    assert main(["retry", str(results), *extra]) == 2
    assert message in capsys.readouterr().err
    assert len(cli_hub.requests) == before


def test_retry_of_an_edited_or_foreign_file_says_what_is_wrong(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = first_run(cli_hub, tmp_path, ".csv")
    results.write_text(results.read_text().replace("failed", "sort of failed", 1))
    types = ["--from", "contacts", "--to", "companies"]
    assert main(["retry", str(results), *types]) == 2
    assert "column status: 1 value(s) are not one of associated" in capsys.readouterr().err
    pairs = write_csv(tmp_path / "pairs.csv", [1], [2])
    assert main(["retry", str(pairs), *types]) == 2
    assert "is not a results file" in capsys.readouterr().err


# -- commands that delete ask first -----------------------------------------------------------


class Terminal(io.StringIO):
    """Typed answers, as read from a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def deleting(monkeypatch: pytest.MonkeyPatch) -> str:
    """A pair command marked as deleting, sending through api.associate so its effect can be
    seen in the sandbox: the confirmation is what is under test."""
    command = PairCommand("relink", "associate", "test command that deletes", deletes=True)
    monkeypatch.setattr(commands, "PAIR_COMMANDS", (*commands.PAIR_COMMANDS, command))
    return command.name


def test_a_deleting_command_without_a_terminal_or_yes_is_refused(
    cli_hub: Sandbox,
    tmp_path: Path,
    deleting: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    source = write_csv(tmp_path / "in.csv", [1, 2], [5, 6])
    assert main(associate_argv(source, command=deleting)) == 2
    assert "standard input is not a terminal: add --yes" in capsys.readouterr().err
    assert cli_hub.requests == []
    assert main(associate_argv(source, "--yes", "--no-progress", command=deleting)) == 0
    assert stored_pairs(cli_hub) == {("1", "5"), ("2", "6")}


@pytest.mark.parametrize(("typed", "code", "sent"), [("y\n", 0, True), ("no\n", 1, False)])
def test_a_deleting_command_asks_with_the_count_and_the_portal(
    cli_hub: Sandbox,
    tmp_path: Path,
    deleting: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    typed: str,
    code: int,
    sent: bool,
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal(typed))
    source = write_csv(tmp_path / "in.csv", [1, 2, 2], [5, 6, 6])
    assert main(associate_argv(source, "--no-progress", command=deleting)) == code
    err = capsys.readouterr().err
    question = f"hubassoc {deleting} deletes: it will send 2 pairs contacts -> companies to "
    assert f"{question}{cli_hub.url}. Go ahead? [y/N]" in err
    assert bool(cli_hub.requests) is sent
    assert ("nothing sent" in err) is not sent


def test_only_deleting_commands_take_yes(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "in.csv", [1], [5])
    assert main(associate_argv(source, "--yes")) == 2
    assert "unrecognized arguments: --yes" in capsys.readouterr().err
