"""Primary moves, over real sockets against the sandbox: a run that takes a record's Primary
from another company says so (a dry run too), and its undo puts Primary back."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hubassoc_testkit import associate_on, stored_pairs

from hubassoc_pandas.jobs.existing.primary import taken_from
from hubassoc_pandas.jobs.labels.primary import holder_side
from hubassoc_pandas.sandbox import Sandbox

PRIMARY = 1  # contacts -> companies


def primary_of(hub: Sandbox, contact: str) -> set[str]:
    held = hub.associations("contacts", "companies")
    return {company for (c, company), types in held.items() if c == contact and PRIMARY in types}


def give_primary(hub: Sandbox, pairs: list[tuple[int, int]]) -> None:
    """Make each company its contact's Primary, as a colleague would."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        associate_on(hub, contact_frame(pairs), label="Primary")


def contact_frame(pairs: list[tuple[int, int]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["contact_id", "company_id"])


def company_frame(pairs: list[tuple[int, int]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["company_id", "contact_id"])


def by_company(hub: Sandbox, frame: pd.DataFrame, **options: Any) -> pd.DataFrame:
    return associate_on(hub, frame, "companies", "contacts", from_col="company_id",
                        to_col="contact_id", **options)  # fmt: skip


def test_a_run_that_moves_primary_says_from_where_and_undo_puts_it_back(hub: Sandbox) -> None:
    give_primary(hub, [(1, 5), (2, 7)])  # before the run
    frame = contact_frame([(1, 6), (2, 7), (3, 8)])

    with pytest.warns(UserWarning, match="1 rows would take the Primary label"):
        dry = associate_on(hub, frame, label="Primary", check_existing=True, dry_run=True)
    assert dry["previous_primary"].tolist() == ["5", pd.NA, pd.NA]
    assert primary_of(hub, "1") == {"5"}

    with pytest.warns(UserWarning, match="1 rows took the Primary label"):
        done = associate_on(hub, frame, label="Primary", check_existing=True)
    assert done["previous_primary"].tolist() == ["5", pd.NA, pd.NA]
    assert done.attrs["hubassoc"]["previous_primary"] == 1
    assert primary_of(hub, "1") == {"6"}  # HubSpot moved it
    assert ("1", "5") in stored_pairs(hub)  # the old association stays, without Primary

    undone = done.hubassoc.undo(token=hub.token, progress=False)
    assert undone.attrs["hubassoc"]["undo"]["primary_restored"] == 1
    assert primary_of(hub, "1") == {"5"}
    assert ("1", "6") not in stored_pairs(hub)
    assert primary_of(hub, "2") == {"7"}  # held before the run: untouched


def test_primary_written_from_the_company_side_is_read_from_the_contacts(hub: Sandbox) -> None:
    give_primary(hub, [(1, 5)])
    with pytest.warns(UserWarning, match="1 rows took the Primary label"):
        done = by_company(hub, company_frame([(6, 1)]), label="Primary", check_existing=True)
    assert done["previous_primary"].tolist() == ["5"]
    assert primary_of(hub, "1") == {"6"}

    done.hubassoc.undo(token=hub.token, progress=False)
    assert primary_of(hub, "1") == {"5"}


def test_undo_does_not_put_primary_back_where_another_company_holds_it(hub: Sandbox) -> None:
    give_primary(hub, [(1, 5)])
    with pytest.warns(UserWarning, match="took the Primary label"):
        done = associate_on(hub, contact_frame([(1, 6)]), label="Primary", check_existing=True)
    give_primary(hub, [(1, 9)])  # a colleague's choice since

    with pytest.warns(UserWarning, match="Primary was not put back for 1 of the 1"):
        undone = done.hubassoc.undo(token=hub.token, progress=False)
    assert undone.attrs["hubassoc"]["undo"]["primary_left"] == 1
    assert primary_of(hub, "1") == {"9"}


def test_runs_without_primary_have_no_previous_primary_column(hub: Sandbox) -> None:
    done = associate_on(hub, contact_frame([(1, 5)]), label="Billing contact", check_existing=True)
    assert "previous_primary" not in done.columns


@pytest.mark.parametrize(
    ("from_type", "to_type", "side"),
    [
        ("contacts", "companies", "from"),
        ("deals", "companies", "from"),
        ("companies", "contacts", "to"),
        ("companies", "tickets", "to"),
        ("companies", "companies", None),
        ("contacts", "deals", None),
    ],
)
def test_which_side_holds_one_primary(from_type: str, to_type: str, side: str | None) -> None:
    assert holder_side(from_type, to_type) == side


@pytest.mark.parametrize(
    ("moving", "held", "expected"),
    [
        ([True], {1: 9}, [9]),  # another company held it: taken
        ([True], {1: 10}, [-1]),  # it holds this company already
        ([True], {}, [-1]),  # no Primary before
        ([False], {1: 9}, [-1]),  # the pair holds Primary already: nothing moves
    ],
)
def test_which_company_a_key_takes_primary_from(
    moving: list[bool], held: dict[int, int], expected: list[int]
) -> None:
    found = taken_from(
        np.array([1]),
        np.array([10]),
        np.array(moving),
        np.array(list(held), dtype=np.int64),
        np.array(list(held.values()), dtype=np.int64),
    )
    assert found.tolist() == expected


def test_a_primary_run_that_does_not_read_first_says_what_it_cannot_tell(hub: Sandbox) -> None:
    give_primary(hub, [(1, 5)])
    with pytest.warns(UserWarning, match="pass check_existing=True for both"):
        associate_on(hub, contact_frame([(1, 6)]), label="Primary")
    assert primary_of(hub, "1") == {"6"}


def test_a_primary_run_by_keys_that_does_not_read_first_says_so_too(hub: Sandbox) -> None:
    hub.add_records("companies", [6], [{"domain": "acme.com"}])
    frame = pd.DataFrame({"contact_id": [1], "site": ["acme.com"]})
    with pytest.warns(UserWarning, match="pass check_existing=True for both"):
        done = associate_on(hub, frame, to_col="site", to_id_property="domain", label="Primary")
    assert done["to_id"].tolist() == ["6"]
    assert primary_of(hub, "1") == {"6"}
