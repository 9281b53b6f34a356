"""Pure tables for keys: how cells are read (emails, domains, unique values), how domains are
packed into search bodies, what lookups found, and what a row's keys come to."""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubassoc_pandas.inputs.key_values import (
    normalise_domain,
    normalise_email,
    normalise_keys,
    normalise_unique,
)
from hubassoc_pandas.jobs.keys.outcomes import (
    KeyResolution,
    describe_found,
    id_view,
    key_problems,
    key_view,
)
from hubassoc_pandas.jobs.keys.spec import KeySpec
from hubassoc_pandas.operations.found import Found, found_text, oldest_first, read_found
from hubassoc_pandas.operations.resolve_by_property import ResolveByProperty
from hubassoc_pandas.operations.search_body import (
    CURSOR_ROOM,
    MAX_BODY,
    MAX_FILTERS,
    MAX_GROUPS,
    MAX_IN_VALUES,
    MAX_PER_GROUP,
    body_bytes,
    pack_domains,
    search_body,
)
from hubassoc_pandas.operations.search_domains import SearchDomains
from hubassoc_pandas.transport.responses import ApiResponse


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("ann@example.com", ("ann@example.com", None)),
        ("  Ann@Example.COM\t", ("ann@example.com", None)),
        ("\u00a0bo@x.io\u00a0", ("bo@x.io", None)),  # non-breaking spaces
        ("\ufeffcy@x.io\u200b", ("cy@x.io", None)),  # a byte-order mark, a zero-width space
        ("MAILTO:Dee@x.io?subject=Hello", ("dee@x.io", None)),
        ("<ed@x.io>", ("ed@x.io", None)),
        ("ann+news@gmail.com", ("ann+news@gmail.com", None)),  # tags stay: another contact
        ("a.n.n@gmail.com", ("a.n.n@gmail.com", None)),  # dots stay too
        ("o'brien@x.ie", ("o'brien@x.ie", None)),
        ("élodie@exemple.fr", ("élodie@exemple.fr", None)),
        ("", (None, "empty")),
        ("   ", (None, "empty")),
        (None, (None, "missing value")),
        (float("nan"), (None, "missing value")),
        (pd.NA, (None, "missing value")),
        ("ann", (None, "not an email: 'ann'")),
        ("ann@", (None, "not an email: 'ann@'")),
        ("@x.io", (None, "not an email: '@x.io'")),
        ("ann@x", (None, "not an email: 'ann@x'")),
        ("ann@@x.io", (None, "not an email: 'ann@@x.io'")),
        ("ann lee@x.io", (None, "not an email: 'ann lee@x.io'")),
        ("ann..lee@x.io", (None, "not an email: 'ann..lee@x.io'")),
        ("ann@x..io", (None, "not an email: 'ann@x..io'")),
        ("ann@-x.io", (None, "not an email: 'ann@-x.io'")),
        ("Ann <ann@x.io>", (None, "not an email: 'Ann <ann@x.io>'")),
        (12, (None, "not an email: 12")),
        ("a" * 65 + "@x.io", (None, f"not an email: '{'a' * 56}..."))
    ],
)  # fmt: skip
def test_emails(cell: Any, expected: tuple[str | None, str | None]) -> None:
    assert normalise_email(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("acme.com", ("acme.com", None)),
        ("  ACME.com ", ("acme.com", None)),
        ("https://www.acme.com", ("acme.com", None)),
        ("http://WWW.Acme.com:8080/about/us?x=1#top", ("acme.com", None)),
        ("www.acme.com/", ("acme.com", None)),
        ("acme.com.", ("acme.com", None)),
        ("ftp://user:pw@files.acme.com", ("files.acme.com", None)),
        ("shop.acme.co.uk", ("shop.acme.co.uk", None)),
        ("www.com", ("www.com", None)),  # nothing but www would be left
        ("www2.acme.com", ("www2.acme.com", None)),
        ("bücher.de", ("bücher.de", None)),
        ("xn--bcher-kva.de", ("xn--bcher-kva.de", None)),
        ("", (None, "empty")),
        (None, (None, "missing value")),
        ("acme", (None, "not a domain: 'acme'")),
        ("localhost:3000", (None, "not a domain: 'localhost:3000'")),
        ("192.168.0.1", (None, "not a domain: '192.168.0.1'")),
        ("acme .com", (None, "not a domain: 'acme .com'")),
        ("-acme.com", (None, "not a domain: '-acme.com'")),
        ("acme..com", (None, "not a domain: 'acme..com'")),
        ("https://", (None, "not a domain: 'https://'")),
        ("ann@acme.com",
         (None, "an email, not a domain: 'ann@acme.com'; give the part after @ (acme.com)")),
        (3.5, (None, "not a domain: 3.5")),
        ("a" * 64 + ".com", (None, f"not a domain: '{'a' * 56}...")),
    ],
)  # fmt: skip
def test_domains(cell: Any, expected: tuple[str | None, str | None]) -> None:
    assert normalise_domain(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("CUST-0042", ("CUST-0042", None)),
        ("  CUST-0042\n", ("CUST-0042", None)),
        ("cust-0042", ("cust-0042", None)),  # case kept
        ("a b", ("a b", None)),
        (12345, ("12345", None)),
        (np.int64(7), ("7", None)),
        (12345.0, ("12345", None)),
        (2.5, ("2.5", None)),
        ("", (None, "empty")),
        (None, (None, "missing value")),
        (float("inf"), (None, "not a key value: inf")),
        (True, (None, "not a key value: True")),
        (b"bytes", (None, "not a key value: b'bytes'")),
    ],
)  # fmt: skip
def test_unique_values(cell: Any, expected: tuple[str | None, str | None]) -> None:
    assert normalise_unique(cell) == expected


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(["A@x.io", " a@x.io", None, "b@x.io", "nope"], dtype=object),
        pd.Series(["A@x.io", " a@x.io", None, "b@x.io", "nope"], dtype="string"),
        pd.Series(["A@x.io", " a@x.io", None, "b@x.io", "nope"], dtype="category"),
    ],
)
def test_a_column_is_read_per_distinct_cell_whatever_its_dtype(column: pd.Series) -> None:
    keys, problems = normalise_keys(column, "email")
    assert keys.tolist() == ["a@x.io", "a@x.io", None, "b@x.io", None]
    assert problems.tolist() == [None, None, "missing value", None, "not an email: 'nope'"]


