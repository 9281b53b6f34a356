"""The fast reader of associate answers against ``json.loads``, answer variant by variant.

Every variant HubSpot may send (see the contract: results listed once or both ways, per-input
errors with context or only words, IDs as strings or numbers...) and adversarial texts are
read both ways: the fast reader must give what ``json.loads`` gives, and the pairs must come
out with the same outcomes. The ``fast`` column says whether the fast path must take the
answer (usual shapes) or leave it to ``json.loads`` (anything else).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubassoc_pandas.engine.ledger import Ledger
from hubassoc_pandas.operations.associate_answers import decode_listings, map_success
from hubassoc_pandas.operations.base import Coded
from hubassoc_pandas.operations.key_index import KeyIndex
from hubassoc_pandas.operations.listing_scan import scan_listings
from hubassoc_pandas.operations.pair_wire import PairBatch, PairListings

FROM = [101, 102, 103, 104]
TO = [9001, 9002, 9003, 9001]
SPEC = '"associationSpec":{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":%d}'


def listing(f: Any, t: Any, type_id: Any = 279, category: str = "HUBSPOT_DEFINED") -> str:
    """One entry as HubSpot writes it (compact), from raw JSON fragments."""
    return (
        f'{{"from":{{"id":{f}}},"to":{{"id":{t}}},"associationSpec":{{"associationCategory"'
        f':"{category}","associationTypeId":{type_id}}}}}'
    )


def s(value: Any) -> str:
    return json.dumps(str(value))


def both_ways(pairs: list[tuple[int, int]]) -> list[str]:
    return [x for f, t in pairs for x in (listing(s(f), s(t)), listing(s(t), s(f), 280))]


def body(results: list[str], tail: str = "", head: str = '"status":"COMPLETE",') -> bytes:
    return ("{" + head + '"results":[' + ",".join(results) + "]" + tail + "}").encode()


ALL = list(zip(FROM, TO, strict=True))
NOT_FOUND = (
    ',"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"No companies with'
    ' ID 9003 exist","context":{"fromObjectId":["103"],"toObjectId":["9003"]}}],"numErrors":1'
)
WORDS_ONLY = ',"errors":[{"category":"VALIDATION_ERROR","message":"104 cannot be linked to 9001"}]'
NOWHERE = ',"errors":[{"category":"OBJECT_NOT_FOUND","context":{"ids":["777"]}}]'
DATES = ',"startedAt":"2026-03-01T10:00:00.000Z","completedAt":"2026-03-01T10:00:01.000Z"'

VARIANTS: list[tuple[str, bytes, bool]] = [
    # (name, answer, the fast path takes it)
    ("both ways", body(both_ways(ALL)), True),
    ("both ways, shuffled", body(both_ways(ALL)[::-1]), True),
    ("from->to only", body([listing(s(f), s(t)) for f, t in ALL]), True),
    ("to->from only", body([listing(s(t), s(f), 280) for f, t in ALL]), True),
    ("some pairs unmentioned", body(both_ways(ALL[:2])), True),
    ("207 with an error naming its pair", body(both_ways(ALL[:2] + ALL[3:]), NOT_FOUND), True),
    ("error naming IDs in its words", body(both_ways(ALL[:3]), WORDS_ONLY), True),
    ("error naming no pair", body(both_ways(ALL), NOWHERE), True),
    ("error but the pair confirmed", body(both_ways(ALL), NOT_FOUND), True),
    ("empty results, empty errors", body([], ',"errors":[]'), True),
    ("timestamps and links", body(both_ways(ALL), DATES + ',"links":{}'), True),
    ("results first", body(both_ways(ALL), ',"status":"COMPLETE"', head=""), True),
    ("a pair not in the batch", body([*both_ways(ALL), listing(s(5), s(6))]), True),
    ("user-defined label", body([listing(s(101), s(9001), 12, "USER_DEFINED")]), True),
    ("many type IDs", body([listing(s(f), s(t), n) for n, (f, t) in enumerate(ALL)]), True),
    ("type ID 0", body([listing(s(101), s(9001), 0)]), True),
    ("16-digit IDs", body([listing(s(10**15 + 1), s(9001))]), True),
    # shapes the fast path leaves to json.loads
    ("IDs as numbers", body([listing(f, t) for f, t in ALL]), False),
    ("one ID as a number", body([*both_ways(ALL[1:]), listing(101, s(9001))]), False),
    ("pretty-printed", json.dumps(json.loads(body(both_ways(ALL))), indent=2).encode(), False),
    ("spaces after colons", body(both_ways(ALL)).replace(b'":', b'": '), False),
    ("unicode escape in an ID", body([listing('"\\u0031\\u00301"', s(9001))]), False),
    ("unicode escape in a category", body([listing(s(101), s(9001), 279, "HUB\\u0053POT")]), False),
    ("lower-case category", body([listing(s(101), s(9001), 279, "hubspot_defined")]), False),
    ("category with digits", body([listing(s(101), s(9001), 279, "LABEL_2")]), False),
    ("type ID as a string", body([listing(s(101), s(9001), '"279"')]), False),
    ("negative type ID", body([listing(s(101), s(9001), -1)]), False),
    ("fractional type ID", body([listing(s(101), s(9001), "279.0")]), False),
    ("type ID with an exponent", body([listing(s(101), s(9001), "2e2")]), False),
    ("type ID with a leading zero", body([listing(s(101), s(9001), "0279")]), False),
    ("ID with a leading zero", body([listing(s("0101"), s(9001))]), False),
    ("empty ID", body([listing(s(""), s(9001))]), False),
    ("17-digit ID", body([listing(s(10**16), s(9001))]), False),
    ("ID with a sign", body([listing(s("+101"), s(9001))]), False),
    ("null ID", body([listing("null", s(9001))]), False),
    ("a label key too", body(both_ways(ALL)).replace(b"279}", b'279,"label":null}'), False),
    (
        "keys in another order",
        body(['{"to":{"id":"9001"},"from":{"id":"101"},' + SPEC % 279 + "}"]),
        False,
    ),
    (
        "associationTypes list",
        body(['{"from":{"id":"1"},"to":{"id":"2"},"associationTypes":[]}']),
        False,
    ),
    ("a null entry", body([*both_ways(ALL), "null"]), False),
    ("an empty entry", body([*both_ways(ALL), "{}"]), False),
    ("a pair listed twice one way", body([*both_ways(ALL), listing(s(101), s(9001), 3)]), False),
    ("space between entries", body(both_ways(ALL)).replace(b"}},{", b"}}, {"), False),
    ("nine categories", body([listing(s(n), s(n), 1, "C" * n) for n in range(1, 10)]), False),
    ("a later duplicate results key", body(both_ways(ALL), ',"results":[]'), False),
    ("an escaped later results key", body(both_ways(ALL), ',"r\\u0065sults":0'), False),
    ("results inside another object", b'{"x":{"results":[]},"results":[]}', False),
    ("results as a string", b'{"m":"\\"results\\":[","results":7}', False),
    ("a bracket in a later message", body(both_ways(ALL), ',"message":"] oops ["'), True),
    ("non-ASCII in a message", body(both_ways(ALL), ',"message":"Zoë ☃"'), True),
    ("not an object", b"[" + body(both_ways(ALL)) + b"]", False),
    ("truncated", body(both_ways(ALL))[:-40], False),
    ("trailing junk", body(both_ways(ALL)) + b"x", False),
    ("HTML", b"<html>502 Bad Gateway</html>", False),
    ("a byte-order mark", b"\xef\xbb\xbf" + body(both_ways(ALL)), True),
    ("invalid UTF-8 in a message", body(both_ways(ALL), ',"m":"X"').replace(b"X", b"\xff"), False),
]


def plain(read: Any) -> Any:
    if isinstance(read, dict) and isinstance(read.get("results"), PairListings):
        return {**read, "results": read["results"].as_dicts()}
    return read


def outcomes(decoded: Any) -> dict[str, Any]:
    """A decoded answer as plain values: position -> outcome."""
    values = {
        name: given.tolist() if isinstance(given, (np.ndarray, Coded)) else list(given)
        for name, given in decoded.values.items()
    }
    type_ids = [None if v in (-1, None) else v for v in values["association_type_id"]]
    return {
        "succeeded": dict(
            zip(
                decoded.succeeded.tolist(),
                zip(type_ids, values["association_category"], strict=True),
                strict=True,
            )
        ),
        "refused": {p: info for info, ps in decoded.refused.items() for p in ps},
        "open": sorted(decoded.open.tolist()),
        "unattributed": decoded.unattributed,
    }


def slow_outcomes(answer: Any, from_ids: list[str], to_ids: list[str]) -> dict[str, Any]:
    verdict = map_success(answer, from_ids, to_ids)
    return {
        "succeeded": verdict.confirmed,
        "refused": verdict.refused,
        "open": verdict.unmentioned,
        "unattributed": verdict.unattributed,
    }


def read_both(answer: bytes, from_ids: list[int], to_ids: list[int]) -> tuple[Any, Any]:
    batch = PairBatch.of_numbers(np.array(from_ids), np.array(to_ids))
    try:
        expected = json.loads(answer)
    except ValueError:
        with pytest.raises(ValueError):
            batch.read(answer)
        return None, None
    return batch.read(answer), expected


def check_same(answer: bytes, from_ids: list[int], to_ids: list[int]) -> Any:
    """Read ``answer`` both ways and check they agree; returns the fast reading."""
    fast, expected = read_both(answer, from_ids, to_ids)
    if expected is None:
        return None
    assert plain(fast) == expected
    if isinstance(fast, dict):
        assert list(fast) == list(expected)  # keys keep their order
    texts = [str(v) for v in from_ids], [str(v) for v in to_ids]
    if isinstance(expected, dict):
        slow = slow_outcomes(expected, *texts)
        assert slow_outcomes(fast, *texts) == slow
        listings = fast.get("results")
        if isinstance(listings, PairListings) and not listings.mirrored:
            batch = PairBatch.of_numbers(np.array(from_ids), np.array(to_ids))
            assert outcomes(decode_listings(fast, listings, batch)) == slow
    return fast


@pytest.mark.parametrize(("name", "answer", "fast"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_answer_variant_reads_as_json_loads_reads_it(
    name: str, answer: bytes, fast: bool
) -> None:
    read = check_same(answer, FROM, TO)
    taken = isinstance(read, dict) and isinstance(read.get("results"), PairListings)
    assert taken is fast, name


def test_a_full_batch_of_long_ids_both_ways_is_read_fast() -> None:
    rng = np.random.default_rng(3)
    from_ids = rng.integers(1, 10**16, 2000).tolist()
    to_ids = rng.integers(1, 10**11, 2000).tolist()
    pairs = list(zip(from_ids, to_ids, strict=True))
    results = both_ways(pairs[:1990])
    rng.shuffle(results)
    read = check_same(body(results, NOWHERE), from_ids, to_ids)
    assert isinstance(read["results"], PairListings)
    assert sorted(read["results"].forward) == list(range(1990))


def test_mirrored_pairs_go_the_careful_way() -> None:
    # a->b and b->a in one batch: a listing could be either; the type IDs tell them apart
    from_ids, to_ids = [1, 2, 3], [2, 1, 3]
    answer = body([listing(s(1), s(2), 279), listing(s(2), s(1), 280), listing(s(3), s(3))])
    read = check_same(answer, from_ids, to_ids)
    assert read["results"].mirrored


def test_ids_written_otherwise_are_matched_by_json_loads_only() -> None:
    # a batch given as texts the fast reader does not read: json.loads reads the answer
    batch = PairBatch(["0101", "7"], ["9", "8"])
    read = batch.read(body([listing(s("0101"), s(9)), listing(s(7), s(8))]))
    assert isinstance(read["results"], list)
    assert sorted(map_success(read, ["0101", "7"], ["9", "8"]).confirmed) == [0, 1]


def test_the_request_is_the_same_from_numbers_or_texts() -> None:
    numbers = PairBatch.of_numbers(np.array([1, 22, 10**15]), np.array([9, 88, 7]))
    texts = PairBatch(["1", "22", str(10**15)], ["9", "88", "7"])
    assert numbers.request() == texts.request()
    assert PairBatch.of_numbers(np.array([], np.int64), np.array([], np.int64)).request() == (
        PairBatch([], []).request()
    )
    assert list(numbers) == [["1", "22", str(10**15)], ["9", "88", "7"]]


# -- the listing scanner on its own ---------------------------------------------------------

digits = st.integers(min_value=0, max_value=10**16 - 1)
entries = st.lists(
    st.tuples(digits, digits, digits, st.sampled_from(["HUBSPOT_DEFINED", "USER_DEFINED", "A"])),
    min_size=1,
    max_size=12,
)


def compact(items: list[tuple[int, int, int, str]]) -> bytes:
    return ",".join(listing(s(f), s(t), n, c) for f, t, n, c in items).encode()


@settings(max_examples=200, deadline=None)
@given(items=entries)
def test_the_scanner_reads_compact_listings_exactly(items: list[tuple[int, int, int, str]]) -> None:
    scan = scan_listings(compact(items))
    assert scan is not None
    assert scan.from_ids.tolist() == [f for f, *_ in items]
    assert scan.to_ids.tolist() == [t for _, t, *_ in items]
    assert scan.type_ids.tolist() == [n for *_, n, _ in items]
    assert [scan.categories[c] for c in scan.category_codes] == [c for *_, c in items]


@settings(max_examples=400, deadline=None)
@given(
    items=entries,
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
    byte=st.sampled_from(list(b'0123456789"{}[],: \\-+.eEAZ_afgz\x00\xff')),
    how=st.sampled_from(["replace", "insert", "delete"]),
)
def test_a_changed_byte_is_refused_or_read_as_json_loads_reads_it(
    items: list[tuple[int, int, int, str]], where: float, byte: int, how: str
) -> None:
    text = bytearray(compact(items))
    at = int(where * len(text))
    if how == "replace":
        text[at] = byte
    elif how == "insert":
        text.insert(at, byte)
    else:
        del text[at]
    scan = scan_listings(bytes(text))
    if scan is None:
        return
    parsed = json.loads(b"[" + bytes(text) + b"]")
    assert [
        {
            "from": {"id": str(f)},
            "to": {"id": str(t)},
            "associationSpec": {
                "associationCategory": scan.categories[c],
                "associationTypeId": n,
            },
        }
        for f, t, n, c in zip(
            scan.from_ids.tolist(),
            scan.to_ids.tolist(),
            scan.type_ids.tolist(),
            scan.category_codes.tolist(),
            strict=True,
        )
    ] == parsed


# -- recording decoded values in bulk -------------------------------------------------------


def test_the_ledger_records_arrays_and_coded_values_as_lists() -> None:
    columns = {"association_type_id": ("Int64", None), "association_category": ("string", None)}
    bulk, listed = Ledger(np.ones(4, np.int64), columns), Ledger(np.ones(4, np.int64), columns)
    keys = np.array([3, 0, 2])
    bulk.set_values(
        keys,
        {
            "association_type_id": np.array([279, -1, 1]),
            "association_category": Coded(np.array([1, 0, -1]), ["HUBSPOT_DEFINED", "USER"]),
        },
    )
    listed.set_values(
        keys,
        {
            "association_type_id": [279, None, 1],
            "association_category": ["USER", "HUBSPOT_DEFINED", None],
        },
    )
    for name in columns:
        assert bulk.values[name].tolist() == listed.values[name].tolist()
    assert bulk.values["association_category"].tolist() == [
        "HUBSPOT_DEFINED",
        None,
        None,
        "USER",
    ]


@pytest.mark.parametrize("compiled", [True, False])
def test_the_key_index_finds_positions_with_or_without_the_compiled_table(compiled: bool) -> None:
    keys = np.array([5, 2**63 + 7, 0, 99], dtype=np.uint64)
    index = KeyIndex(keys, compiled=compiled)
    assert index.unique
    queries = np.array([99, 1, 2**63 + 7, 0], dtype=np.uint64)
    assert index.positions(queries).tolist() == [3, -1, 1, 2]
    assert not KeyIndex(np.array([1, 1], dtype=np.uint64), compiled=compiled).unique


small_ids = st.sampled_from([1, 2, 3, 7, 8, 9, 10, 123456789012])


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(st.tuples(small_ids, small_ids), min_size=1, max_size=6, unique=True),
    listed=st.lists(
        st.tuples(small_ids, small_ids, st.sampled_from([279, 280, 3]), st.booleans()),
        max_size=10,
    ),
    errors=st.lists(st.sampled_from([NOT_FOUND, WORDS_ONLY, NOWHERE]), max_size=1),
)
def test_random_answers_decode_as_the_careful_mapping_does(
    pairs: list[tuple[int, int]],
    listed: list[tuple[int, int, int, bool]],
    errors: list[str],
) -> None:
    results = [
        listing(s(f), s(t), n, "USER_DEFINED" if user else "HUBSPOT_DEFINED")
        for f, t, n, user in listed
    ]
    check_same(body(results, "".join(errors)), [f for f, _ in pairs], [t for _, t in pairs])
