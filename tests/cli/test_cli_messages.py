"""What the command says: library messages reworded in terms of options and commands (alone
and end to end), and the confirmation a deleting command asks for."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from hubassoc_testkit import associate_argv, write_csv

from hubassoc_pandas import ConfigError
from hubassoc_pandas.api import associate
from hubassoc_pandas.cli import main
from hubassoc_pandas.cli.confirm import ConfirmationNeeded, confirm
from hubassoc_pandas.cli.messages import OPTION_OF, for_command_line
from hubassoc_pandas.sandbox import Fault, Sandbox

RETRY = "hubassoc retry out.csv --from contacts --to companies"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "from_col='nope' is not a column of the frame; its columns are: 'c', 'co'.",
            "--from-col 'nope' is not a column of the input file; its columns are: 'c', 'co'.",
        ),
        (
            "to_col='batch_size' is not a column of the frame; its columns are: 'batch_size'.",
            "--to-col 'batch_size' is not a column of the input file; its columns are: "
            "'batch_size'.",
        ),
        (
            "batch_size=0: give a whole number from 1 to 10000.",
            "--batch-size 0: give a whole number from 1 to 10000.",
        ),
        (
            "from_type='widgets' is not a HubSpot object type.",
            "--from 'widgets' is not a HubSpot object type.",
        ),
        ("to_type must be a non-empty string", "--to must be a non-empty string"),
        (
            "rate_limit='fast' is not usable: give requests per 10 s",
            "--rate-limit 'fast' is not usable: give requests per 10 s",
        ),
        (
            "timeout=-1.0: both timeouts must be positive seconds.",
            "--timeout -1.0: both timeouts must be positive seconds.",
        ),
        (
            "No HubSpot access token: pass token=... or set the HUBSPOT_ACCESS_TOKEN environment "
            "variable to a private-app token.",
            "No HubSpot access token: set the HUBSPOT_ACCESS_TOKEN environment variable to a "
            "private-app token.",
        ),
        (
            "retry() needs a results frame returned by associate() (with its attrs); "
            "missing: status.",
            "hubassoc retry needs a results file written by hubassoc associate --out; "
            "missing: status.",
        ),
        (
            "from_col='a' names 2 columns of the frame; make the column names unique "
            "(e.g. df.columns = [...]).",
            "--from-col 'a' names 2 columns of the input file; make the column names unique "
            "in the file.",
        ),
        (
            "The journal 'run.db' belongs to another run (from_type). Use a new journal file, "
            "or the arguments of the original run.",
            "The journal 'run.db' belongs to another run (--from). Use a new journal file, "
            "or the options of the original run.",
        ),
        ("Check and plan with dry_run=True first.", "Check and plan with --dry-run first."),
        (
            "HubSpot's limit for this app: base_url is fine, a read timeout happened.",
            "HubSpot's limit for this app: --base-url is fine, a read timeout happened.",
        ),
        ("Nothing here speaks of arguments.", "Nothing here speaks of arguments."),
    ],
)
def test_library_messages_speak_of_options(message: str, expected: str) -> None:
    assert for_command_line(message) == expected


def test_retry_is_suggested_as_the_exact_command() -> None:
    message = "Run retry() after the daily reset."
    assert for_command_line(message, retry_command=RETRY) == f"Run {RETRY} after the daily reset."
    assert for_command_line(message) == "Run hubassoc retry after the daily reset."


@pytest.mark.parametrize("name", sorted(OPTION_OF))
def test_every_argument_given_a_value_becomes_its_option(name: str) -> None:
    said = for_command_line(f"{name}=5 is out of range; {name}='{name}' too.")
    assert said == f"{OPTION_OF[name]} 5 is out of range; {OPTION_OF[name]} '{name}' too."


def test_messages_the_library_raises_come_out_in_options() -> None:
    frame = pd.DataFrame({"c": [1], "co": [2]})
    attempts = [
        {"from_col": "nope", "to_col": "co"},
        {"from_col": "c", "to_col": "co", "batch_size": 0},
        {"from_col": "c", "to_col": "co", "max_workers": 10_000},
        {"from_col": "c", "to_col": "co", "rate_limit": "fast"},
        {"from_col": "c", "to_col": "co", "api_version": "yesterday"},
        {"from_col": "c", "to_col": "co", "base_url": "ftp://example.com"},
    ]
    for options in attempts:
        with pytest.raises(ConfigError) as error:
            associate(frame, "contacts", "companies", dry_run=True, progress=False, **options)
        said = for_command_line(str(error.value))
        assert "--" in said, said
        assert not any(f"{name}=" in said for name in OPTION_OF), said


# -- the command's own messages ------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--batch-size", "0"], "--batch-size 0: give a whole number"),
        (["--max-workers", "1000"], "--max-workers 1000: give a whole number"),
        (["--rate-limit", "fast"], "--rate-limit 'fast' is not usable"),
        (["--timeout", "-1"], "--timeout -1.0"),
    ],
)
def test_bad_options_are_named_as_options(
    cli_hub: Sandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    said: str,
) -> None:
    source = write_csv(tmp_path / "in.csv", [1], [2])
    assert main(associate_argv(source, *extra)) == 2
    err = capsys.readouterr().err
    assert said in err and "=" not in err.split(":")[1]
    assert cli_hub.requests == []


def test_missing_token_names_the_environment_variable(
    cli_hub: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN")
    source = write_csv(tmp_path / "in.csv", [1], [2])
    assert main(associate_argv(source)) == 2
    err = capsys.readouterr().err
    assert "set the HUBSPOT_ACCESS_TOKEN environment variable" in err and "token=" not in err


def test_a_daily_limit_stop_suggests_the_retry_command(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_hub.configure(faults=[Fault("429_daily", on_requests=[1])])
    source = write_csv(tmp_path / "in.csv", [1, 2], [3, 4])
    out = tmp_path / "out.csv"
    assert main(associate_argv(source, "--out", str(out), "--no-progress")) == 1
    shown = capsys.readouterr()
    assert f"hubassoc retry {out} --from contacts --to companies" in shown.err
    assert "First failures of each kind" in shown.out  # the rows' own messages, reworded
    assert "DAILY_LIMIT" in shown.out
    assert "retry()" not in shown.out + shown.err and "associate()" not in shown.out


class Terminal(io.StringIO):
    """Typed answers, as read from a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("typed", "go_ahead"),
    [("y\n", True), ("YES\n", True), (" yes \n", True), ("n\n", False), ("\n", False),
     ("", False), ("yep\n", False)],
)  # fmt: skip
def test_a_deleting_command_goes_ahead_only_on_yes(typed: str, go_ahead: bool) -> None:
    shown = io.StringIO()
    answer = confirm(
        "Delete 3 pairs?", command="disassociate", yes=False, stdin=Terminal(typed), stderr=shown
    )
    assert answer is go_ahead
    assert shown.getvalue().startswith("Delete 3 pairs? [y/N] ")


def test_yes_skips_the_question() -> None:
    stdin, shown = Terminal("n\n"), io.StringIO()
    assert confirm("Delete?", command="disassociate", yes=True, stdin=stdin, stderr=shown)
    assert shown.getvalue() == "" and stdin.tell() == 0


@pytest.mark.parametrize("stdin", [io.StringIO("yes\n"), None])
def test_no_terminal_and_no_yes_is_refused(stdin: io.StringIO | None) -> None:
    closed = Terminal("yes\n")
    closed.close()
    for source in (stdin, closed):
        with pytest.raises(ConfirmationNeeded, match="not a terminal: add --yes") as refused:
            confirm("Delete?", command="disassociate", yes=False, stdin=source or closed)
        assert "hubassoc disassociate deletes" in str(refused.value)
        assert isinstance(refused.value, ConfigError)  # the command exits 2