def test_a_million_cells_of_few_keys_are_read_once_each() -> None:
    column = pd.Series(np.tile(["A@x.io", "b@x.io ", "", None], 250_000), dtype=object)
    keys, problems = normalise_keys(column, "email")
    assert pd.Series(keys).value_counts().to_dict() == {"a@x.io": 250_000, "b@x.io": 250_000}
    assert pd.Series(problems).value_counts().to_dict() == {"empty": 250_000,
                                                            "missing value": 250_000}  # fmt: skip


# -- search bodies ----------------------------------------------------------------------------

_DOMAIN = st.from_regex(r"[a-z0-9\u00e9\u00fc-]{1,63}\.[a-z]{2,12}", fullmatch=True)


def _sent_size(pack: list[str], additional: bool) -> int:
    return len(body_bytes(search_body(pack, additional=additional, after="9" * CURSOR_ROOM)))


@settings(max_examples=60, deadline=None)
@given(domains=st.lists(_DOMAIN, min_size=1, max_size=700, unique=True), additional=st.booleans())
def test_packs_respect_every_search_cap_and_are_full(domains: list[str], additional: bool) -> None:
    packs = pack_domains(domains, additional=additional)
    assert [d for pack in packs for d in pack] == domains  # all, once, in order
    for pack in packs:
        body = search_body(pack, additional=additional, after="9" * CURSOR_ROOM)
        groups = body["filterGroups"]
        assert len(body_bytes(body)) <= MAX_BODY
        assert len(groups) <= MAX_GROUPS
        assert sum(len(g["filters"]) for g in groups) <= MAX_FILTERS
        assert all(len(g["filters"]) <= MAX_PER_GROUP for g in groups)
        assert all(len(f["values"]) <= MAX_IN_VALUES for g in groups for f in g["filters"])
    for pack, following in itertools.pairwise(packs):  # no pack could take one more
        bigger = [*pack, following[0]]
        groups = (2 if additional else 1) * -(-len(bigger) // MAX_IN_VALUES)
        assert _sent_size(bigger, additional) > MAX_BODY or groups > MAX_GROUPS


@pytest.mark.parametrize(
    ("domains", "additional", "sizes"),
    [
        ([], True, []),
        (["a.io"], True, [1]),
        (["a.io"] * 1000, True, [179, 179, 179, 179, 179, 105]),  # 4 groups of IN filters
        (["a.io"] * 1000, False, [366, 366, 268]),
        ([f"company-{n}.com" for n in range(300)], True, [78, 75, 73, 73, 1]),
        ([f"company-{n}.com" for n in range(300)], False, [156, 144]),
        (["a" * 63 + "." + "b" * 63 + "." + "c" * 63 + ".com"] * 8, True, [6, 2]),
    ],
)  # fmt: skip
def test_pack_sizes(domains: list[str], additional: bool, sizes: list[int]) -> None:
    assert [len(p) for p in pack_domains(domains, additional=additional)] == sizes


def test_a_search_body_is_what_hubspot_documents() -> None:
    body = search_body(["acme.com", "beta.io"], after="200")
    assert body == {
        "filterGroups": [
            {"filters": [{"propertyName": "domain", "operator": "IN",
                          "values": ["acme.com", "beta.io"]}]},
            {"filters": [{"propertyName": "hs_additional_domains", "operator": "IN",
                          "values": ["acme.com", "beta.io"]}]},
        ],
        "properties": ["domain", "hs_additional_domains", "createdate"],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "limit": 200,
        "after": "200",
    }  # fmt: skip
    assert body_bytes(body) == json.dumps(body, separators=(",", ":")).encode()


# -- what lookups found -----------------------------------------------------------------------


def test_candidates_are_ordered_oldest_first_then_by_id() -> None:
    created = {
        "30": "2020-01-02T00:00:00Z",
        "4": "2020-01-02T00:00:00.000Z",  # the same moment as 30: the lower ID first
        "100": "1577836800000",  # epoch milliseconds: 2020-01-01
        "7": "not a date",
        "2": None,
    }
    assert oldest_first(created) == ["100", "4", "30", "2", "7"]


def test_found_round_trips() -> None:
    text = found_text({"a.io": {"9": None, "3": None}, "b.io": {}}, {"a.io": 12_000})
    assert read_found(text) == {
        "a.io": Found(("3", "9"), 12_000, capped=True),
        "b.io": Found((), 0),
    }
    assert read_found("not json") == {} and read_found(None) == {}


SPEC = KeySpec("companies", "domain")


@pytest.mark.parametrize(
    ("found", "rule", "record", "category"),
    [
        (Found((), 0), "fail", None, "KEY_NOT_FOUND"),
        (Found(("7",), 1), "fail", "7", None),
        (Found(("9", "8"), 2), "fail", None, "KEY_AMBIGUOUS"),
        (Found(("9", "8"), 2), "oldest", "9", None),
        (Found(("9",), 10_500, capped=True), "oldest", None, "KEY_AMBIGUOUS"),
    ],
)
def test_what_a_lookup_means(found: Found, rule: str, record: str | None, category: str) -> None:
    verdict = describe_found(SPEC, "acme.com", found, rule)
    assert (verdict[0], verdict[2]) == (record, category)
    assert (verdict[1] is None) == (record is not None)


def _resolution(statuses: list[Any], categories: list[Any], retryable: list[Any]) -> KeyResolution:
    n = len(statuses)
    messages = [None if s is None else f"{c} here" for s, c in zip(statuses, categories,
                                                                    strict=True)]  # fmt: skip
    return KeyResolution(
        ids=pd.Series([None] * n, dtype="string"),
        status=np.array(statuses, dtype=object),
        category=np.array(categories, dtype=object),
        message=np.array(messages, dtype=object),
        retryable=np.array(retryable, dtype=object),
        http_status=np.full(n, 207),
        batch=np.arange(1, n + 1),
        attempts=np.ones(n, dtype=np.int64),
    )


def test_a_row_shows_the_worst_of_its_sides() -> None:
    emails = _resolution(
        ["invalid", "failed", None, "not_sent", "failed"],
        ["INVALID_KEY", "KEY_NOT_FOUND", None, "INTERRUPTED", "NETWORK"],
        [False, False, None, True, True],
    )
    domains = _resolution(
        ["failed", "not_sent", None, "failed", "not_sent"],
        ["KEY_AMBIGUOUS", "NETWORK", None, "KEY_NOT_FOUND", "INTERRUPTED"],
        [False, True, None, False, True],
    )
    rows = np.arange(5)
    table = key_problems([key_view("email", emails, 5, rows), key_view("site", domains, 5, rows)])
    assert table.index.tolist() == [0, 1, 3, 4]  # row 2 resolved on both sides
    assert table["status"].tolist() == ["invalid", "failed", "failed", "failed"]
    assert table["error_category"].tolist() == [
        "INVALID_KEY", "KEY_NOT_FOUND", "KEY_NOT_FOUND", "NETWORK",
    ]  # fmt: skip
    assert table["retryable"].tolist() == [False, False, False, True]
    assert table.loc[0, "error_message"] == ("email: INVALID_KEY here; site: KEY_AMBIGUOUS here")
    assert table["batch"].tolist() == [1, 2, 4, 5]


def test_an_id_side_that_is_not_an_id_makes_the_row_invalid() -> None:
    emails = _resolution(["failed", "failed"], ["KEY_NOT_FOUND"] * 2, [False, False])
    table = key_problems(
        [key_view("email", emails, 2, np.arange(2)), id_view("company_id", pd.Series([7, "x"]))]
    )
    assert table["status"].tolist() == ["failed", "invalid"]
    assert table["error_category"].tolist() == ["KEY_NOT_FOUND", "INVALID_ID"]
    assert table.loc[1, "error_message"].startswith("email: KEY_NOT_FOUND here; company_id: ")


# -- mapping answers back to keys -------------------------------------------------------------


def test_batch_read_answers_map_back_by_value() -> None:
    op = ResolveByProperty("contacts", "email", "2026-03", ["a@x.io", "b@x.io", "c@x.io",
                                                            "d@x.io"])  # fmt: skip
    encoded = op.encode(np.arange(4))
    body = {
        "results": [
            {"id": "5", "properties": {"email": "B@X.io", "createdate": None}},
            {"id": "6", "properties": {"email": "zz@x.io", "hs_additional_emails": "a@x.io;q@x"}},
        ],
        "errors": [
            {"category": "OBJECT_NOT_FOUND", "message": "Could not get some CONTACT objects",
             "context": {"ids": ["c@x.io"]}},
        ],
    }  # fmt: skip
    decoded = op.decode(ApiResponse(207, body=body), np.arange(4), encoded)
    assert decoded.succeeded.tolist() == [0, 1, 2]
    found = [read_found(text) for text in decoded.values["found"]]
    assert found == [
        {"a@x.io": Found(("6",), 1)},  # a secondary email
        {"b@x.io": Found(("5",), 1)},
        {"c@x.io": Found((), 0)},  # reported missing: decided, nothing found
    ]
    assert decoded.open.tolist() == [3]  # not mentioned at all: asked again


def test_a_search_pages_then_decides_its_pack() -> None:
    op = SearchDomains("2026-03", [["acme.com", "beta.io"]])
    first = op.encode(np.array([0]))
    page = {"total": 3, "results": [
        {"id": "7", "properties": {"domain": "acme.com", "createdate": "2020-01-01T00:00:00Z"}},
        {"id": "8", "properties": {"domain": "other.com", "hs_additional_domains": "acme.com"}},
    ], "paging": {"next": {"after": "2"}}}  # fmt: skip
    assert op.decode(ApiResponse(200, body=page), np.array([0]), first).more.tolist() == [0]
    second = op.encode(np.array([0]))
    assert second.payload.json()["after"] == "2"
    last = {"total": 3, "results": [{"id": "9", "properties": {"domain": "WWW.beta.io"}}]}
    decoded = op.decode(ApiResponse(200, body=last), np.array([0]), second)
    assert decoded.succeeded.tolist() == [0]
    assert read_found(decoded.values["found"][0]) == {
        "acme.com": Found(("7",), 1),  # 8 has it only as an additional domain
        "beta.io": Found(("9",), 1),
    }


def test_a_search_past_the_cap_is_split() -> None:
    op = SearchDomains("2026-03", [["a.io", "b.io", "c.io"]], additional=False)
    first = op.encode(np.array([0]))
    answer = ApiResponse(200, body={"total": 10_001, "results": []})
    assert op.decode(answer, np.array([0]), first).more.tolist() == [0]
    values = op.encode(np.array([0])).payload.json()["filterGroups"][0]["filters"][0]["values"]
    assert values == ["a.io"]
