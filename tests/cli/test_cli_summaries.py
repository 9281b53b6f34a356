"""What the commands print and write, end to end in a child process against the sandbox:
requests counted by kind, counts that agree with their nouns, the demo's exit code, output
files of one shape, and rows numbered as in the input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hubassoc_testkit import associate_argv, hub_env, with_emails, write_csv

from hubassoc_pandas.cli import demo as demo_module
from hubassoc_pandas.cli import main
from hubassoc_pandas.sandbox import Fault, Sandbox

TYPES = ["--from", "contacts", "--to", "companies"]


def run_cli(hub: Sandbox, *argv: str) -> subprocess.CompletedProcess[str]:
    """``hubassoc ARGV --no-progress`` in a child process, pointed at ``hub``."""
    return subprocess.run(
        [sys.executable, "-m", "hubassoc_pandas.cli", *argv, "--no-progress"],
        env=hub_env(hub),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def summary_line(stdout: str) -> str:
    """The last line saying how many requests were sent."""
    return [line for line in stdout.splitlines() if re.match(r"\d[\d,]* requests? ", line)][-1]


def test_a_run_by_keys_counts_its_lookups(cli_hub: Sandbox, tmp_path: Path) -> None:
    with_emails(cli_hub, {1: "a@x.io", 2: "b@x.io"})
    source = tmp_path / "in.csv"
    pd.DataFrame({"mail": ["a@x.io", "b@x.io"], "co": [5, 6]}).to_csv(source, index=False)
    done = run_cli(cli_hub, *associate_argv(source, "--from-property", "email",
                                            columns=("mail", "co")))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert summary_line(done.stdout).startswith("2 requests (1 lookup, 1 write) in ")
    assert len(cli_hub.requests) == 2


def test_a_checked_run_counts_its_read(cli_hub: Sandbox, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [1, 2], [5, 6])
    done = run_cli(cli_hub, *associate_argv(source, "--check-existing"))
    assert done.returncode == 0, done.stderr
    assert summary_line(done.stdout).startswith("2 requests (1 read, 1 write) in ")
    assert len(cli_hub.requests) == 2


def test_read_and_sync_count_theirs(cli_hub: Sandbox, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [1, 2], [5, 6])
    read = run_cli(cli_hub, "read", str(source), *TYPES, "--from-col", "c")
    assert summary_line(read.stdout).startswith("1 request (1 read) in ")
    plan = run_cli(cli_hub, "sync", str(source), *TYPES, "--from-col", "c", "--to-col", "co",
                   "--dry-run")  # fmt: skip
    assert summary_line(plan.stdout) == "1 request (1 read)"
    synced = run_cli(cli_hub, "sync", str(source), *TYPES, "--from-col", "c", "--to-col", "co",
                     "--yes")  # fmt: skip
    assert synced.returncode == 0, synced.stderr
    assert summary_line(synced.stdout) == "2 requests (1 read, 1 write)"


def test_one_of_a_thing_is_said_in_the_singular(cli_hub: Sandbox, tmp_path: Path) -> None:
    cli_hub.configure(faults=[Fault("500_json", rate=1.0)])
    source = write_csv(tmp_path / "in.csv", [1], [5])
    done = run_cli(cli_hub, *associate_argv(source, "--max-attempts", "1"))
    assert done.returncode == 1, done.stderr
    shown = done.stdout + done.stderr
    assert "(of 1 row that needs attention)" in shown
    assert "after 1 attempt:" in shown
    assert summary_line(done.stdout).startswith("1 request (1 write) in ")
    for wrong in ("1 requests", "1 attempts", "1 rows", "1 writes"):
        assert not re.search(rf"(?<![\d,]){wrong}\b", shown), wrong


def test_undo_writes_the_shape_associate_wrote(cli_hub: Sandbox, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [1, 2, 3], [5, 6, 7])
    results = tmp_path / "results.csv"
    first = run_cli(cli_hub, *associate_argv(source, "--check-existing", "--out", str(results)))
    assert first.returncode == 0, first.stderr
    undone = tmp_path / "undone.csv"
    done = run_cli(cli_hub, "undo", str(results), *TYPES, "--yes", "--out", str(undone))
    assert done.returncode == 0, done.stderr
    written, removed = pd.read_csv(results), pd.read_csv(undone)
    assert removed.columns.tolist() == written.columns.tolist()
    assert not any(str(column).startswith("Unnamed") for column in removed.columns)
    assert removed["status"].tolist() == ["removed"] * 3
    assert removed["c"].tolist() == [1, 2, 3]
    assert summary_line(done.stdout).startswith("1 request (1 write) in ")  # one batch


def test_read_numbers_rows_as_the_input_does(cli_hub: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"c": ["1", "2", "3", "4", "abc", "6", "7"]}).to_csv(source, index=False)
    done = run_cli(cli_hub, "read", str(source), *TYPES, "--from-col", "c")
    assert done.returncode == 1, done.stderr
    table = done.stdout.split("need attention")[1].splitlines()
    assert table[1].split()[0] == "from_id" and table[2].split() == ["row"]
    assert table[3].split()[:3] == ["4", "<NA>", "invalid"]  # the fifth row: index 4


def test_read_by_keys_numbers_rows_as_the_input_does(cli_hub: Sandbox, tmp_path: Path) -> None:
    with_emails(cli_hub, {1: "a@x.io"})
    source = tmp_path / "in.csv"
    pd.DataFrame({"mail": ["a@x.io", "nope", "zed@x.io", "a@x.io"]}).to_csv(source, index=False)
    done = run_cli(cli_hub, "read", str(source), *TYPES, "--from-col", "mail",
                   "--from-property", "email")  # fmt: skip
    assert done.returncode == 1, done.stderr
    rows = [line.split()[:2] for line in done.stdout.split("need attention")[1].splitlines()[3:5]]
    assert rows == [["1", "nope"], ["2", "zed@x.io"]]


def test_the_demo_exits_1_when_a_row_it_expects_done_is_not(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["demo", "--rows", "100", "--latency", "0", "--no-progress"]
    assert main(argv) == 0
    assert "those the demo made messy on purpose" in capsys.readouterr().out
    monkeypatch.setattr(demo_module, "demo_expected", lambda frame: np.ones(len(frame), bool))
    assert main(argv) == 1  # the rows it made messy now count as surprises
    assert "did not end as the demo expects" in capsys.readouterr().err
