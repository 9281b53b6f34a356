"""Every frame the library returns has its summary, or says what to call instead."""

from __future__ import annotations

import pandas as pd
import pytest
from hubassoc_testkit import associate_on, read_on, sync_on_hub

from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.sandbox import Sandbox


def frame_of(pairs: list[tuple[int, int]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["contact_id", "company_id"])


def test_a_sync_carried_out_has_a_summary_and_failures(hub: Sandbox) -> None:
    associate_on(hub, frame_of([(1, 11)]))
    done = sync_on_hub(hub, frame_of([(1, 10), (1, 12)]), remove_extra=True, dry_run=False)
    summary = done.hubassoc.summary()
    assert summary.loc["status", "rows"].to_dict() == {"associated": 2, "removed": 1}
    assert done.hubassoc.failures().empty


def test_a_sync_carried_out_can_be_explored_but_not_retried_there(hub: Sandbox) -> None:
    associate_on(hub, frame_of([(1, 11)]))
    done = sync_on_hub(hub, frame_of([(1, 10), (2, None)]), remove_extra=True, dry_run=False)
    explorer = done.hubassoc.explore(token=hub.token)
    assert explorer.results is done
    assert "sync contacts → companies: 3 rows" in repr(explorer)
    assert explorer.status_filter.value is not None  # opens on the invalid row
    assert explorer.filtered["status"].astype(str).tolist() == ["invalid"]
    assert explorer.retry_button.disabled
    assert "sync() again" in explorer.retry_button.tooltip
    before = len(hub.requests)
    explorer.retry()
    assert len(hub.requests) == before
    assert "sync() again" in explorer.message.value


def test_an_undo_has_a_summary(hub: Sandbox) -> None:
    results = associate_on(hub, frame_of([(1, 5), (2, 6)]), check_existing=True)
    removed = results.hubassoc.undo(token=hub.token, progress=False)
    assert removed.hubassoc.summary().loc["status", "rows"].to_dict() == {"removed": 2}
    assert removed.hubassoc.failures().empty
    explorer = removed.hubassoc.explore(token=hub.token)
    assert "disassociate contacts → companies: 2 rows" in repr(explorer)
    assert explorer.retry_button.disabled  # nothing left to retry


def test_a_read_frame_points_to_read_status(hub: Sandbox) -> None:
    associate_on(hub, frame_of([(1, 5)]))
    links = read_on(hub, frame_of([(1, 5)]))
    for method in ("summary", "failures", "explore"):
        with pytest.raises(ConfigError, match=rf"{method}\(\) takes .*read_status\(\)"):
            getattr(links.hubassoc, method)()
    status = links.hubassoc.read_status()  # what they point to has its summary
    assert status.hubassoc.summary().loc["status", "rows"].to_dict() == {"found": 1}
    assert status.hubassoc.explore().retry_button.disabled


def test_a_plan_not_carried_out_points_to_apply_plan(hub: Sandbox) -> None:
    plan = sync_on_hub(hub, frame_of([(1, 5)]))
    with pytest.raises(ConfigError, match=r"apply_plan\(\)"):
        plan.hubassoc.summary()
