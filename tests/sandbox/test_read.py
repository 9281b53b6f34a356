"""batch/read over real sockets: pages, cursors, none found, invalid inputs, caps, faults."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_testkit import Client, association_path, pairs, typed

from hubassoc_pandas.sandbox import Fault, Sandbox

READ = association_path("batch/read")


def _read(client: Client, *inputs: dict[str, Any], path: str = READ) -> Any:
    return client.call(path, {"inputs": list(inputs)})


def _targets(result: dict[str, Any]) -> list[int]:
    return [entry["toObjectId"] for entry in result["to"]]


@pytest.mark.parametrize("version", ["2026-03", "v4"])
def test_read_lists_targets_with_types(hub: Sandbox, client: Client, version: str) -> None:
    client.post(pairs(("1", "3"), ("1", "2"), ("4", "2")))
    billing = hub.label_type_id("contacts", "companies", "Billing contact")
    create = association_path("batch/create")
    client.call(
        create, {"inputs": typed(("1", "2", [("HUBSPOT_DEFINED", 1), ("USER_DEFINED", billing)]))}
    )
    response = _read(
        client, {"id": "1"}, {"id": "4"}, path=association_path("batch/read", version=version)
    )
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    by_from = {r["from"]["id"]: r for r in body["results"]}
    assert set(by_from) == {"1", "4"} and "paging" not in by_from["1"]
    assert by_from["1"]["to"] == [
        {
            "toObjectId": 2,
            "associationTypes": [
                {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None},
                {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"},
                {"category": "USER_DEFINED", "typeId": billing, "label": "Billing contact"},
            ],
        },
        {
            "toObjectId": 3,
            "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 279, "label": None}],
        },
    ]
    reverse = _read(
        client, {"id": "2"}, path=association_path("batch/read", "companies", "contacts")
    ).json()
    (result,) = reverse["results"]
    assert _targets(result) == [1, 4]
    reverse_billing = hub.label_type_id("companies", "contacts", "Billing contact")
    assert {t["typeId"] for t in result["to"][0]["associationTypes"]} == {280, 2, reverse_billing}


def test_read_pages_one_from_id(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(read_page_size=4)
    client = make_client(hub)
    client.post(pairs(*[("7", str(n)) for n in range(1, 12)]))
    seen: list[int] = []
    after = None
    for _ in range(5):
        item = {"id": "7"} if after is None else {"id": "7", "after": after}
        (result,) = _read(client, item).json()["results"]
        seen += _targets(result)
        after = result.get("paging", {}).get("next", {}).get("after")
        if after is None:
            break
    assert seen == list(range(1, 12))
    # A cursor belongs to its from-ID.
    first = _read(client, {"id": "7"}).json()["results"][0]["paging"]["next"]["after"]
    response = _read(client, {"id": "8", "after": first}, {"id": "7", "after": "%%%"})
    assert response.status_code == 207
    errors = response.json()["errors"]
    assert [e["subCategory"] for e in errors] == ["crm.associations.INVALID_PAGING_CURSOR"] * 2


def test_read_none_found_and_invalid(hub: Sandbox, client: Client) -> None:
    client.post(pairs(("1", "2")))
    response = _read(client, {"id": "1"}, {"id": "5"}, {"id": "99999"}, {"id": "x1"})
    assert response.status_code == 207
    body = response.json()
    assert [r["from"]["id"] for r in body["results"]] == ["1"]
    none, missing, invalid = body["errors"]
    assert none == {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": "No company is associated with contact 5.",
        "context": {
            "fromObjectId": ["5"],
            "fromObjectType": ["CONTACT"],
            "toObjectType": ["COMPANY"],
        },
    }
    assert missing["subCategory"] == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert invalid["category"] == "VALIDATION_ERROR"
    assert invalid["subCategory"] == "crm.associations.INVALID_IDENTIFIER"
    assert invalid["context"] == {"fromObjectId": ["x1"]}
    assert body["numErrors"] == 3


def test_read_partial_status_200(make_hub: Any, make_client: Any) -> None:
    client = make_client(make_hub(read_partial_status=200))
    assert _read(client, {"id": "5"}).status_code == 200


def test_read_after_removal(hub: Sandbox, client: Client) -> None:
    client.post(pairs(("1", "2")))
    client.call(
        association_path("batch/archive"), {"inputs": [{"from": {"id": "1"}, "to": [{"id": "2"}]}]}
    )
    assert _read(client, {"id": "1"}).json()["errors"][0]["context"]["fromObjectId"] == ["1"]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"inputs": [{"id": "1"}] * 4}, 400, "Batch size 4 exceeds the maximum of 3 inputs."),
        ({"inputs": [{"after": "x"}]}, 400, "Invalid input JSON: inputs[0].id is required."),
        (
            {"nope": []},
            400,
            "Invalid input JSON: the body must be an object with an 'inputs' array.",
        ),
    ],
)
def test_read_refusals(
    make_hub: Any, make_client: Any, body: Any, status: int, message: str
) -> None:
    client = make_client(make_hub(max_read_batch_size=3))
    response = client.call(READ, body)
    assert response.status_code == status and response.json()["message"] == message


def test_read_faults_and_scopes(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(
        faults=[Fault("503_html", on_requests=[2], paths=["batch/read"])],
        tokens={
            "writer": {"crm.objects.contacts.write", "crm.objects.companies.write"},
            "all": None,
        },
    )
    client = make_client(hub)
    client.post(pairs(("1", "2")))
    assert _read(client, {"id": "1"}).status_code == 503
    assert _read(client, {"id": "1"}).status_code == 200
    forbidden = client.call(READ, {"inputs": [{"id": "1"}]}, token="writer")
    assert forbidden.status_code == 403
    assert forbidden.json()["errors"][0]["context"]["requiredScopes"] == [
        "crm.objects.contacts.read",
        "crm.objects.companies.read",
    ]


def test_read_counts_inputs(hub: Sandbox, client: Client) -> None:
    _read(client, {"id": "1"}, {"id": "2"})
    assert hub.requests[-1].inputs == 2 and hub.stats()["inputs"] == 2
