"""The hubassoc command end to end: demo, associate (exit codes, files and their formats,
delimiters, the plan of a dry run), and the sandbox subcommand."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hubassoc_testkit import (
    SMALL,
    associate_argv,
    hub_env,
    running_hub,
    start_cli,
    stored_pairs,
    wait_for,
    write_csv,
)

from hubassoc_pandas.cli import demo_frame, main
from hubassoc_pandas.sandbox import Sandbox


def test_associate_all_good_exits_0_and_writes_results(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "in.csv", [1, 2, 3], [4, 5, 6])
    out = tmp_path / "out.csv"
    assert main(associate_argv(source, "--out", str(out), "--no-progress")) == 0
    written = pd.read_csv(out)
    assert written["status"].tolist() == ["associated"] * 3
    assert "Summary" in capsys.readouterr().out
    assert cli_hub.token not in out.read_text()


def test_associate_some_failed_exits_1(cli_hub: Sandbox, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [1, 999, "x"], [4, 5, 6])
    argv = associate_argv(source, "--no-progress", types=("contact", "company"))
    assert main(argv) == 1


def test_ids_in_csv_are_read_as_text_not_floats(cli_hub: Sandbox, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [1, None, 3], [4, 5, 6])
    out = tmp_path / "out.csv"
    main(associate_argv(source, "--out", str(out), "--no-progress"))
    written = pd.read_csv(out, dtype={"from_id": str})
    assert written["from_id"].tolist()[::2] == ["1", "3"]


def test_parquet_input_and_dry_run(cli_hub: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    pd.DataFrame({"c": [1, 2], "co": [3, 4]}).to_parquet(source)
    out = tmp_path / "out.parquet"
    code = main(associate_argv(source, "--dry-run", "--out", str(out), "--no-progress"))
    assert code == 0  # a dry run exits 0 when no row is invalid
    assert pd.read_parquet(out)["status"].astype(str).tolist() == ["not_sent", "not_sent"]
    assert cli_hub.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        associate_argv("missing.csv"),
        associate_argv("{src}", types=("wid gets", "companies")),
        associate_argv("{src}", columns=("nope", "co")),
        ["associate", "{src}", "--from", "contacts"],
        ["frobnicate"],
    ],
)
def test_bad_usage_exits_2(
    cli_hub: Sandbox, tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "in.csv", [1], [2])
    code = main([a.replace("{src}", str(source)) for a in argv])
    assert code == 2
    assert capsys.readouterr().err.strip()
    assert cli_hub.requests == []


def test_wrong_token_exits_2_and_keeps_partial_results(
    cli_hub: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "wrong-token-value")
    source = write_csv(tmp_path / "in.csv", [1, 2], [3, 4])
    out = tmp_path / "out.csv"
    assert main(associate_argv(source, "--out", str(out), "--no-progress")) == 2
    err = capsys.readouterr().err
    assert "401" in err and "wrong-token-value" not in err
    assert pd.read_csv(out)["status"].tolist() == ["not_sent", "not_sent"]


def test_ctrl_c_exits_non_zero_and_keeps_finished_rows(tmp_path: Path) -> None:
    with running_hub(
        records={"contacts": range(1, 2001), "companies": range(1, 2001)}, latency=0.2
    ) as hub:
        source = write_csv(tmp_path / "in.csv", list(range(1, 2001)), list(range(1, 2001)))
        out = tmp_path / "out.csv"
        env = hub_env(hub)
        argv = associate_argv(
            source,
            "--out",
            str(out),
            "--batch-size",
            "10",
            "--max-workers",
            "2",
            "--rate-limit",
            "20/1",
        )
        process = start_cli(argv, env)
        wait_for(lambda: len(stored_pairs(hub)) >= 50, process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        stored = stored_pairs(hub)
    assert process.returncode == 1, stderr
    assert "Interrupted" in stderr and "Traceback" not in stderr
    written = pd.read_csv(out, dtype={"from_id": str, "to_id": str})
    assert len(written) == 2000
    done = written[written["status"] == "associated"]
    assert set(zip(done["from_id"], done["to_id"], strict=True)) <= stored
    assert len(done) >= 50 and (written["status"] == "not_sent").sum() > 0
    assert hub.token not in stdout + stderr


def test_demo_frame_is_realistic() -> None:
    frame = demo_frame(1000)
    assert len(frame) == 1000 and frame["company_id"].dtype == "float64"
    assert frame["company_id"].isna().any()
    assert frame.duplicated(["contact_id", "company_id"]).sum() >= 40
    assert any(isinstance(v, str) for v in frame["contact_id"])


def test_demo_runs_end_to_end_as_the_readme_says() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBSPOT_")}
    done = subprocess.run(
        [sys.executable, "-m", "hubassoc_pandas.cli", "demo", "--rows", "800"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Summary" in done.stdout and "associated" in done.stdout
    assert (
        "First failures of each kind" in done.stdout
        and "INVALID_ID" in done.stdout
        and "OBJECT_NOT_FOUND" in done.stdout
    )
    assert "associating" in done.stderr  # the progress bar
    assert "sandbox-demo-token" not in done.stdout + done.stderr


def test_sandbox_subcommand_is_wired() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hubassoc_pandas.cli", "sandbox", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and "hubassoc sandbox" in done.stdout


def test_ctrl_c_exits_promptly_while_a_request_hangs(tmp_path: Path) -> None:
    from hubassoc_pandas.sandbox import Fault

    with running_hub(
        records=SMALL, faults=[Fault("hang", on_requests=[2], hang_seconds=60)]
    ) as hub:
        source = write_csv(tmp_path / "in.csv", list(range(1, 101)), list(range(1, 101)))
        env = hub_env(hub)
        argv = associate_argv(
            source,
            "--out",
            str(tmp_path / "out.csv"),
            "--batch-size",
            "10",
            "--max-workers",
            "1",
            "--no-progress",
        )
        process = start_cli(argv, env)
        wait_for(lambda: hub.stats()["faults"].get("hang", 0) > 0, process)  # 2nd request hangs
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=40)
        waited = time.monotonic() - started
    assert process.returncode == 1
    # a few seconds of grace for the request in flight, not the read timeout (60 s)
    assert waited < 15, waited
    written = pd.read_csv(tmp_path / "out.csv")
    assert (written["status"] == "associated").sum() == 10
    assert (written["status"] == "unconfirmed").sum() == 10


def test_unreadable_input_and_unwritable_out_exit_2_before_sending(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbled = tmp_path / "garbled.csv"
    garbled.write_bytes(b"c,co\n\xff\xfe\x00\x01,2\n")
    assert main(associate_argv(garbled, "--no-progress")) == 2
    assert "cannot be read" in capsys.readouterr().err
    good = write_csv(tmp_path / "in.csv", [1], [2])
    assert main(associate_argv(good, "--out", str(tmp_path / "no" / "such" / "x.csv"))) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli_hub.requests == []


# -- the plan of a dry run --------------------------------------------------------------------


def test_dry_run_prints_the_plan_and_exits_1_for_invalid_rows(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "in.csv", [1, 2, 2, "x", 3], [4, 5, 5, 6, 7])
    assert main(associate_argv(source, "--dry-run", "--batch-size", "2")) == 1
    out = capsys.readouterr().out
    plan = dict(line.rsplit(maxsplit=1) for line in out.splitlines()[1:5])
    assert {k.strip(): v for k, v in plan.items()} == {
        "rows": "5",
        "valid": "4",
        "invalid": "1",
        "unique pairs": "3",
    }
    assert "batches                            2  (up to 2 pairs each)" in out
    assert "First invalid rows (of 1)" in out and "'x' is not a whole number" in out
    assert cli_hub.requests == []


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_file_of_invalid_rows_says_nothing_can_be_sent(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], dry_run: bool
) -> None:
    source = write_csv(tmp_path / "in.csv", ["x", "", "1.5"], [4, 5, 6])
    argv = associate_argv(source, "--no-progress", *(["--dry-run"] if dry_run else []))
    assert main(argv) == 1
    out = capsys.readouterr().out
    if dry_run:
        assert "All 3 rows are invalid: nothing can be sent." in out
    else:
        assert "invalid" in out and "INVALID_ID" in out
    assert cli_hub.requests == []


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_header_only_file_says_there_are_no_rows(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str], dry_run: bool
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("c,co\n")
    assert main(associate_argv(source, *(["--dry-run"] if dry_run else []))) == 0
    assert "has column names but no rows: nothing to associate." in capsys.readouterr().out
    assert cli_hub.requests == []


# -- --out, its checks and its formats --------------------------------------------------------


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("{dir}", "is a directory"),
        ("{dir}/in.csv", "is the input file"),
        ("{dir}/results.dat", "cannot write '.dat' files; use one of .csv, .tsv, .json, .parquet"),
        ("{dir}/run.db", "cannot write '.db' files"),
        ("{dir}/run.csv", "is the journal"),
    ],
)
def test_out_is_checked_before_anything_is_sent(
    cli_hub: Sandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    out: str,
    message: str,
) -> None:
    source = write_csv(tmp_path / "in.csv", [1, 2], [3, 4])
    before = source.read_bytes()
    argv = associate_argv(source, "--out", out.format(dir=tmp_path))
    assert main([*argv, "--journal", str(tmp_path / "run.csv")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert cli_hub.requests == [] and source.read_bytes() == before


@pytest.mark.parametrize("suffix", [".tsv", ".json", ".parquet", ".xlsx"])
def test_out_format_follows_the_extension(cli_hub: Sandbox, tmp_path: Path, suffix: str) -> None:
    from hubassoc_pandas.cli.reading import read_results

    source = write_csv(tmp_path / "in.csv", [1, 2, "x"], [3, 4, 5])
    out = tmp_path / f"out{suffix}"
    assert main(associate_argv(source, "--out", str(out), "--no-progress")) == 1
    back = read_results(out)
    assert back["status"].tolist() == ["associated", "associated", "invalid"]
    assert back["from_id"].tolist()[:2] == ["1", "2"]


# -- delimiters ----------------------------------------------------------------------------


def test_semicolon_file_with_decimal_commas_is_sniffed(cli_hub: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text("c;co;amount\n1;4;3,5\n2;5;1,25\n")
    assert main(associate_argv(source, "--no-progress")) == 0
    assert stored_pairs(cli_hub) == {("1", "4"), ("2", "5")}


def test_sep_is_honoured(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "export.txt"
    source.write_text("c\tco\n1\t4\n")
    assert main(associate_argv(source, "--sep", "tab", "--no-progress")) == 0
    assert main(associate_argv(source, "--sep", "|")) == 2
    assert "--from-col 'c' is not a column of the input file" in capsys.readouterr().err
    assert main(associate_argv(source, "--sep", "::")) == 2
    assert "'::' is not a delimiter" in capsys.readouterr().err


# -- help and the sandbox subcommand ----------------------------------------------------------


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    for command in ("associate", "retry", "demo", "sandbox"):
        assert f"    {command} " in shown, command


def test_sandbox_on_a_busy_or_invalid_port_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with running_hub(records=SMALL) as busy:
        assert main(["sandbox", "--port", str(busy.port)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert f"cannot listen on 127.0.0.1:{busy.port}: the port is already in use" in err
    for port in ("70000", "-1"):
        assert main(["sandbox", "--port", port]) == 2
        err = capsys.readouterr().err
        assert err == (
            f"hubassoc sandbox: error: --port {port}: give a port from 1 to 65535, "
            "or 0 for any free port\n"
        )
    assert main(["sandbox", "--port", "abc"]) == 2
    assert "invalid int value: 'abc'" in capsys.readouterr().err
