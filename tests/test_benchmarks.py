"""Smoke runs of the benchmark scripts at tiny sizes: they run, print a table, lose nothing.

Timings are never asserted; benchmarks do not fail a build on speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.timeout(120)
def test_throughput_quick(tmp_path: Path) -> None:
    output = tmp_path / "throughput.json"
    printed = _run(
        "throughput.py", "--quick", "--sandbox-rate-seconds", "0.3", "--output", str(output)
    )
    assert "contender" in printed and "pairs/s" in printed and "of allowed requests" in printed
    assert "Sandbox's own rate at zero latency" in printed
    record = json.loads(output.read_text())
    names = [row["contender"] for row in record["results"]["hubspot_like"]]
    assert names == [
        "hubassoc (defaults)",
        "hubspot-api-client loop",
        "requests loop",
        "requests, 8 threads",
    ]
    assert set(record["results"]) == {"hubspot_like", "header_mismatch", "shared_token"}
    for rows in record["results"].values():
        for row in rows:
            assert row["lost"] == 0, row
            assert row["associated"] > 0, row
        ours = rows[0]
        assert ours["contender"] == "hubassoc (defaults)"
        assert ours["associated"] == ours["rows_in_scope"] == record["setup"]["rows"]
    assert all(goals["nothing_lost"] for goals in record["goals"].values())


@pytest.mark.timeout(120)
def test_overhead_quick(tmp_path: Path) -> None:
    output = tmp_path / "overhead.json"
    printed = _run(
        "overhead.py",
        "--quick",
        "--rows",
        "5000",
        "--sandbox-rate-seconds",
        "0.3",
        "--output",
        str(output),
    )
    assert "measurement" in printed and "speed vs per-row" in printed
    assert "Dry run as the frame grows" in printed
    assert "Sandbox's own rate at zero latency" in printed
    record = json.loads(output.read_text())
    assert len(record["results"]) == 4
    for figure in record["results"]:
        assert figure["result_rows"] == figure["rows"] == 5000, figure
    assert [f["rows"] for f in record["scaling"]] == [10_000]
    assert record["scaling"][0]["result_rows"] == 10_000
    mapping = [f for f in record["results"] if f["measurement"] == "mapping"]
    assert all(f["batches"] == 3 and f["batch_cpu_ms"] > 0 for f in mapping)
    for info in record["comparison"].values():
        assert info["lost"] == 0
        assert info["same_statuses"] is True


@pytest.mark.timeout(120)
def test_keys_quick(tmp_path: Path) -> None:
    output = tmp_path / "keys.json"
    printed = _run("keys.py", "--quick", "--output", str(output))
    assert "over fewest" in printed
    record = json.loads(output.read_text())
    lookups = {row["lookup"]: row for row in record["results"]}
    assert set(lookups) == {"emails", "domains", "domains + additional"}
    assert lookups["emails"]["requests"] == lookups["emails"]["fewest"] == 10
    for row in lookups.values():
        assert row["rows"] == 3 * row["keys"] == 3_000
        assert sum(row["rows_by_outcome"].values()) == row["rows"]
        assert row["fewest"] <= row["requests"]
