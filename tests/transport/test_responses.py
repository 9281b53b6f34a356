"""Reading HubSpot's answers: classification, and mapping results/errors to pairs by ID."""

from __future__ import annotations

from typing import Any

import pytest

from hubassoc_pandas.engine.policy import Kind, classify, size_limit_from
from hubassoc_pandas.operations.associate_answers import map_success
from hubassoc_pandas.operations.named_ids import pairs_named
from hubassoc_pandas.transport.responses import ApiResponse, parse_error, retry_after_seconds

CLASSIFY = [
    (200, {"status": "COMPLETE", "results": []}, Kind.SUCCESS),
    (201, {"results": []}, Kind.SUCCESS),
    (207, {"results": [], "errors": []}, Kind.SUCCESS),
    (204, None, Kind.TRANSIENT),  # a 2xx without a readable body proves nothing
    (200, ["not", "an", "object"], Kind.TRANSIENT),
    (0, None, Kind.TRANSIENT),
    (500, {"category": "INTERNAL_ERROR"}, Kind.TRANSIENT),
    (502, None, Kind.TRANSIENT),
    (504, None, Kind.TRANSIENT),
    (408, None, Kind.TRANSIENT),
    (429, {"policyName": "TEN_SECONDLY_ROLLING"}, Kind.RATE_LIMITED),
    (429, None, Kind.RATE_LIMITED),
    (429, {"policyName": "DAILY"}, Kind.DAILY_LIMIT),
    (429, {"message": "You have reached your daily limit."}, Kind.DAILY_LIMIT),
    (401, {"category": "INVALID_AUTHENTICATION"}, Kind.UNAUTHORIZED),
    (403, {"category": "MISSING_SCOPES"}, Kind.FORBIDDEN),
    (400, {"message": "Unable to infer object type from: widgets"}, Kind.FATAL),
    (400, {"category": "VALIDATION_ERROR", "message": "Invalid JSON input: x"}, Kind.REJECTED),
    (
        400,
        {"category": "VALIDATION_ERROR", "message": "Batch size 150 exceeds the maximum of 100"},
        Kind.TOO_LARGE,
    ),
    (400, {"message": "Too many inputs in request"}, Kind.TOO_LARGE),
    (400, {"category": "OBJECT_NOT_FOUND", "message": "No contact 7"}, Kind.REJECTED),
    (404, {"category": "OBJECT_NOT_FOUND", "message": "x"}, Kind.REJECTED),
    (404, None, Kind.FATAL),  # wrong base URL or path
    (409, {"message": "conflict"}, Kind.REJECTED),
    (405, None, Kind.FATAL),
    (302, None, Kind.FATAL),
]


@pytest.mark.parametrize(("status", "body", "kind"), CLASSIFY)
def test_classify(status: int, body: Any, kind: Kind) -> None:
    assert classify(ApiResponse(status=status, body=body)) is kind


@pytest.mark.parametrize(
    ("message", "current", "limit"),
    [
        ("Batch size 1500 exceeds the maximum of 1000 inputs.", 1500, 1000),
        ("at most 250 inputs per request", 1000, 250),
        ("max 100", 2000, 100),
        ("Too many inputs", 100, 50),
        ("limit of 5000 exceeded", 100, 50),  # a limit above the current size is no help
        ("Too large", 1, 1),
    ],
)
def test_size_limit_from(message: str, current: int, limit: int) -> None:
    assert size_limit_from(message, current) == limit


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({}, None),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, None),
        ({"Retry-After": "-1"}, None),
    ],
)
def test_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after_seconds(ApiResponse(status=429, headers=headers)) == seconds


def test_parse_error_treats_every_field_as_optional() -> None:
    assert parse_error({}).message == ""
    info = parse_error(
        {
            "category": "VALIDATION_ERROR",
            "subCategory": {"odd": "object"},
            "message": "m",
            "correlationId": "abc",
            "context": {"ids": ["1"]},
        },
        http_status=400,
    )
    assert info.category == "VALIDATION_ERROR" and info.correlation_id == "abc"
    assert info.sub_category == '{"odd": "object"}' and info.http_status == 400
    assert '"ids"' in (info.detail or "")
    assert parse_error("<html>bad gateway</html>").message == "<html>bad gateway</html>"
    assert parse_error({"errorType": "RATE_LIMIT", "message": "x"}).retryable


FROM = ["101", "102", "103", "104"]
TO = ["9001", "9001", "9002", "9003"]


def _result(f: str, t: str, type_id: int = 279) -> dict[str, Any]:
    return {
        "from": {"id": f},
        "to": {"id": t},
        "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id},
    }


def test_results_in_any_order_and_both_directions() -> None:
    body = {
        "results": [
            _result("9002", "103", 280),
            _result("103", "9002"),
            _result("101", "9001"),
            _result("9003", "104", 280),
        ]
    }
    verdict = map_success(body, FROM, TO)
    assert verdict.confirmed == {
        0: (279, "HUBSPOT_DEFINED"),
        2: (279, "HUBSPOT_DEFINED"),
        3: (None, "HUBSPOT_DEFINED"),  # only the reverse listing: the from->to type is unknown
    }
    assert verdict.unmentioned == [1]


