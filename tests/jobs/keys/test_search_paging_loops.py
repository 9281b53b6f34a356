"""Companies by domain when search's cursors go round in a circle (the sandbox's
``cursor_loop`` fault), over real sockets: the looping search's domains end failed and say
why, the other searches' rows go through, and retry() looks the failed ones up afresh."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from hubassoc_testkit import (
    associate_on,
    objects_requests,
    retry_on,
    stored_pairs,
    with_domains,
)

from hubassoc_pandas.operations.search_body import pack_domains
from hubassoc_pandas.sandbox import Fault, Sandbox
from hubassoc_pandas.sandbox.cursor_loop import LOOP

DOMAINS = [f"company-{n}.com" for n in range(100)]


def test_a_looping_search_fails_its_domains_and_the_rest_resolve(
    hub: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    packs = pack_domains(DOMAINS)
    assert len(packs) == 2  # two searches: the first loops, the second does not
    with_domains(hub, {20_001 + n: {"domain": d} for n, d in enumerate(DOMAINS)})
    frame = pd.DataFrame({"contact_id": range(1, 101), "site": DOMAINS})
    loop = Fault("cursor_loop", rate=1.0, endpoints=["search"], ids=[packs[0][0]])
    hub.configure(faults=[loop])
    with caplog.at_level(logging.WARNING, logger="hubassoc_pandas"):
        out = associate_on(hub, frame, to_col="site", to_id_property="domain")

    looping = out["site"].isin(packs[0])
    assert looping.sum() == len(packs[0])
    assert (out.loc[~looping, "status"] == "associated").all()
    failed = out[looping]
    assert (failed["status"] == "failed").all() and failed["to_id"].isna().all()
    assert set(failed["error_category"]) == {"PAGING_LOOP"}
    assert failed["retryable"].all()
    first = failed.iloc[0]
    assert first["error_message"].startswith(
        f"site: Could not look up domain {first['site']!r}: HubSpot sent the page cursor "
        f"{LOOP[0]!r} a second time (page 3 of the companies with domain {packs[0][0]!r} and "
        f"{len(packs[0]) - 1} more searched with it)"
    )
    message = first["error_message"]
    assert f"None of the {len(packs[0])} domains looked up in this search" in message
    assert "retry()" in message
    assert stored_pairs(hub) == {
        (str(n + 1), str(20_001 + n)) for n, d in enumerate(DOMAINS) if d in packs[1]
    }
    searches = objects_requests(hub, "search")
    assert [s.body.get("after") for s in searches if s.fault] == [None, LOOP[0], LOOP[1]]
    assert sum(1 for s in searches if not s.fault) == 1
    assert any("companies search for domain" in r.getMessage() for r in caplog.records)

    hub.configure(faults=[])
    again = retry_on(hub, out)
    assert (again["status"] == "associated").all()
    assert len(stored_pairs(hub)) == len(DOMAINS)
