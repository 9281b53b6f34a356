"""Which pairs an error names: a number names a record only where the answer's structure or
wording ties it to one, and a tie to an object type names that side only. Pure tables."""

from __future__ import annotations

from typing import Any

import pytest

from hubassoc_pandas.operations.associate_answers import map_success
from hubassoc_pandas.operations.named_ids import (
    context_key_side,
    ids_named,
    message_ids,
    pairs_named,
    word_side,
)

SIDES = ("contacts", "companies")

# (message, sides, from-side IDs, to-side IDs, either-side IDs)
MESSAGES: list[tuple[str, tuple[str, str] | None, set[str], set[str], set[str]]] = [
    # numbers no words tie to a record
    ("Batch of 2000 inputs is over the limit", SIDES, set(), set(), set()),
    ("Batch of 2000 inputs is over the limit", None, set(), set(), set()),
    ("The request is not valid: 1999 items, 1000 allowed", SIDES, set(), set(), set()),
    ("up to 100 inputs per request", SIDES, set(), set(), set()),
    ("USER_DEFINED=3 is not a valid association definition id", SIDES, set(), set(), set()),
    ("associationTypeId 279 is not defined", SIDES, set(), set(), set()),
    ("contacts: 2000 given", SIDES, set(), set(), set()),
    ("Request 4711 refused", SIDES, set(), set(), set()),
    ("portal ID 123 is locked", SIDES, set(), set(), set()),
    ("record 5 refused", SIDES, set(), set(), set()),
    ("invalid 5", SIDES, set(), set(), set()),
    ("inputs[7].from.id is required", SIDES, set(), set(), set()),
    ("Too many inputs: 2000 > 1000", SIDES, set(), set(), set()),
    # a type's name ties the number to that side
    ("No contact with ID 7 exists.", SIDES, {"7"}, set(), set()),
    ("No company with ID 7 exists.", SIDES, set(), {"7"}, set()),
    ("No company is associated with contact 101.", SIDES, {"101"}, set(), set()),
    ("Invalid contact ID '7'", SIDES, {"7"}, set(), set()),
    ("CONTACT #7 is archived", SIDES, {"7"}, set(), set()),
    ("No contacts with IDs 7, 8 and 9", SIDES, {"7", "8", "9"}, set(), set()),
    ("One or more object IDs do not exist: contacts 7, 8; companies 9.", SIDES, {"7", "8"},
     {"9"}, set()),
    ("0-1 5 does not exist", SIDES, {"5"}, set(), set()),
    ("contactId=7", SIDES, {"7"}, set(), set()),
    ("company_id: 9", SIDES, set(), {"9"}, set()),
    ("fromObjectId=7 toObjectId=9", SIDES, {"7"}, {"9"}, set()),
    ("Association from contact 1 to company 2 failed", SIDES, {"1"}, {"2"}, set()),
    # a type that is neither side names nothing
    ("No deal with ID 7 exists.", SIDES, set(), set(), set()),
    ("0-3 5 does not exist", SIDES, set(), set(), set()),
    # the same type on both sides, or no sides known: either side
    ("No contact with ID 7 exists.", ("contacts", "contacts"), set(), set(), {"7"}),
    ("No contact with ID 7 exists.", None, set(), set(), {"7"}),
    ("No company with ID 9003 exists", None, set(), set(), {"9003"}),
    # an ID named without its type: either side
    ("Invalid object IDs: 5, 6.", SIDES, set(), set(), {"5", "6"}),
    ("record ID 5 refused", SIDES, set(), set(), {"5"}),
    ("Object with ID 5 not found", SIDES, set(), set(), {"5"}),
    # custom objects: their label or ID
    ("No cars with ID 5 exists.", ("contacts", "2-3453"), set(), set(), {"5"}),
    ("No car with ID 5 exists.", ("contacts", "p_cars"), set(), {"5"}, set()),
    ("2-3453 5, 6 do not exist", ("contacts", "p_cars"), set(), set(), {"5", "6"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("message", "sides", "from_side", "to_side", "either"),
    MESSAGES,
    ids=[f"{m[0]}|{m[1]}" for m in MESSAGES],
)
def test_message_ties(
    message: str,
    sides: tuple[str, str] | None,
    from_side: set[str],
    to_side: set[str],
    either: set[str],
) -> None:
    named = message_ids(message, sides)
    assert (set(named.from_side), set(named.to_side), set(named.either)) == (
        from_side,
        to_side,
        either,
    )


CONTEXT_KEYS = [
    ("fromObjectId", "from"),
    ("toObjectId", "to"),
    ("from_object_id", "from"),
    ("toObjectIds", "to"),
    ("ids", "either"),
    ("IDs", "either"),
    ("objectIds", "either"),
    ("recordId", "either"),
    ("contactIds", "from"),
    ("companyIds", "to"),
    ("companies", "to"),
    ("dealIds", None),  # a type that is neither side
    ("fromObjectType", None),
    ("toObjectType", None),
    ("associationTypeId", None),
    ("maxInputs", None),
    ("inputs", None),
    ("limit", None),
    ("requiredScopes", None),
    ("portalId", None),
    ("word", None),
]


@pytest.mark.parametrize(("key", "side"), CONTEXT_KEYS, ids=[k for k, _ in CONTEXT_KEYS])
def test_context_keys(key: str, side: str | None) -> None:
    assert context_key_side(key, SIDES) == side


@pytest.mark.parametrize(
    ("word", "explicit", "side"),
    [
        ("contact", False, "from"),
        ("Contacts", False, "from"),
        ("company", True, "to"),
        ("0-2", False, "to"),
        ("deal", True, None),
        ("from", False, None),  # "from 7": not marked as an ID
        ("from", True, "from"),
        ("to", False, None),  # "up to 100"
        ("toObject", True, "to"),
        ("record", False, None),
        ("record", True, "either"),
        ("widget", False, None),
        ("widget", True, "either"),  # "widget ID 7": a type this client does not know
        ("batch", True, None),
        ("correlation", True, None),
    ],
)
def test_word_sides(word: str, explicit: bool, side: str | None) -> None:
    assert word_side(word, SIDES, explicit=explicit) == side


def test_context_comes_before_the_message() -> None:
    error = {"message": "No contact with ID 1", "context": {"toObjectId": ["2"]}}
    named = ids_named(error, SIDES)
    assert (set(named.from_side), set(named.to_side)) == (set(), {"2"})
    # a context holding no IDs leaves the message to be read
    error = {"message": "No contact with ID 1", "context": {"maxInputs": ["2"]}}
    assert set(ids_named(error, SIDES).from_side) == {"1"}
    # nested errors' contexts count too
    nested = {"errors": [{"context": {"fromObjectId": "3"}}]}
    assert set(ids_named(nested, SIDES).from_side) == {"3"}
    # type IDs and decimals in values are not record IDs
    assert not ids_named({"context": {"fromObjectType": ["0-1"], "ids": ["1.5"]}}, SIDES)


# The batch: (contact, company) pairs. Contact 7 is in pair 1; company 7 in pair 0.
FROM = ["3", "7", "2000", "5"]
TO = ["7", "5", "9", "2000"]

# (error, positions named with the types known)
PAIRS: list[tuple[str, dict[str, Any], list[int]]] = [
    ("contact named by words", {"message": "No contact with ID 7 exists."}, [1]),
    ("company named by words", {"message": "No company with ID 7 exists."}, [0]),
    ("both ends by words", {"message": "Association from contact 5 to company 2000 failed"},
     [3]),
    ("a count equal to IDs", {"message": "Batch of 2000 inputs is over the limit"}, []),
    ("a count in a context", {"message": "x", "context": {"inputs": ["2000"]}}, []),
    ("context from key", {"context": {"fromObjectId": ["7"]}}, [1]),
    ("context to key", {"context": {"toObjectId": ["7"]}}, [0]),
    ("context type key", {"context": {"companyIds": ["5"]}}, [1]),
    ("generic ids, both ends", {"context": {"ids": ["5", "2000"]}}, [3]),
    ("generic ids, one end", {"context": {"ids": ["9"]}}, [2]),
    ("generic ID in words", {"message": "Object with ID 7 not found"}, [0, 1]),
    ("a type neither side", {"message": "No deal with ID 7 exists."}, []),
]  # fmt: skip


@pytest.mark.parametrize(("label", "error", "positions"), PAIRS, ids=[p[0] for p in PAIRS])
def test_pairs_named_by_side(label: str, error: dict[str, Any], positions: list[int]) -> None:
    assert pairs_named(error, FROM, TO, SIDES) == positions


def test_a_per_input_error_fails_only_the_pair_of_its_side() -> None:
    body = {
        "results": [],
        "errors": [{"category": "OBJECT_NOT_FOUND", "message": "No contact with ID 7 exists."}],
    }
    verdict = map_success(body, FROM, TO, SIDES)
    assert list(verdict.refused) == [1] and verdict.unmentioned == [0, 2, 3]
    unrelated = {"results": [], "errors": [{"message": "Batch of 2000 inputs is too slow"}]}
    verdict = map_success(unrelated, FROM, TO, SIDES)
    assert not verdict.refused and len(verdict.unattributed) == 1
