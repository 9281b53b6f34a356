"""Removal users can trust, over real sockets against the sandbox: what existed before a run
is what a read found; an undo or a plan is carried out once, on the portal it was made for;
a labelled undo takes off only its own label unless the pair was absent before; a sync
never removes what the frame lists either way round, nor a from-ID's other links when its
new ones did not go in, and says so when it could not compare."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import (
    associate_argv,
    associate_on,
    disassociate_on,
    fail_requests,
    running_hub,
    stored_pairs,
    sync_on_hub,
    with_domains,
    write_csv,
)

from hubassoc_pandas.cli import main
from hubassoc_pandas.errors import ConfigError, JournalMismatchError
from hubassoc_pandas.sandbox import Fault, Sandbox
from hubassoc_pandas.synchronise import apply_plan


def frame_of(pairs: list[tuple[int, int]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["contact_id", "company_id"])


def quietly(call: Any, *args: Any, **options: Any) -> Any:
    """Call, with the run's own warnings (about unknown earlier states) set aside."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return call(*args, **options)


def labels_held(hub: Sandbox, pair: tuple[str, str]) -> set[int]:
    return set(hub.associations("contacts", "companies").get(pair, frozenset()))


# -- sync ----------------------------------------------------------------------------------


def test_same_type_sync_keeps_a_link_the_frame_lists_the_other_way_round(hub: Sandbox) -> None:
    associate_on(hub, pd.DataFrame({"a": [1], "b": [3]}), "contacts", "contacts",
                 from_col="a", to_col="b")  # fmt: skip
    frame = pd.DataFrame({"a": [1, 3], "b": [2, 1]})
    done = sync_on_hub(hub, frame, "contacts", "contacts", from_col="a", to_col="b",
                       remove_extra=True, dry_run=False)  # fmt: skip

    assert ("1", "3") in stored_pairs(hub, "contacts", "contacts")
    assert "remove" not in set(done["action"].astype(str))
    row = done[(done["from_id"] == "3") & (done["to_id"] == "1")]
    assert row["action"].astype(str).tolist() == ["keep"]
    assert row["status"].astype(str).tolist() == ["unchanged"]


def test_a_from_ids_removals_wait_for_its_creations(hub: Sandbox, fast_backoff: Any) -> None:
    associate_on(hub, frame_of([(1, 11), (2, 21)]))
    hub.configure(faults=[Fault("500_json", rate=1.0, endpoints=["associate_default"])])
    done = sync_on_hub(hub, frame_of([(1, 10), (2, 21)]), remove_extra=True, dry_run=False,
                       max_attempts=2, backoff=fast_backoff)  # fmt: skip

    assert ("1", "11") in stored_pairs(hub)  # contact 1 is never left with no association
    removal = done[done["action"] == "remove"]
    assert removal["status"].astype(str).tolist() == ["not_sent"]
    assert removal["error_category"].tolist() == ["HELD_BACK"]
    assert "could not be created" in removal["error_message"].iloc[0]
    assert bool(removal["retryable"].iloc[0])


def test_a_sync_that_could_not_read_says_so_loudly(hub: Sandbox, fast_backoff: Any) -> None:
    associate_on(hub, frame_of([(1, 11)]))
    hub.configure(faults=[Fault("500_json", rate=1.0, endpoints=["read"])])
    with pytest.warns(RuntimeWarning, match="could not read the associations of any of the 1"):
        done = sync_on_hub(hub, frame_of([(1, 10)]), remove_extra=True, dry_run=False,
                           max_attempts=2, backoff=fast_backoff)  # fmt: skip
    assert ("1", "11") in stored_pairs(hub)
    assert done.attrs["hubassoc"]["read"]["unread_from_ids"] == 1


def test_a_plan_is_applied_once(hub: Sandbox) -> None:
    associate_on(hub, frame_of([(1, 11)]))
    plan = sync_on_hub(hub, frame_of([(1, 10)]), remove_extra=True)
    apply_plan(plan, token=hub.token, progress=False)
    assert stored_pairs(hub) == {("1", "10")}
    associate_on(hub, frame_of([(1, 11)]))  # a colleague links them again

    before = len(hub.requests)
    with pytest.raises(ConfigError, match="carried out already"):
        apply_plan(plan, token=hub.token, progress=False)
    assert len(hub.requests) == before
    assert ("1", "11") in stored_pairs(hub)


