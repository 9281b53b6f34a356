"""A run killed with SIGKILL mid-way resumes from its journal: nothing lost, and only the
batches that were in flight are sent twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import associate_on, associated_pairs, hub_env, stored_pairs

from hubassoc_pandas.sandbox import Sandbox

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")]

WORKERS, BATCH = 4, 20

CHILD = textwrap.dedent(
    """
    import os, sys
    import pandas as pd
    import hubassoc_pandas

    frame = pd.read_csv(sys.argv[1])
    frame.hubassoc.associate(
        "contacts", "companies", from_col="contact_id", to_col="company_id",
        base_url=os.environ["HUBSPOT_BASE_URL"], journal=sys.argv[2],
        batch_size=int(sys.argv[3]), max_workers=int(sys.argv[4]),
        rate_limit=(1000, 1.0), progress=False,
    )
    """
)


def journal_count(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM outcome").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_sigkill_then_resume(hub: Sandbox, make_frame: Any, tmp_path: Path) -> None:
    frame = make_frame(4000, seed=99)
    csv, journal = tmp_path / "frame.csv", tmp_path / "run.sqlite"
    frame.to_csv(csv, index=False)
    hub.configure(latency=0.05, latency_jitter=0.02)
    env = hub_env(hub)
    errors = tmp_path / "child.err"
    with errors.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(csv), str(journal), str(BATCH), str(WORKERS)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 60
        while journal_count(journal) < 600 and time.monotonic() < deadline:
            assert child.poll() is None, errors.read_text()[-2000:]
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == -signal.SIGKILL
    journaled = journal_count(journal)
    assert 600 <= journaled < 4000
    stored_at_kill = len(stored_pairs(hub))

    results = associate_on(
        hub, frame, journal=journal, batch_size=BATCH, max_workers=WORKERS,
        rate_limit=(1000, 1.0),
    )  # fmt: skip
    stats = hub.stats()
    print(
        f"\nkill: journal had {journaled} rows, sandbox had {stored_at_kill} at the kill; "
        f"resumed {results.attrs['hubassoc']['resumed_pairs']}; "
        f"pairs sent more than once {stats['pairs_sent_more_than_once']} "
        f"(bound {WORKERS * BATCH}); requests {stats['endpoint_requests']}"
    )
    assert (results["status"] == "associated").all()
    assert results.attrs["hubassoc"]["resumed_pairs"] == journaled
    assert stored_pairs(hub) == associated_pairs(results)
    assert stats["pairs_sent_more_than_once"] <= WORKERS * BATCH
    assert stats["repeat_sends"] <= WORKERS * BATCH
    assert journal_count(journal) == 4000


CHECKED_CHILD = textwrap.dedent(
    """
    import os, sys
    import pandas as pd
    import hubassoc_pandas

    frame = pd.DataFrame({"contact_id": [1, 2], "company_id": [5, 6]})
    frame.hubassoc.associate(
        "contacts", "companies", from_col="contact_id", to_col="company_id",
        base_url=os.environ["HUBSPOT_BASE_URL"], journal=sys.argv[1], check_existing=True,
        max_workers=1, progress=False,
    )
    """
)


def test_a_pair_in_flight_at_a_kill_is_the_runs_own_when_resumed(
    hub: Sandbox, tmp_path: Path
) -> None:
    """What a check_existing run's read found is in its journal before anything is sent, so
    a pair stored by a request whose answer never came (the process killed) is still known
    to have been absent before the run: undo removes it."""
    associate_on(hub, pd.DataFrame({"contact_id": [2], "company_id": [6]}))  # existed before
    journal = tmp_path / "run.sqlite"
    hub.configure(latency=3.0)  # every answer leaves 3 s after its request is carried out
    child = subprocess.Popen(
        [sys.executable, "-c", CHECKED_CHILD, str(journal)],
        env=hub_env(hub),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while ("1", "5") not in stored_pairs(hub) and time.monotonic() < deadline:
            assert child.poll() is None
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)  # the write was carried out; its answer never came
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert ("1", "5") in stored_pairs(hub)
    assert journal_count(journal) == 0  # no outcome recorded: the request was in flight

    hub.configure(latency=0.0)
    frame = pd.DataFrame({"contact_id": [1, 2], "company_id": [5, 6]})
    resumed = associate_on(hub, frame, journal=journal, check_existing=True)
    assert resumed["preexisting"].tolist() == [False, True]
    resumed.hubassoc.undo(token=hub.token, progress=False)
    assert stored_pairs(hub) == {("2", "6")}
