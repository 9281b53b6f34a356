"""A batch of pairs on the wire: the request text, and the fast reader of answers.

The reader must give what ``json.loads`` gives (with the results list in compact form), and
the mapping of its answer onto the pairs must be the mapping of the ``json.loads`` answer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubassoc_pandas.operations.associate_answers import map_success
from hubassoc_pandas.operations.pair_wire import PairBatch, PairListings


def entry(f: str, t: str, type_id: int = 279, category: str = "HUBSPOT_DEFINED") -> dict[str, Any]:
    return {
        "from": {"id": f},
        "to": {"id": t},
        "associationSpec": {"associationCategory": category, "associationTypeId": type_id},
    }


def compact(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def plain(body: Any) -> Any:
    """The body with any compact results turned back into dicts."""
    if isinstance(body, dict) and isinstance(body.get("results"), PairListings):
        return {**body, "results": body["results"].as_dicts()}
    return body


def test_request_is_the_json_of_the_inputs() -> None:
    batch = PairBatch(["1", "22", "333"], ["9", "88", "777"])
    assert json.loads(batch.request()) == {
        "inputs": [
            {"from": {"id": "1"}, "to": {"id": "9"}},
            {"from": {"id": "22"}, "to": {"id": "88"}},
            {"from": {"id": "333"}, "to": {"id": "777"}},
        ]
    }
    assert json.loads(PairBatch([], []).request()) == {"inputs": []}
    assert batch.prepared().json() == json.loads(batch.request())


def test_a_compact_answer_is_matched_to_the_batch() -> None:
    batch = PairBatch(["1", "2", "3"], ["7", "8", "9"])
    body = {
        "status": "COMPLETE",
        "results": [entry("7", "1", 280), entry("1", "7"), entry("8", "2", 280), entry("5", "6")],
        "errors": [{"category": "OBJECT_NOT_FOUND", "context": {"toObjectId": ["9"]}}],
        "numErrors": 1,
    }
    read = batch.read(compact(body))
    listings = read["results"]
    assert isinstance(listings, PairListings)
    assert listings.forward == {0: (279, "HUBSPOT_DEFINED")}
    assert listings.reverse == {0: "HUBSPOT_DEFINED", 1: "HUBSPOT_DEFINED"}
    assert list(read) == list(body)  # the keys keep their order
    assert plain(read) == body


@pytest.mark.parametrize(
    "text",
    [
        # spaces, other keys, IDs as numbers, an entry out of shape: read by json.loads
        b'{"results": [{"from": {"id": "1"}, "to": {"id": "7"}}]}',
        b'{"results":[{"from":{"id":1},"to":{"id":7},"associationSpec":{"associationCategory"'
        b':"HUBSPOT_DEFINED","associationTypeId":279}}]}',
        b'{"results":[{"from":{"id":"1"},"to":{"id":"7"},"associationSpec":{"associationCategor'
        b'y":"HUBSPOT_DEFINED","associationTypeId":279,"label":null}}]}',
        b'{"results":[{"from":{"id":"1"},"to":{"id":"7"},"associationSpec":{"associationCategor'
        b'y":"HUBSPOT_DEFINED","associationTypeId":0279}}]}',
        # a nested "results" key, a key ending in results, a later duplicate
        b'{"a":{"results":[]},"results":[]}',
        b'{"x\\"results":[],"status":"COMPLETE"}',
        b'{"results":[],"results":[{"from":{"id":"1"}}]}',
        b'{"results":7,"results":[]}',
        # not an object, empty, not JSON, truncated, a byte-order mark
        b'[{"results":[]}]',
        b'{"results":[]',
        b'{"results":[{"from":{"id":"1"},"to":{"id":"7"},"associationSpec":{"associationCategor',
        b'\xef\xbb\xbf{"results":[]}',
        b"<html>502</html>",
        b'{"status":"error","message":"\\"results\\":[ is not here"}',
    ],
)
def test_anything_else_reads_as_json_loads_reads_it(text: bytes) -> None:
    batch = PairBatch(["1"], ["7"])
    try:
        expected: Any = json.loads(text)
    except ValueError:
        with pytest.raises(ValueError):
            batch.read(text)
        return
    assert plain(batch.read(text)) == expected


ids = st.sampled_from(["1", "2", "3", "7", "8", "9", "10", "123456789012"])
listing = st.tuples(
    ids, ids, st.sampled_from([279, 280, 1, 0]), st.sampled_from(["HUBSPOT_DEFINED", "USER_X"])
)
error = st.fixed_dictionaries(
    {
        "category": st.just("OBJECT_NOT_FOUND"),
        "context": st.fixed_dictionaries({"toObjectId": st.lists(ids, max_size=2)}),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.lists(st.tuples(ids, ids), min_size=1, max_size=6, unique=True),
    listings=st.lists(listing, max_size=10),
    errors=st.lists(error, max_size=2),
    extra=st.dictionaries(st.sampled_from(["status", "numErrors", "links"]), st.integers()),
)
def test_the_reader_maps_answers_as_json_loads_does(
    pairs: list[tuple[str, str]],
    listings: list[tuple[str, str, int, str]],
    errors: list[dict[str, Any]],
    extra: dict[str, Any],
) -> None:
    from_ids, to_ids = [f for f, _ in pairs], [t for _, t in pairs]
    body: dict[str, Any] = {**extra, "results": [entry(*item) for item in listings]}
    if errors:
        body["errors"] = errors
    text = compact(body)
    read = PairBatch(from_ids, to_ids).read(text)
    # a pair listed twice from the same end is left to json.loads (the order decides)
    sent = set(pairs)
    ends = [((f, t), 1) if (f, t) in sent else ((t, f), -1) for f, t, *_ in listings]
    twice = any(ends.count((pair, way)) > 1 for pair in sent for way in (1, -1))
    assert isinstance(read["results"], PairListings) is not twice
    assert plain(read) == body
    fast, slow = map_success(read, from_ids, to_ids), map_success(body, from_ids, to_ids)
    assert fast.confirmed == slow.confirmed
    assert fast.refused == slow.refused
    assert fast.unmentioned == slow.unmentioned
    assert fast.unattributed == slow.unattributed