def test_a_plan_is_refused_on_another_portal_or_token(hub: Sandbox) -> None:
    associate_on(hub, frame_of([(1, 11)]))
    plan = sync_on_hub(hub, frame_of([(1, 10)]), remove_extra=True)
    with running_hub() as other:
        associate_on(other, frame_of([(1, 11)]))
        with pytest.raises(ConfigError, match="made on"):
            plan.hubassoc.apply_plan(token=other.token, base_url=other.url, progress=False)
        assert ("1", "11") in stored_pairs(other)
    before = len(hub.requests)
    with pytest.raises(ConfigError, match="another access token"):
        plan.hubassoc.apply_plan(token="pat-na1-another", progress=False)
    assert len(hub.requests) == before


# -- what existed before a run ---------------------------------------------------------------


def test_a_journal_does_not_make_a_pair_the_runs_own(hub: Sandbox, tmp_path: Path) -> None:
    associate_on(hub, frame_of([(1, 5)]))  # it existed before both runs
    journal = tmp_path / "run.db"
    associate_on(hub, frame_of([(1, 5), (2, 6)]), journal=journal)
    again = associate_on(hub, frame_of([(1, 5), (2, 6)]), journal=journal, check_existing=True)

    assert again["preexisting"].isna().all()  # only a read can say "absent before"
    with pytest.warns(UserWarning, match="force=True"):
        removed = again.hubassoc.undo(token=hub.token, progress=False)
    assert removed.empty
    assert ("1", "5") in stored_pairs(hub)


def test_a_resumed_run_keeps_an_unread_pair_unknown(
    hub: Sandbox, tmp_path: Path, fast_backoff: Any
) -> None:
    associate_on(hub, frame_of([(1, 5)]))
    journal = tmp_path / "run.db"
    fail_requests(hub, after=1, count=2)  # the read of contact 1 and its retry
    first = associate_on(hub, frame_of([(1, 5)]), journal=journal, check_existing=True,
                         max_attempts=2, backoff=fast_backoff)  # fmt: skip
    assert first["preexisting"].isna().all()
    resumed = associate_on(hub, frame_of([(1, 5)]), journal=journal, check_existing=True)

    assert resumed["preexisting"].isna().all()
    quietly(resumed.hubassoc.undo, token=hub.token, progress=False)
    assert ("1", "5") in stored_pairs(hub)


