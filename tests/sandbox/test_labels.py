"""Label definitions, GET .../labels, batch/create and label removal, over real sockets."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from sandbox_testkit import Client, association_path, pairs, typed

from hubassoc_pandas.sandbox import Fault, Sandbox

CREATE = association_path("batch/create")
LABELS_ARCHIVE = association_path("batch/labels/archive")
USER = "USER_DEFINED"
HUB = "HUBSPOT_DEFINED"


def _user(hub: Sandbox, label: str, from_type: str = "contacts", to_type: str = "companies") -> int:
    return hub.label_type_id(from_type, to_type, label)


def _by_from(body: dict[str, Any]) -> dict[tuple[Any, Any], list[str]]:
    return {(r["fromObjectId"], r["toObjectId"]): r["labels"] for r in body["results"]}


@pytest.mark.parametrize("version", ["2026-03", "v4"])
def test_label_list(hub: Sandbox, client: Client, version: str) -> None:
    response = client.call(association_path("labels", version=version), method="GET")
    assert response.status_code == 200
    results = response.json()["results"]
    core = [{k: r[k] for k in ("category", "typeId", "label")} for r in results]
    assert core[:2] == [
        {"category": HUB, "typeId": 279, "label": None},
        {"category": HUB, "typeId": 1, "label": "Primary"},
    ]
    assert {r["label"] for r in core if r["category"] == USER} == {
        "Billing contact",
        "Decision maker",
    }
    assert core == hub.labels("contacts", "companies")
    has_ids = all(r.get("fromObjectTypeId") == "0-1" for r in results)
    assert has_ids == (version != "v4")
    reverse = client.call(association_path("labels", "0-2", "0-1", version), method="GET").json()
    assert {(r["typeId"], r["label"]) for r in reverse["results"]} >= {(280, None), (2, "Primary")}


def test_label_list_other_paths_and_errors(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(tokens={"reader": {"crm.objects.contacts.read"}, "all": None})
    client = make_client(hub)
    legacy = client.call("/crm/v4/associations/contacts/contacts/labels", method="GET")
    pair = [(r["label"], r["typeId"]) for r in legacy.json()["results"]]
    manager, employee = (_user(hub, n, "contacts", "contacts") for n in ("Manager", "Employee"))
    assert pair == [(None, 449), ("Manager", manager), ("Employee", employee)]
    assert manager != employee
    products = association_path("labels", "products", "contacts")
    assert client.call(products, method="GET").json() == {"results": []}
    assert client.call(association_path("labels", "widgets"), method="GET").status_code == 400
    assert client.call(association_path("labels"), {}, method="POST").status_code == 405
    forbidden = client.call(association_path("labels"), method="GET", token="reader")
    assert forbidden.status_code == 403
    assert forbidden.json()["errors"][0]["context"]["requiredScopes"] == [
        "crm.objects.companies.read"
    ]


def test_user_defined_ids_depend_on_the_portal() -> None:
    first, second = Sandbox(portal_id=1), Sandbox(portal_id=2)
    assert first.label_type_id("contacts", "companies", "Billing contact") != (
        second.label_type_id("contacts", "companies", "Billing contact")
    )
    assert first.label_type_id("contacts", "companies", "Primary") == 1


def test_define_label(hub: Sandbox) -> None:
    forward, reverse = hub.define_label("deals", "companies", "Reseller", reverse_label="Resold")
    assert {"category": USER, "typeId": forward, "label": "Reseller"} in hub.labels("deals", "0-2")
    assert {"category": USER, "typeId": reverse, "label": "Resold"} in hub.labels("0-2", "deals")
    assert hub.define_label("deals", "companies", "Partner", type_id=901, reverse_type_id=902) == (
        901,
        902,
    )
    with pytest.raises(ValueError, match="already defined"):
        hub.define_label("deals", "companies", "Again", type_id=901)
    with pytest.raises(ValueError, match="label"):
        hub.define_label("deals", "companies", " ")
    hub.define_label("contacts", "companies", "primary", category="INTEGRATOR_DEFINED")
    with pytest.raises(ValueError, match=r"more than one.*'Primary'"):
        hub.label_type_id("contacts", "companies", "PRIMARY")
    with pytest.raises(ValueError, match="no association type matches 'Owner'"):
        hub.label_type_id("contacts", "companies", "Owner")
    hub.configure(portal_id=77)  # labels survive a change of portal
    assert hub.label_type_id("deals", "companies", "Partner") == 901


def test_create_with_labels(hub: Sandbox, client: Client) -> None:
    billing = _user(hub, "Billing contact")
    response = client.call(
        CREATE, {"inputs": typed(("1", "2", [(USER, billing)]), ("3", "4", [(HUB, 1)]))}
    )
    assert response.status_code == 201
    body = response.json()
    assert "errors" not in body
    assert _by_from(body) == {
        (1, 2): ["Billing contact"],
        (2, 1): ["Billing contact"],
        (3, 4): ["Primary"],
        (4, 3): ["Primary"],
    }
    first = next(r for r in body["results"] if r["fromObjectId"] == 1)
    assert first["fromObjectTypeId"] == "0-1" and first["toObjectTypeId"] == "0-2"
    reverse_billing = _user(hub, "Billing contact", "companies", "contacts")
    assert hub.associations("contacts", "companies") == {
        ("1", "2"): {279, billing},
        ("3", "4"): {279, 1},
    }
    assert hub.associations("companies", "contacts") == {
        ("2", "1"): {280, reverse_billing},
        ("4", "3"): {280, 2},
    }


def test_create_is_additive_and_paired(hub: Sandbox, client: Client) -> None:
    billing, decision = _user(hub, "Billing contact"), _user(hub, "Decision maker")
    client.call(CREATE, {"inputs": typed(("1", "2", [(USER, billing)]))})
    body = client.call(CREATE, {"inputs": typed(("1", "2", [(USER, decision)]))}).json()
    assert _by_from(body)[(1, 2)] == ["Billing contact", "Decision maker"]
    manager = _user(hub, "Manager", "contacts", "contacts")
    employee = _user(hub, "Employee", "contacts", "contacts")
    path = association_path("batch/create", "contacts", "contacts")
    body = client.call(path, {"inputs": typed(("5", "6", [(USER, manager)]))}).json()
    assert _by_from(body) == {(5, 6): ["Manager"], (6, 5): ["Employee"]}
    assert hub.associations("contacts", "contacts") == {
        ("5", "6"): {449, manager},
        ("6", "5"): {449, employee},
    }


def test_create_with_no_types_creates_nothing(hub: Sandbox, client: Client) -> None:
    response = client.call(CREATE, {"inputs": typed(("1", "2", []))})
    assert response.status_code == 201 and response.json()["results"] == []
    assert hub.associated_pairs("contacts", "companies") == set()


def test_create_unknown_types(hub: Sandbox, client: Client) -> None:
    billing = _user(hub, "Billing contact")
    inputs = typed(
        ("1", "2", [(USER, 3)]),
        ("1", "3", [(HUB, billing), (USER, billing)]),
        ("1", "4", [(USER, billing)]),
    )
    response = client.call(CREATE, {"inputs": inputs})
    assert response.status_code == 207
    errors = {e["context"]["toObjectId"][0]: e for e in response.json()["errors"]}
    assert errors["2"]["message"] == "USER_DEFINED=3 is not a valid association definition id"
    assert errors["2"]["subCategory"] == "crm.associations.INVALID_ASSOCIATION_TYPE"
    assert (
        errors["3"]["message"]
        == f"HUBSPOT_DEFINED={billing} is not a valid association definition id"
    )
    assert hub.associated_pairs("contacts", "companies") == {("1", "4")}
    hub.configure(unknown_types="batch_400")
    response = client.call(CREATE, {"inputs": inputs})
    assert response.status_code == 400
    assert response.json()["subCategory"] == "crm.associations.INVALID_ASSOCIATION_TYPE"
    assert hub.associated_pairs("contacts", "companies") == {("1", "4")}


@pytest.mark.parametrize(
    ("options", "statuses"),
    [({}, (201, 207)), ({"create_status": 200, "create_partial_status": 200}, (200, 200))],
)
def test_create_statuses_and_record_errors(
    make_hub: Any, make_client: Any, options: dict[str, Any], statuses: tuple[int, int]
) -> None:
    hub = make_hub(**options)
    client = make_client(hub)
    assert client.call(CREATE, {"inputs": typed(("1", "2", [(HUB, 1)]))}).status_code == statuses[0]
    inputs = typed(("1", "9999", [(HUB, 1)]), ("z", "2", [(HUB, 1)]), ("2", "2", [(HUB, 1)]))
    response = client.call(CREATE, {"inputs": inputs})
    assert response.status_code == statuses[1]
    body = response.json()
    assert sorted(e["category"] for e in body["errors"]) == ["OBJECT_NOT_FOUND", "VALIDATION_ERROR"]
    assert set(_by_from(body)) == {(2, 2)}


def test_create_result_ids_as_strings(make_hub: Any, make_client: Any) -> None:
    client = make_client(make_hub(create_result_ids="string", results_direction="one"))
    body = client.call(CREATE, {"inputs": typed(("1", "2", [(HUB, 1)]))}).json()
    assert _by_from(body) == {("1", "2"): ["Primary"]}


def test_primary_moves(hub: Sandbox, client: Client) -> None:
    client.call(CREATE, {"inputs": typed(("1", "2", [(HUB, 1)]))})
    client.call(CREATE, {"inputs": typed(("1", "3", [(HUB, 1)]))})
    assert hub.associations("contacts", "companies") == {("1", "2"): {279}, ("1", "3"): {279, 1}}
    assert hub.associations("companies", "contacts") == {("2", "1"): {280}, ("3", "1"): {280, 2}}


def test_label_limits(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(label_limits={("contact", "company", "billing contact"): 2})
    client = make_client(hub)
    billing = _user(hub, "Billing contact")
    inputs = typed(
        *[("1", str(n), [(USER, billing)]) for n in (10, 11, 12)], ("2", "12", [(USER, billing)])
    )
    response = client.call(CREATE, {"inputs": inputs})
    assert response.status_code == 207
    (error,) = response.json()["errors"]
    assert error["subCategory"] == "crm.associations.ASSOCIATION_LIMIT_EXCEEDED"
    assert error["context"] == {"fromObjectId": ["1"], "toObjectId": ["12"]}
    assert "'Billing contact'" in error["message"]
    assert hub.associated_pairs("contacts", "companies") == {("1", "10"), ("1", "11"), ("2", "12")}
    # Re-sending a pair that holds the label is fine; the unlabelled default is not limited.
    assert client.call(CREATE, {"inputs": typed(("1", "10", [(USER, billing)]))}).status_code == 201
    assert client.post(pairs(("1", "13"))).status_code == 200


def test_label_limit_per_direction(hub: Sandbox, client: Client) -> None:
    forward, _ = hub.define_label("contacts", "companies", "Signer", reverse_limit=1)
    inputs = typed(
        ("1", "5", [(USER, forward)]), ("2", "5", [(USER, forward)]), ("2", "6", [(USER, forward)])
    )
    body = client.call(CREATE, {"inputs": inputs}).json()
    (error,) = body["errors"]
    assert error["context"] == {"fromObjectId": ["2"], "toObjectId": ["5"]}
    assert "company 5 already has the maximum of 1 'Signer'" in error["message"]
    assert set(_by_from(body)) >= {(1, 5), (2, 6)}


def test_label_removal(hub: Sandbox, client: Client) -> None:
    billing, decision = _user(hub, "Billing contact"), _user(hub, "Decision maker")
    client.call(CREATE, {"inputs": typed(("1", "2", [(USER, billing), (USER, decision)]))})
    client.call(CREATE, {"inputs": typed(("3", "4", [(USER, billing)]))})
    removal = typed(("1", "2", [(USER, billing)]), ("3", "4", [(HUB, billing)]))
    assert client.call(LABELS_ARCHIVE, {"inputs": removal}).status_code == 200
    assert hub.associations("contacts", "companies") == {
        ("1", "2"): {279, decision},
        ("3", "4"): {279, billing},  # a wrong category removes nothing
    }
    # Removing the unlabelled default removes the labels with it.
    client.call(LABELS_ARCHIVE, {"inputs": typed(("1", "2", [(HUB, 279)]))})
    assert hub.associated_pairs("contacts", "companies") == {("3", "4")}


def test_paired_label_removal_from_the_other_side(hub: Sandbox, client: Client) -> None:
    manager = _user(hub, "Manager", "contacts", "contacts")
    employee = _user(hub, "Employee", "contacts", "contacts")
    path = association_path("batch/create", "contacts", "contacts")
    client.call(path, {"inputs": typed(("5", "6", [(USER, manager)]))})
    removal = association_path("batch/labels/archive", "contacts", "contacts", version="v4")
    response = client.call(removal, {"inputs": typed(("6", "5", [(USER, employee)]))})
    assert response.status_code == 204
    assert hub.associations("contacts", "contacts") == {("5", "6"): {449}, ("6", "5"): {449}}


def test_create_faults(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(
        faults=[Fault("500_json", on_requests=[1]), Fault("close_after_commit", on_requests=[2])]
    )
    client = make_client(hub)
    body = {"inputs": typed(("1", "2", [(HUB, 1)]))}
    assert client.call(CREATE, body).status_code == 500
    assert hub.associated_pairs("contacts", "companies") == set()
    with pytest.raises(requests.exceptions.ConnectionError):
        client.call(CREATE, body)
    assert hub.associations("contacts", "companies") == {("1", "2"): {279, 1}}
    assert hub.stats()["distinct_pairs_sent"] == 1 and hub.stats()["repeat_sends"] == 1


def test_create_cap(make_hub: Any, make_client: Any) -> None:
    client = make_client(make_hub(max_batch_size=2))
    inputs = typed(*[("1", str(n), [(HUB, 1)]) for n in (1, 2, 3)])
    response = client.call(CREATE, {"inputs": inputs})
    assert response.status_code == 400
    assert response.json()["message"] == "Batch size 3 exceeds the maximum of 2 inputs."
