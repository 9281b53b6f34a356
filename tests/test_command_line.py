"""The hubassoc command end to end: demo, associate (exit codes, files, the plan of a dry
run), retry from a saved file, and the sandbox subcommand."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hubassoc_testkit import hub_env, running_hub, start_cli, stored_pairs, wait_for

from hubassoc_pandas.cli import demo_frame, main
from hubassoc_pandas.sandbox import Sandbox

SMALL = {"contacts": range(1, 101), "companies": range(1, 101)}


@pytest.fixture
def portal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A sandbox of 100 contacts and 100 companies, in the environment the command reads."""
    with running_hub(records=SMALL) as hub:
        monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", hub.token)
        monkeypatch.setenv("HUBSPOT_BASE_URL", hub.url)
        yield hub


def write_csv(path: Path, contacts: list[object], companies: list[object]) -> Path:
    pd.DataFrame({"c": contacts, "co": companies}).to_csv(path, index=False)
    return path


def associate_argv(
    source: Path | str,
    *extra: str,
    types: tuple[str, str] = ("contacts", "companies"),
    columns: tuple[str, str] = ("c", "co"),
) -> list[str]:
    """``hubassoc associate`` arguments for a file of columns c (contacts) and co (companies)."""
    return [
        "associate",
        str(source),
        "--from",
        types[0],
        "--to",
        types[1],
        "--from-col",
        columns[0],
        "--to-col",
        columns[1],
        *extra,
    ]


def test_associate_all_good_exits_0_and_writes_results(
    portal: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "in.csv", [1, 2, 3], [4, 5, 6])
    out = tmp_path / "out.csv"
    assert main(associate_argv(source, "--out", str(out), "--no-progress")) == 0
    written = pd.read_csv(out)
    assert written["status"].tolist() == ["associated"] * 3
    assert "Summary" in capsys.readouterr().out
    assert portal.token not in out.read_text()


def test_associate_some_failed_exits_1(portal: Sandbox, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [1, 999, "x"], [4, 5, 6])
    argv = associate_argv(source, "--no-progress", types=("contact", "company"))
    assert main(argv) == 1


def test_ids_in_csv_are_read_as_text_not_floats(portal: Sandbox, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [1, None, 3], [4, 5, 6])
    out = tmp_path / "out.csv"
    main(associate_argv(source, "--out", str(out), "--no-progress"))
    written = pd.read_csv(out, dtype={"from_id": str})
    assert written["from_id"].tolist()[::2] == ["1", "3"]


def test_parquet_input_and_dry_run(portal: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    pd.DataFrame({"c": [1, 2], "co": [3, 4]}).to_parquet(source)
    out = tmp_path / "out.parquet"
    code = main(associate_argv(source, "--dry-run", "--out", str(out), "--no-progress"))
    assert code == 0  # a dry run exits 0 when no row is invalid
    assert pd.read_parquet(out)["status"].astype(str).tolist() == ["not_sent", "not_sent"]
    assert portal.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        associate_argv("missing.csv"),
        associate_argv("{src}", types=("widgets", "companies")),
        associate_argv("{src}", columns=("nope", "co")),
        ["associate", "{src}", "--from", "contacts"],
        ["frobnicate"],
    ],
)
def test_bad_usage_exits_2(
    portal: Sandbox, tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "in.csv", [1], [2])
    code = main([a.replace("{src}", str(source)) for a in argv])
    assert code == 2
    assert capsys.readouterr().err.strip()
    assert portal.requests == []


def test_wrong_token_exits_2_and_keeps_partial_results(
    portal: Sandbox,
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
    portal: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbled = tmp_path / "garbled.csv"
    garbled.write_bytes(b"c,co\n\xff\xfe\x00\x01,2\n")
    assert main(associate_argv(garbled, "--no-progress")) == 2
    assert "cannot be read" in capsys.readouterr().err
    good = write_csv(tmp_path / "in.csv", [1], [2])
    assert main(associate_argv(good, "--out", str(tmp_path / "no" / "such" / "x.csv"))) == 2
    assert "does not exist" in capsys.readouterr().err
    assert portal.requests == []