def test_a_pair_whose_answer_was_lost_is_the_runs_own_when_resumed(
    hub: Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "run.db"
    hub.configure(faults=[Fault("close_after_commit", rate=1.0, endpoints=["associate_default"])])
    first = associate_on(hub, frame_of([(1, 5)]), journal=journal, check_existing=True,
                         max_attempts=1)  # fmt: skip
    assert first["status"].astype(str).tolist() == ["unconfirmed"]
    assert ("1", "5") in stored_pairs(hub)  # stored, its answer lost
    hub.configure(faults=[])
    resumed = associate_on(hub, frame_of([(1, 5)]), journal=journal, check_existing=True)
    assert resumed["preexisting"].tolist() == [False]
    resumed.hubassoc.undo(token=hub.token, progress=False)
    assert ("1", "5") not in stored_pairs(hub)


# -- undo ------------------------------------------------------------------------------------


def test_undo_takes_a_row_back_once(hub: Sandbox) -> None:
    results = associate_on(hub, frame_of([(1, 5), (2, 6)]), check_existing=True)
    results.hubassoc.undo(token=hub.token, progress=False)
    assert stored_pairs(hub) == set()
    associate_on(hub, frame_of([(1, 5)]))  # a colleague links them again

    with pytest.warns(UserWarning, match="undone already"):
        again = results.hubassoc.undo(token=hub.token, progress=False)
    assert again.empty
    assert again.attrs["hubassoc"]["undo"]["undone_before"] == 2
    assert ("1", "5") in stored_pairs(hub)


def test_the_command_line_undoes_a_results_file_once(
    cli_hub: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results.csv"
    source = write_csv(tmp_path / "in.csv", [1], [4])
    assert main(associate_argv(source, "--check-existing", "--no-progress", "--out",
                               str(results))) == 0  # fmt: skip
    undo = ["undo", str(results), "--from", "contacts", "--to", "companies", "--yes",
            "--no-progress"]  # fmt: skip
    assert main(undo) == 0
    assert ("1", "4") not in stored_pairs(cli_hub)
    assert main(associate_argv(source, "--no-progress")) == 0  # re-created

    main(undo)
    assert ("1", "4") in stored_pairs(cli_hub)
    assert "undone already" in capsys.readouterr().err


def test_undo_leaves_rows_whose_ids_were_edited_since_the_run(hub: Sandbox) -> None:
    associate_on(hub, frame_of([(3, 7)]))  # a colleague's pair
    results = associate_on(hub, frame_of([(1, 5), (2, 6)]), check_existing=True)
    results.loc[1, ["from_id", "to_id"]] = ["3", "7"]  # edited to the colleague's pair

    with pytest.warns(UserWarning, match="1 rows were left in place: their from_id/to_id"):
        removed = results.hubassoc.undo(token=hub.token, progress=False)
    assert removed["from_id"].tolist() == ["1"]
    assert stored_pairs(hub) == {("2", "6"), ("3", "7")}
    assert removed.attrs["hubassoc"]["undo"]["edited_left"] == 1


def test_undo_takes_back_the_pairs_a_retry_associated(hub: Sandbox, fast_backoff: Any) -> None:
    hub.configure(faults=[Fault("500_json", rate=1.0, endpoints=["associate_default"])])
    first = associate_on(hub, frame_of([(1, 5), (2, 6)]), check_existing=True, max_attempts=1)
    assert set(first["status"].astype(str)) == {"failed"}
    hub.configure(faults=[])
    retried = first.hubassoc.retry(token=hub.token, base_url=hub.url, progress=False)
    assert set(retried["status"].astype(str)) == {"associated"}

    retried.hubassoc.undo(token=hub.token, progress=False)
    assert stored_pairs(hub) == set()


def test_a_run_resumed_after_its_undo_keeps_a_pair_re_created_since(
    hub: Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "run.db"
    first = associate_on(hub, frame_of([(1, 4)]), journal=journal, check_existing=True)
    first.hubassoc.undo(token=hub.token, progress=False)
    associate_on(hub, frame_of([(1, 4)]))  # a colleague links them again
    resumed = associate_on(hub, frame_of([(1, 4)]), journal=journal, check_existing=True)

    assert resumed["preexisting"].tolist() == [True]  # read afresh, not the run's own
    resumed.hubassoc.undo(token=hub.token, progress=False)
    assert ("1", "4") in stored_pairs(hub)


def test_undo_refuses_types_that_contradict_the_run(hub: Sandbox) -> None:
    results = associate_on(hub, frame_of([(1, 5)]), check_existing=True)
    with pytest.raises(ConfigError, match="the run was 'contacts'"):
        results.hubassoc.undo(token=hub.token, from_type="deals", progress=False)
    assert ("1", "5") in stored_pairs(hub)


def test_a_journal_of_an_undo_belongs_to_that_undo(hub: Sandbox, tmp_path: Path) -> None:
    results = associate_on(hub, frame_of([(1, 5)]), check_existing=True)
    journal = tmp_path / "undo.db"
    results.hubassoc.undo(token=hub.token, journal=journal, progress=False)
    associate_on(hub, frame_of([(1, 5)]))
    with pytest.raises(JournalMismatchError, match="purpose"):
        disassociate_on(hub, frame_of([(1, 5)]), journal=journal)
    assert ("1", "5") in stored_pairs(hub)


def test_a_labelled_undo_takes_off_only_its_own_label(hub: Sandbox) -> None:
    associate_on(hub, frame_of([(1, 5)]), label="Decision maker")
    keep = labels_held(hub, ("1", "5"))
    results = associate_on(hub, frame_of([(1, 5)]), label="Billing contact")
    assert len(labels_held(hub, ("1", "5"))) == len(keep) + 1

    quietly(results.hubassoc.undo, token=hub.token, force=True, progress=False)
    assert labels_held(hub, ("1", "5")) == keep


def test_a_labelled_undo_from_a_file_keeps_the_association(hub: Sandbox, tmp_path: Path) -> None:
    associate_on(hub, frame_of([(1, 5)]))
    results = associate_on(hub, frame_of([(1, 5)]), label="Billing contact", check_existing=True)
    path = tmp_path / "results.csv"
    results.drop(columns=["pair_preexisting"]).to_csv(path, index=False)
    back = pd.read_csv(path)

    quietly(back.hubassoc.undo, token=hub.token, base_url=hub.url, from_type="contacts",
            to_type="companies", progress=False)  # fmt: skip
    assert ("1", "5") in stored_pairs(hub)
    assert len(labels_held(hub, ("1", "5"))) == 1  # the unlabelled default alone


def test_a_keyed_sync_keeps_links_to_every_record_its_key_may_mean(hub: Sandbox) -> None:
    with_domains(
        hub,
        {
            10: {"domain": "acme.com", "createdate": "2020-01-01T00:00:00.000Z"},
            11: {"domain": "acme.com", "createdate": "2022-01-01T00:00:00.000Z"},
            12: {"domain": "other.io", "createdate": "2022-01-01T00:00:00.000Z"},
        },
    )
    associate_on(hub, frame_of([(1, 11), (1, 12)]))
    frame = pd.DataFrame({"contact_id": [1], "website": ["acme.com"]})
    done = sync_on_hub(hub, frame, to_col="website", to_id_property="domain",
                       on_ambiguous="oldest", remove_extra=True, dry_run=False)  # fmt: skip

    assert stored_pairs(hub) == {("1", "10"), ("1", "11")}  # 12 goes, 11 may be meant: stays
    kept = done[done["to_id"] == "11"]
    assert kept["action"].astype(str).tolist() == ["extra"]
    assert "names several records" in kept["note"].iloc[0]


def test_a_hand_edited_plan_is_refused_before_anything_is_sent(hub: Sandbox) -> None:
    associate_on(hub, frame_of([(1, 11)]))
    plan = sync_on_hub(hub, frame_of([(1, 10)]), remove_extra=True)
    edited = plan.copy()
    edited["to_id"] = edited["to_id"].astype(object)
    edited.loc[edited.index[0], "to_id"] = "ten"
    before = len(hub.requests)
    with pytest.raises(ConfigError, match="cannot be carried out"):
        edited.hubassoc.apply_plan(token=hub.token, progress=False)
    assert len(hub.requests) == before


def test_a_sync_stopped_by_the_daily_limit_says_to_sync_again(hub: Sandbox) -> None:
    associate_on(hub, frame_of([(1, 11)]))
    hub.configure(faults=[Fault("429_daily", rate=1.0, endpoints=["associate_default"])])
    with pytest.warns(RuntimeWarning, match="daily"):
        done = sync_on_hub(hub, frame_of([(1, 10)]), remove_extra=True, dry_run=False)
    messages = done["error_message"].dropna().tolist()
    assert messages and all("sync() again" in m and "retry()" not in m for m in messages)
    assert ("1", "11") in stored_pairs(hub)


@pytest.mark.parametrize("context", ["from_to", "ids", "message"])
@pytest.mark.parametrize("missing_ids", ["per_input", "batch_400"])
def test_an_error_naming_a_contact_fails_only_pairs_of_that_contact(
    missing_ids: str, context: str
) -> None:
    with running_hub(records={"contacts": [3], "companies": [5, 7]}) as hub:
        hub.configure(missing_ids=missing_ids, error_context=context)
        frame = frame_of([(7, 5), (3, 7)])  # contact 7 does not exist; company 7 does
        out = associate_on(hub, frame)
        assert out["status"].astype(str).tolist() == ["failed", "associated"]
        assert "contact" in out["error_message"].iloc[0].lower()
        assert stored_pairs(hub) == {("3", "7")}


def test_undo_says_why_it_cannot_tell_what_existed(hub: Sandbox, tmp_path: Path) -> None:
    results = associate_on(hub, frame_of([(1, 5)]), check_existing=True)
    with pytest.raises(ConfigError, match="lack their 'preexisting' column: the run read first"):
        results.drop(columns="preexisting").hubassoc.undo(token=hub.token, progress=False)
    path = tmp_path / "results.csv"
    results.drop(columns="preexisting").to_csv(path, index=False)
    back = pd.read_csv(path)
    with pytest.raises(ConfigError, match="lost when the results were saved"):
        back.hubassoc.undo(token=hub.token, base_url=hub.url, from_type="contacts",
                           to_type="companies", progress=False)  # fmt: skip
    garbled = results.assign(preexisting=["maybe"])
    with pytest.warns(UserWarning, match="not True, False or empty"):
        garbled.hubassoc.undo(token=hub.token, progress=False)
    assert ("1", "5") in stored_pairs(hub)