def test_integer_ids_in_results_are_matched() -> None:
    body = {"results": [{"from": {"id": 101}, "to": {"id": 9001}}]}
    assert list(map_success(body, FROM, TO).confirmed) == [0]


def test_result_naming_a_pair_not_sent_is_ignored() -> None:
    body = {"results": [_result("555", "9001"), {"from": {}}, "junk"]}
    verdict = map_success(body, FROM, TO)
    assert verdict.confirmed == {} and verdict.unmentioned == [0, 1, 2, 3]


def test_same_type_pair_and_its_reverse_are_told_apart() -> None:
    verdict = map_success({"results": [_result("1", "2")]}, ["1", "2"], ["2", "1"])
    assert list(verdict.confirmed) == [0] and verdict.unmentioned == [1]


ERROR_STYLES = [
    ("from and to keys", {"context": {"fromObjectId": ["102"], "toObjectId": ["9001"]}}, [1]),
    (
        "from and to keys, no pair with both",
        {"context": {"fromObjectId": ["101"], "toObjectId": ["9002"]}},
        [0, 2],
    ),
    ("to key only", {"context": {"toObjectId": ["9001"]}}, [0, 1]),
    ("from key only", {"context": {"fromObjectId": ["103"]}}, [2]),
    ("generic ids naming both ends", {"context": {"ids": ["104", "9003"]}}, [3]),
    ("generic ids naming one end", {"context": {"ids": ["9002"]}}, [2]),
    ("id only in the message", {"message": "No company with ID 9003 exists"}, [3]),
    ("nested errors context", {"errors": [{"context": {"fromObjectId": "101"}}]}, [0]),
    ("scalar context value", {"context": {"toObjectId": "9002"}}, [2]),
    ("naming nothing in the batch", {"message": "Something about 42"}, []),
    ("no ids at all", {"message": "Something went wrong"}, []),
]


@pytest.mark.parametrize(
    ("label", "error", "positions"), ERROR_STYLES, ids=[e[0] for e in ERROR_STYLES]
)
def test_pairs_named(label: str, error: dict[str, Any], positions: list[int]) -> None:
    assert pairs_named(error, FROM, TO) == positions


def test_errors_fail_named_pairs_but_never_confirmed_ones() -> None:
    body = {
        "results": [_result("101", "9001")],
        "errors": [
            {
                "category": "OBJECT_NOT_FOUND",
                "message": "No company 9001",
                "context": {"toObjectId": ["9001"]},
            },
            {"category": "VALIDATION_ERROR", "message": "unrelated"},
        ],
    }
    verdict = map_success(body, FROM, TO)
    assert list(verdict.confirmed) == [0]
    assert list(verdict.refused) == [1]
    assert verdict.refused[1].category == "OBJECT_NOT_FOUND"
    assert [e.message for e in verdict.unattributed] == ["unrelated"]
    assert verdict.unmentioned == [2, 3]


def test_empty_success_leaves_everything_unmentioned() -> None:
    verdict = map_success({"status": "COMPLETE", "results": [], "errors": []}, FROM, TO)
    assert verdict.unmentioned == [0, 1, 2, 3] and not verdict.confirmed and not verdict.refused


MIRRORS = [
    # (results as (from, to, type), expected confirmed {position: type})
    (
        "a good pair and its failed mirror, both directions listed, a plain pair for reference",
        [("35", "5", 279), ("5", "35", 280), ("1", "9", 279), ("9", "1", 280)],
        {0: 279, 2: 279},
    ),
    (
        "both mirrors confirmed, one direction each",
        [("35", "5", 279), ("5", "35", 279)],
        {0: 279, 1: 279},
    ),
    (
        "both mirrors confirmed in both directions: confirmed, type unknown",
        [("35", "5", 279), ("5", "35", 280), ("5", "35", 279), ("35", "5", 280)],
        {0: None, 1: None},
    ),
    (
        "one mirror confirmed in both directions, no reference: left open",
        [("35", "5", 279), ("5", "35", 280)],
        {},
    ),
]


@pytest.mark.parametrize(("label", "listed", "expected"), MIRRORS, ids=[m[0] for m in MIRRORS])
def test_mirrors_in_one_answer(
    label: str, listed: list[tuple[str, str, int]], expected: dict[int, int | None]
) -> None:
    from_ids, to_ids = ["35", "5"], ["5", "35"]
    if any(f == "1" for f, _, _ in listed):
        from_ids, to_ids = [*from_ids, "1"], [*to_ids, "9"]  # the reference pair, position 2
    body = {"results": [_result(f, t, type_id) for f, t, type_id in listed]}
    verdict = map_success(body, from_ids, to_ids)
    assert {p: spec[0] for p, spec in verdict.confirmed.items()} == expected
