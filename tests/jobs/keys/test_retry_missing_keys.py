"""A key no record has is retryable: retry() (and the explorer's Retry, and ``hubassoc retry``)
looks it up again, over real sockets, and finds a record created since, even one search shows
only after its index delay, and even when the run's journal says no record had it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
from hubassoc_testkit import (
    associate_on,
    hub_env,
    looked_up,
    retry_on,
    searched_domains,
    stored_pairs,
    with_domains,
    with_emails,
)

from hubassoc_pandas.jobs.keys.outcomes import not_found_note
from hubassoc_pandas.sandbox import Sandbox

#: Seconds before the sandbox's search shows a company given a domain.
INDEX_DELAY = 0.6


def by_domain(hub: Sandbox, frame: pd.DataFrame, **options: Any) -> pd.DataFrame:
    return associate_on(hub, frame, to_col="site", to_id_property="domain", **options)


def searchable_after(moment: float) -> None:
    """Wait until what was given a domain at ``moment`` shows in search."""
    time.sleep(max(0.0, moment + INDEX_DELAY + 0.05 - time.monotonic()))


def test_retry_looks_a_domain_up_again_once_search_shows_it(hub: Sandbox, tmp_path: Path) -> None:
    hub.configure(search_index_delay=INDEX_DELAY)
    added = time.monotonic()
    with_domains(hub, {7: {"domain": "acme.com"}})
    searchable_after(added)
    frame = pd.DataFrame({"contact_id": [1, 2, 3], "site": ["acme.com", "New.io", "new.io"]})
    journal = tmp_path / "run.db"
    first = by_domain(hub, frame, journal=journal)
    assert first["status"].astype(str).tolist() == ["associated", "failed", "failed"]
    missing = first.iloc[1:]
    assert (missing["error_category"] == "KEY_NOT_FOUND").all()
    assert missing["retryable"].all()
    assert (
        missing["error_message"].tolist()
        == [f"site: No company has domain 'new.io'. {not_found_note()}"] * 2
    )
    assert "after a few moments" in not_found_note()

    added = time.monotonic()
    with_domains(hub, {8: {"domain": "new.io"}})  # not in search's index yet
    before = len(hub.requests)
    early = retry_on(hub, first, journal=journal)
    # looked up again, not the journal's (and, not found, as www.new.io too)
    assert searched_domains(hub, before) == ["new.io", "www.new.io"]
    assert (early.iloc[1:]["error_category"] == "KEY_NOT_FOUND").all()
    assert early.iloc[1:]["retryable"].all()

    searchable_after(added)
    before = len(hub.requests)
    fixed = retry_on(hub, early, journal=journal)
    assert searched_domains(hub, before) == ["new.io"]  # once for both rows
    assert fixed["status"].astype(str).tolist() == ["associated"] * 3
    assert fixed["to_id"].tolist() == ["7", "8", "8"]
    assert fixed["site"].tolist() == frame["site"].tolist()  # the keys as given
    assert stored_pairs(hub) == {("1", "7"), ("2", "8"), ("3", "8")}
    assert fixed.attrs["hubassoc"]["retries"] == 2

    before = len(hub.requests)
    again = by_domain(hub, frame, journal=journal)  # resumed: the journal knows it all now
    assert searched_domains(hub, before) == []
    assert again["to_id"].tolist() == ["7", "8", "8"]


def test_retry_looks_an_email_up_again(hub: Sandbox, tmp_path: Path) -> None:
    with_emails(hub, {101: "ann@x.io"})
    frame = pd.DataFrame({"email": ["ann@x.io", "zed@x.io"], "company_id": [5, 6]})
    options = {"from_col": "email", "from_id_property": "email"}
    first = associate_on(hub, frame, journal=tmp_path / "run.db", **options)
    assert first.loc[1, "error_category"] == "KEY_NOT_FOUND" and first.loc[1, "retryable"]

    with_emails(hub, {102: "zed@x.io"})
    before = len(hub.requests)
    fixed = retry_on(hub, first, journal=tmp_path / "run.db")
    assert looked_up(hub, before) == ["zed@x.io"]  # only the key still missing
    assert fixed["from_id"].tolist() == ["101", "102"]
    assert (fixed["status"] == "associated").all()
    assert stored_pairs(hub) == {("101", "5"), ("102", "6")}


def test_the_explorer_retry_looks_a_missing_email_up_again(hub: Sandbox) -> None:
    frame = pd.DataFrame({"email": ["new@x.io"], "company_id": [5]})
    first = associate_on(hub, frame, from_col="email", from_id_property="email")
    assert first.loc[0, "error_category"] == "KEY_NOT_FOUND"
    explorer = first.hubassoc.explore(token=hub.token)
    assert not explorer.retry_button.disabled  # the row is retryable
    with_emails(hub, {103: "new@x.io"})
    explorer.retry_button.click()
    assert explorer.results["from_id"].tolist() == ["103"]
    assert (explorer.results["status"] == "associated").all()
    assert stored_pairs(hub) == {("103", "5")}


def test_hubassoc_retry_looks_a_missing_email_up_again(cli_hub: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"mail": ["new@x.io"], "co": [5]}).to_csv(source, index=False)
    results = tmp_path / "results.parquet"  # keeps the run record (a CSV file does not)
    keys = ["--from-col", "mail", "--from-property", "email"]
    command = [sys.executable, "-m", "hubassoc_pandas.cli"]
    first = subprocess.run(
        [*command, "associate", str(source), "--from", "contacts", "--to", "companies",
         *keys, "--to-col", "co", "--out", str(results), "--no-progress"],
        env=hub_env(cli_hub), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert first.returncode == 1, first.stderr
    assert "hubassoc retry" in first.stdout  # the KEY_NOT_FOUND note, in command-line words
    with_emails(cli_hub, {50: "new@x.io"})
    again = subprocess.run(
        [*command, "retry", str(results), "--from", "contacts", "--to", "companies", *keys,
         "--no-progress"],
        env=hub_env(cli_hub), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    fixed = pd.read_parquet(results)
    assert fixed["from_id"].tolist() == ["50"] and fixed["status"].tolist() == ["associated"]
    assert stored_pairs(cli_hub) == {("50", "5")}
