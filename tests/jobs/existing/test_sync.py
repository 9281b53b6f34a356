"""sync() over real sockets: the dry-run plan, real runs with and without remove_extra, read
failures and unreadable rows that block removals, Ctrl-C and running again."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import (
    RecordingProgress,
    associate_on,
    fail_requests,
    label_id,
    running_hub,
    sent_typed,
    stored_pairs,
)

from hubassoc_pandas.errors import AuthenticationError, ConfigError
from hubassoc_pandas.sandbox import Sandbox
from hubassoc_pandas.synchronise import apply_plan

#: What HubSpot holds before each test: contact 3 is absent from the frames below.
BEFORE = [(1, 5), (1, 6), (2, 7), (2, 8), (3, 9)]
#: What the frame wants for contacts 1, 2 and 4.
WANTED = [(1, 5), (1, 10), (2, 7), (4, 11)]


def frame_of(pairs: list[tuple[Any, Any]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["contact_id", "company_id"])


def pairs(*items: tuple[int, int]) -> set[tuple[str, str]]:
    return {(str(f), str(t)) for f, t in items}


def sync_on(hub: Sandbox, frame: pd.DataFrame, **options: Any) -> pd.DataFrame:
    options.setdefault("token", hub.token)
    options.setdefault("base_url", hub.url)
    options.setdefault("progress", False)
    return frame.hubassoc.sync(  # type: ignore[no-any-return]
        "contacts", "companies", from_col="contact_id", to_col="company_id", **options
    )


def writes(hub: Sandbox) -> list[Any]:
    return [r for r in hub.requests if not r.path.endswith("/batch/read")]


def plan_rows(plan: pd.DataFrame) -> list[tuple[str, str, str]]:
    return list(zip(plan["from_id"], plan["to_id"], plan["action"].astype(str), strict=True))


@pytest.fixture
def linked(hub: Sandbox) -> Sandbox:
    associate_on(hub, frame_of(BEFORE))
    return hub


def test_the_default_is_a_dry_run_that_reads_and_writes_nothing(linked: Sandbox) -> None:
    hub = linked
    before = len(writes(hub))
    plan = sync_on(hub, frame_of([*WANTED, (1, 5)]))

    assert len(writes(hub)) == before
    assert stored_pairs(hub) == pairs(*BEFORE)
    assert plan_rows(plan) == [
        ("1", "5", "keep"),
        ("1", "10", "create"),
        ("1", "6", "extra"),
        ("2", "7", "keep"),
        ("2", "8", "extra"),
        ("4", "11", "create"),
    ]
    assert plan["existed"].tolist() == [True, False, True, True, True, False]
    assert plan["row"].tolist()[:2] == [0, 1] and plan["row"].iloc[2] is pd.NA
    assert "None" not in plan.to_string() and "<NA>" in plan.to_string()  # pandas' missing
    assert plan.loc[2, "note"] == "not in the frame; left in place (remove_extra=False)"
    assert "status" not in plan.columns
    record = plan.attrs["hubassoc"]
    assert record["operation"] == "sync" and record["dry_run"] is True
    assert record["actions"] == {"create": 2, "keep": 2, "remove": 0, "extra": 2, "invalid": 0}
    sent = [
        i["id"] for r in hub.requests if r.path.endswith("/batch/read") for i in r.body["inputs"]
    ]
    assert sorted(sent) == ["1", "2", "4"]  # contact 3 is never read


@pytest.mark.parametrize("api_version", ["2026-03", "v4"])
def test_a_real_run_creates_what_is_missing_and_leaves_extras(
    linked: Sandbox, api_version: str
) -> None:
    hub = linked
    done = sync_on(hub, frame_of(WANTED), dry_run=False, api_version=api_version)

    assert stored_pairs(hub) == pairs(*BEFORE, (1, 10), (4, 11))
    assert done["status"].astype(str).tolist() == [
        "unchanged",
        "associated",
        "unchanged",
        "unchanged",
        "unchanged",
        "associated",
    ]
    assert done.loc[done["action"] == "create", "http_status"].notna().all()
    assert not any(r.path.endswith("/batch/archive") for r in hub.requests)
    assert done.attrs["hubassoc"]["counts"]["associated"] == 2


@pytest.mark.parametrize("api_version", ["2026-03", "v4"])
def test_remove_extra_makes_hubspot_equal_the_frame_for_its_from_ids(
    linked: Sandbox, api_version: str
) -> None:
    hub = linked
    done = sync_on(hub, frame_of(WANTED), dry_run=False, remove_extra=True, api_version=api_version)

    assert stored_pairs(hub) == pairs(*WANTED, (3, 9))  # contact 3 is not in the frame
    removed = done[done["action"] == "remove"]
    assert plan_rows(removed) == [("1", "6", "remove"), ("2", "8", "remove")]
    assert (removed["status"] == "removed").all()
    assert done.attrs["hubassoc"]["counts"]["removed"] == 2
    again = sync_on(hub, frame_of(WANTED), remove_extra=True)
    assert set(again["action"].astype(str)) == {"keep"}


def test_a_from_id_whose_read_failed_has_nothing_removed(
    linked: Sandbox, fast_backoff: Any
) -> None:
    hub = linked
    fail_requests(hub, after=2, count=2)  # contact 2's read and its retry
    with pytest.warns(RuntimeWarning, match="could not read the associations of 1 of the 3"):
        done = sync_on(
            hub,
            frame_of(WANTED),
            dry_run=False,
            remove_extra=True,
            batch_size=1,
            max_workers=1,
            max_attempts=2,
            backoff=fast_backoff,
        )

    assert ("2", "8") in stored_pairs(hub)  # contact 2's extra stays
    assert ("1", "6") not in stored_pairs(hub)  # contact 1 was read: its extra went
    contact_2 = done[done["from_id"] == "2"]
    assert plan_rows(contact_2) == [("2", "7", "create")]  # sent anyway: harmless
    assert contact_2["existed"].isna().all()
    assert "could not be read" in contact_2["note"].iloc[0]
    assert contact_2["status"].iloc[0] == "associated"
    assert done.attrs["hubassoc"]["read"]["unread_from_ids"] == 1


def test_a_row_with_an_unreadable_to_id_blocks_removals_for_its_from_id(linked: Sandbox) -> None:
    hub = linked
    frame = frame_of([*WANTED, (2, "n/a")])
    done = sync_on(hub, frame, dry_run=False, remove_extra=True)
    assert ("2", "8") in stored_pairs(hub) and ("1", "6") not in stored_pairs(hub)
    left = done[(done["from_id"] == "2") & (done["to_id"] == "8")]
    assert left["action"].tolist() == ["extra"]
    assert "cannot be read" in left["note"].iloc[0]
    invalid = done[done["action"] == "invalid"]
    assert invalid["row"].tolist() == [4] and invalid["status"].tolist() == ["invalid"]


def test_extras_on_later_pages_are_all_removed() -> None:
    with running_hub(read_page_size=3) as hub:
        associate_on(hub, frame_of([(1, n) for n in range(1, 11)]))
        done = sync_on(hub, frame_of([(1, 4)]), dry_run=False, remove_extra=True)
        assert stored_pairs(hub) == pairs((1, 4))
        assert (done["action"] == "remove").sum() == 9


def test_ctrl_c_stops_before_removing_and_running_again_finishes(linked: Sandbox) -> None:
    hub = linked
    wanted = [(1, 5), *[(4, n) for n in range(20, 60)]]
    stop = RecordingProgress(stop_after=len(wanted) + 10)  # the read, then 10 creations
    with pytest.warns(RuntimeWarning, match="Interrupted.*sync\\(\\) again"):
        first = sync_on(
            hub,
            frame_of(wanted),
            dry_run=False,
            remove_extra=True,
            batch_size=5,
            max_workers=1,
            progress=stop,
        )
    assert (first["status"] == "not_sent").any()
    removal = first[first["action"] == "remove"]
    assert (removal["status"] == "not_sent").all() and len(removal) == 1
    assert "nothing was removed" in removal["error_message"].iloc[0]
    assert ("1", "6") in stored_pairs(hub)
    assert not any(r.path.endswith("/batch/archive") for r in hub.requests)

    second = sync_on(hub, frame_of(wanted), dry_run=False, remove_extra=True)
    assert stored_pairs(hub) == pairs(*wanted, (2, 7), (2, 8), (3, 9))
    kept = second[second["action"] == "keep"]
    assert len(kept) > 1  # what the first run created is now kept
    assert set(second["status"].astype(str)) <= {"unchanged", "associated", "removed"}


def test_apply_plan_does_exactly_what_the_plan_shows(linked: Sandbox) -> None:
    hub = linked
    plan = sync_on(hub, frame_of(WANTED), remove_extra=True)
    associate_on(hub, frame_of([(1, 77)]))  # appears after the plan was made
    done = apply_plan(plan, token=hub.token, progress=False)
    assert stored_pairs(hub) == pairs(*WANTED, (3, 9), (1, 77))
    assert done["status"].astype(str).tolist().count("removed") == 2
    with pytest.raises(ConfigError, match="carried out already"):
        apply_plan(done, token=hub.token)


def test_a_refused_read_raises_with_the_plan(linked: Sandbox) -> None:
    with pytest.raises(AuthenticationError) as caught:
        sync_on(linked, frame_of(WANTED), token="nope", dry_run=False, remove_extra=True)
    plan = caught.value.results
    assert plan is not None and plan.attrs["hubassoc"]["operation"] == "sync"
    assert stored_pairs(linked) == pairs(*BEFORE)


def test_bad_arguments_are_refused(hub: Sandbox) -> None:
    frame = frame_of(WANTED)
    with pytest.raises(ConfigError, match="remove_extra"):
        sync_on(hub, frame, remove_extra="yes")
    with pytest.raises(ConfigError, match="dry_run"):
        sync_on(hub, frame, dry_run=None)
    with pytest.raises(ConfigError, match="not a column"):
        frame.hubassoc.sync("contacts", "companies", from_col="c", to_col="company_id")
    assert hub.requests == []


@pytest.mark.parametrize("api_version", ["2026-03", "v4"])
def test_a_labelled_sync_writes_and_takes_off_only_that_label(
    linked: Sandbox, api_version: str
) -> None:
    hub = linked
    associate_on(hub, frame_of([(1, 6), (2, 7)]), label="Billing contact")
    billing = label_id(hub, "Billing contact")
    wanted = frame_of([(1, 5), (2, 7)])
    options = {"label": "Billing contact", "remove_extra": True, "api_version": api_version}

    plan = sync_on(hub, wanted, **options)
    assert plan_rows(plan) == [("1", "5", "create"), ("1", "6", "remove"), ("2", "7", "keep")]
    assert plan.attrs["hubassoc"]["label"]["type_id"] == billing
    done = sync_on(hub, wanted, dry_run=False, **options)

    assert done["status"].astype(str).tolist() == ["associated", "removed", "unchanged"]
    held = hub.associations("contacts", "companies")
    assert billing in held[("1", "5")] and billing in held[("2", "7")]
    assert billing not in held[("1", "6")] and ("1", "6") in held  # the label went, not the pair
    assert stored_pairs(hub) == pairs(*BEFORE, (1, 5))
    assert sent_typed(hub, "/batch/create")[-1] == ("1", "5", "USER_DEFINED", billing)
    assert sent_typed(hub, "/batch/labels/archive") == [("1", "6", "USER_DEFINED", billing)]
    assert set(sync_on(hub, wanted, **options)["action"].astype(str)) == {"keep"}


def test_an_unknown_label_is_refused_before_anything_is_read(linked: Sandbox) -> None:
    before = len(linked.requests)
    with pytest.raises(ConfigError, match="not a label"):
        sync_on(linked, frame_of(WANTED), label="No such label")
    assert not any(r.path.endswith("/batch/read") for r in linked.requests[before:])
