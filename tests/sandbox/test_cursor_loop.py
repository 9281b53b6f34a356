"""The ``cursor_loop`` fault over real sockets: batch/read and search cursors that go round
in a circle (A -> B -> A), for the from-IDs or search values a rule names, and only those."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_testkit import Client, association_path, pairs

from hubassoc_pandas.sandbox import FAULT_KINDS, Fault, Sandbox
from hubassoc_pandas.sandbox.cursor_loop import LOOP

SEARCH = "/crm/objects/2026-03/companies/search"


def read(client: Client, *inputs: dict[str, str], version: str = "2026-03") -> dict[str, Any]:
    response = client.call(association_path("batch/read", version=version), {"inputs": inputs})
    assert response.status_code in (200, 207), response.text
    return {r["from"]["id"]: r for r in response.json()["results"]}


def search(client: Client, domain: str, after: str | None = None) -> dict[str, Any]:
    found_by = {"propertyName": "domain", "operator": "IN", "values": [domain]}
    body: dict[str, Any] = {
        "filterGroups": [{"filters": [found_by]}],
        "properties": ["domain"],
        "limit": 2,
    }
    if after is not None:
        body["after"] = after
    response = client.call(SEARCH, body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def next_after(result: dict[str, Any]) -> str | None:
    return result.get("paging", {}).get("next", {}).get("after")


@pytest.mark.parametrize("version", ["2026-03", "v4"])
def test_read_cursors_of_the_named_from_id_go_round(
    make_hub: Any, make_client: Any, version: str
) -> None:
    hub: Sandbox = make_hub(faults=[Fault("cursor_loop", rate=1.0, ids=["7"])])
    client = make_client(hub)
    assert client.post(pairs(("7", "3"), ("7", "4"), ("8", "5"))).status_code == 200

    first = read(client, {"id": "7"}, {"id": "8"}, version=version)
    assert next_after(first["7"]) == LOOP[0]
    assert "paging" not in first["8"]  # not named by the rule: answered as usual
    seen = [next_after(first["7"])]
    for _ in range(4):
        again = read(client, {"id": "7", "after": seen[-1]}, version=version)["7"]
        assert [t["toObjectId"] for t in again["to"]] == [3, 4]  # the first page again
        seen.append(next_after(again))
    assert seen == [LOOP[0], LOOP[1], LOOP[0], LOOP[1], LOOP[0]]
    assert hub.associated_pairs("contacts", "companies") == {("7", "3"), ("7", "4"), ("8", "5")}
    logged = [r for r in hub.requests if r.path.endswith("/batch/read")]
    assert [r.fault for r in logged] == ["cursor_loop"] * 5
    assert logged[1].body == {"inputs": [{"id": "7", "after": LOOP[0]}]}  # logged as sent


def test_a_read_not_naming_the_from_id_is_not_touched(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("cursor_loop", rate=1.0, ids=["7"])], read_page_size=1)
    client = make_client(hub)
    client.post(pairs(("8", "5"), ("8", "6")))
    first = read(client, {"id": "8"})["8"]
    after = next_after(first)
    assert after is not None and after not in LOOP  # its own, real cursor
    assert [t["toObjectId"] for t in read(client, {"id": "8", "after": after})["8"]["to"]] == [6]
    assert all(r.fault is None for r in hub.requests)


def test_every_from_id_loops_without_ids(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("cursor_loop", endpoints=["read"], rate=1.0)])
    client = make_client(hub)
    client.post(pairs(("7", "3"), ("8", "5")))
    first = read(client, {"id": "7"}, {"id": "8"}, {"id": "9"})
    assert {k: next_after(v) for k, v in first.items()} == {"7": LOOP[0], "8": LOOP[0]}
    assert client.post(pairs(("9", "9"))).status_code == 200  # other endpoints as usual


def test_search_cursors_go_round_for_the_named_value(make_hub: Any, make_client: Any) -> None:
    companies = {n: {"domain": "acme.com"} for n in range(1, 6)} | {6: {"domain": "beta.io"}}
    hub = make_hub(
        record_properties={"companies": companies},
        search_rate_limit=None,
        faults=[Fault("cursor_loop", rate=1.0, ids=["acme.com"])],
    )
    client = make_client(hub)
    first = search(client, "acme.com")
    assert [r["id"] for r in first["results"]] == ["1", "2"] and first["total"] == 5
    seen = [next_after(first)]
    for _ in range(3):
        again = search(client, "acme.com", seen[-1])
        assert [r["id"] for r in again["results"]] == ["1", "2"]
        seen.append(next_after(again))
    assert seen == [LOOP[0], LOOP[1], LOOP[0], LOOP[1]]

    other = search(client, "beta.io")  # a search not naming acme.com: as usual
    assert [r["id"] for r in other["results"]] == ["6"] and "paging" not in other
    assert hub.requests[-1].fault is None


def test_the_kinds_and_ids_are_checked() -> None:
    assert {"cursor_loop", "empty_object_2xx", "pending_2xx", "processing_2xx",
            "num_errors_2xx", "207_some_errors"} <= FAULT_KINDS  # fmt: skip
    assert Fault("cursor_loop", ids=[7, "8"]).ids == frozenset({"7", "8"})
    with pytest.raises(TypeError, match="collection of strings"):
        Fault("cursor_loop", ids="7")
