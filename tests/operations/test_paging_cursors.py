"""Page cursors that loop or never end, as batch/read and companies search decode them: the
key fails with a message a person can act on, and nothing its pages gathered is kept."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hubassoc_pandas.operations import read as read_module
from hubassoc_pandas.operations import search_domains as search_module
from hubassoc_pandas.operations.base import Decoded
from hubassoc_pandas.operations.found import read_found
from hubassoc_pandas.operations.paging import Trail
from hubassoc_pandas.operations.read import ReadAssociations, decode_links
from hubassoc_pandas.operations.search_domains import SearchDomains
from hubassoc_pandas.transport.responses import ApiResponse, ErrorInfo

CORRELATION = "4c1f3f0e-0000-4000-8000-000000000001"


def answer(body: dict[str, Any]) -> ApiResponse:
    return ApiResponse(200, {"X-HubSpot-Correlation-Id": CORRELATION}, body)


def read_result(from_id: int, to_ids: list[int], after: str | None) -> dict[str, Any]:
    targets = [
        {"toObjectId": t, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 279}]}
        for t in to_ids
    ]
    result: dict[str, Any] = {"from": {"id": str(from_id)}, "to": targets}
    if after is not None:
        result["paging"] = {"next": {"after": after}}
    return result


def read_page(op: ReadAssociations, keys: list[int], *results: dict[str, Any]) -> Decoded:
    batch = np.array(keys, dtype=np.int64)
    encoded = op.encode(batch)
    return op.decode(answer({"status": "COMPLETE", "results": list(results)}), batch, encoded)


def the_refusal(decoded: Decoded) -> tuple[ErrorInfo, list[int]]:
    assert len(decoded.refused) == 1, decoded.refused
    return next(iter(decoded.refused.items()))


# -- batch/read ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cursors", "page"),
    [
        (["A", "B", "A"], 3),  # round in a circle of two
        (["A", "A"], 2),  # the same cursor at once
        (["A", "B", "C", "D", "B"], 5),  # a longer circle
    ],
    ids=["A-B-A", "A-A", "A-B-C-D-B"],
)
def test_a_from_id_whose_cursor_comes_back_fails_and_keeps_none_of_its_links(
    cursors: list[str], page: int
) -> None:
    op = ReadAssociations("contacts", "companies", "2026-03", np.array([7, 8]))
    first = read_page(op, [0, 1], read_result(7, [1], cursors[0]), read_result(8, [3], None))
    assert first.more.tolist() == [0]
    assert first.succeeded.tolist() == [1]  # the other from-ID of the batch is done
    assert [decode_links(t) for t in first.values["links"]] == [[(3, 279, "HUBSPOT_DEFINED", None)]]
    for number, cursor in enumerate(cursors[1:-1], start=2):
        sent = op.encode(np.array([0])).payload["inputs"]
        assert sent == [{"id": "7", "after": cursors[number - 2]}]
        assert read_page(op, [0], read_result(7, [number], cursor)).more.tolist() == [0]

    last = read_page(op, [0], read_result(7, [99], cursors[-1]))
    info, positions = the_refusal(last)
    assert positions == [0] and len(last.succeeded) == 0 and len(last.more) == 0
    assert info.category == "PAGING_LOOP" and info.retryable
    assert info.correlation_id == CORRELATION
    assert f"sent the page cursor {cursors[-1]!r} a second time (page {page} of" in info.message
    assert "could not be read to the end" in info.message
    assert "nothing is removed for it" in info.message
    assert "run the same call again" in info.message
    assert op.gathered == {} and op.after == {} and op.trails == {}  # nothing kept for it


def test_cursors_belong_to_their_from_id() -> None:
    """Two from-IDs sent the same cursor text are not a loop: each has its own pages."""
    op = ReadAssociations("contacts", "companies", "2026-03", np.array([7, 8]))
    first = read_page(op, [0, 1], read_result(7, [1], "A"), read_result(8, [2], "A"))
    assert sorted(first.more.tolist()) == [0, 1]
    second = read_page(op, [0, 1], read_result(7, [3], "B"), read_result(8, [4], None))
    assert second.more.tolist() == [0] and second.succeeded.tolist() == [1]
    third = read_page(op, [0], read_result(7, [5], None))
    assert third.succeeded.tolist() == [0] and not third.refused
    assert [link[0] for link in decode_links(third.values["links"][0])] == [1, 3, 5]


def test_pages_past_the_bound_fail_the_from_id_not_retryable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(read_module, "MAX_PAGES", 4)
    op = ReadAssociations("contacts", "companies", "v4", np.array([7]))
    for page in range(1, 4):  # fresh cursors, three pages that each announce another
        assert read_page(op, [0], read_result(7, [page], f"c{page}")).more.tolist() == [0]
    info, positions = the_refusal(read_page(op, [0], read_result(7, [4], "c4")))
    assert positions == [0]
    assert info.category == "PAGING_LIMIT" and not info.retryable
    assert "after 4 pages (a from-ID is read for at most 4 pages" in info.message
    assert "Not retryable" in info.message
    assert op.gathered == {}


def test_the_last_page_within_the_bound_still_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_module, "MAX_PAGES", 4)
    op = ReadAssociations("contacts", "companies", "2026-03", np.array([7]))
    for page in range(1, 4):
        read_page(op, [0], read_result(7, [page], f"c{page}"))
    done = read_page(op, [0], read_result(7, [4], None))  # the fourth page is the last
    assert done.succeeded.tolist() == [0] and not done.refused
    assert len(decode_links(done.values["links"][0])) == 4


def test_the_default_bounds() -> None:
    assert read_module.MAX_PAGES == 10_000
    assert search_module.MAX_PAGES == 50  # 10,000 results at 200 a page
    assert Trail(limit=3).follow("x") is None


# -- companies search ---------------------------------------------------------------------


def company(record: int, domain: str) -> dict[str, Any]:
    return {"id": str(record), "properties": {"domain": domain, "createdate": None}}


def search_page(
    op: SearchDomains, total: int, companies: list[dict[str, Any]], after: str | None
) -> tuple[Decoded, dict[str, Any]]:
    """Send the pack's next request and decode ``companies`` as its answer; also return the
    body that was sent."""
    keys = np.array([0])
    encoded = op.encode(keys)
    body: dict[str, Any] = {"total": total, "results": companies}
    if after is not None:
        body["paging"] = {"next": {"after": after}}
    return op.decode(answer(body), keys, encoded), encoded.payload.json()


@pytest.mark.parametrize(
    "cursors", [["200", "400", "200"], ["200", "200"]], ids=["200-400-200", "200-200"]
)
def test_a_search_whose_cursor_comes_back_fails_its_pack(cursors: list[str]) -> None:
    op = SearchDomains("2026-03", [["acme.com", "beta.io"]], additional=False)
    for n, cursor in enumerate(cursors[:-1]):
        decoded, sent = search_page(op, 900, [company(n + 1, "acme.com")], cursor)
        assert decoded.more.tolist() == [0]
        assert sent.get("after") == (cursors[n - 1] if n else None)
    last, sent = search_page(op, 900, [company(99, "beta.io")], cursors[-1])
    assert sent["after"] == cursors[-2]
    info, positions = the_refusal(last)
    assert positions == [0] and len(last.succeeded) == 0
    assert info.category == "PAGING_LOOP" and info.retryable
    assert info.correlation_id == CORRELATION
    assert f"page cursor {cursors[-1]!r} a second time" in info.message
    assert "the companies with domain 'acme.com' and 1 more searched with it" in info.message
    assert "None of the 2 domains looked up in this search is resolved" in info.message
    assert "retry()" in info.message
    assert op._queries == {} and op._found == {} and op._trails == {}


def test_search_cursors_are_tracked_per_query_not_per_pack() -> None:
    """A pack past 10,000 results is searched in halves; each half pages from its own
    offsets, and the second half's "200" is no loop."""
    op = SearchDomains("2026-03", [["acme.com", "beta.io"]], additional=False)
    split, _ = search_page(op, 10_001, [], None)
    assert split.more.tolist() == [0]
    for domain, record in (("acme.com", 1), ("beta.io", 3)):
        decoded, sent = search_page(op, 300, [company(record, domain)], "200")
        assert sent["filterGroups"][0]["filters"][0]["values"] == [domain]
        assert "after" not in sent and decoded.more.tolist() == [0]
        decoded, sent = search_page(op, 300, [company(record + 1, domain)], None)
        assert sent["after"] == "200"
    assert not decoded.refused and decoded.succeeded.tolist() == [0]
    found = read_found(decoded.values["found"][0])
    assert {d: f.ids for d, f in found.items()} == {"acme.com": ("1", "2"), "beta.io": ("3", "4")}


def test_search_pages_past_the_bound_fail_the_pack_not_retryable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search_module, "MAX_PAGES", 3)
    op = SearchDomains("2026-03", [["acme.com"]], additional=False)
    for page in range(1, 3):
        assert search_page(op, 900, [], str(200 * page))[0].more.tolist() == [0]
    info, _ = the_refusal(search_page(op, 900, [], "600")[0])
    assert info.category == "PAGING_LIMIT" and not info.retryable
    assert "the companies with domain 'acme.com' after 3 pages" in info.message
    assert "a search lists at most 10,000 results: 3 pages" in info.message
