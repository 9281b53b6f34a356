"""batch/archive and batch/labels/archive over real sockets, in both API versions."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from sandbox_testkit import Client, archive_inputs, association_path, pairs, typed

from hubassoc_pandas.sandbox import Fault, Sandbox

ARCHIVE = association_path("batch/archive")
LABELS_ARCHIVE = association_path("batch/labels/archive")


def _seed(client: Client, *items: tuple[str, str]) -> None:
    assert client.post(pairs(*items)).status_code == 200


def test_archive_removes_both_directions_and_keeps_records(hub: Sandbox, client: Client) -> None:
    _seed(client, ("1", "2"), ("1", "3"), ("4", "2"))
    response = client.call(ARCHIVE, {"inputs": archive_inputs(("1", ["2", "3"]))})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "COMPLETE" and body["results"] == []
    assert "errors" not in body
    assert hub.associated_pairs("contacts", "companies") == {("4", "2")}
    assert hub.associated_pairs("companies", "contacts") == {("2", "4")}
    assert hub.stats()["associations_stored"] == 1
    # The records stay: the pair can be associated again.
    _seed(client, ("1", "2"))
    assert ("1", "2") in hub.associated_pairs("contacts", "companies")


def test_archive_from_the_other_side(hub: Sandbox, client: Client) -> None:
    _seed(client, ("1", "2"))
    path = association_path("batch/archive", "companies", "contacts")
    assert client.call(path, {"inputs": archive_inputs(("2", ["1"]))}).status_code == 200
    assert hub.associated_pairs("contacts", "companies") == set()


def test_archive_of_a_pair_not_associated_is_a_silent_no_op(hub: Sandbox, client: Client) -> None:
    response = client.call(ARCHIVE, {"inputs": archive_inputs(("1", ["2"]), ("1", ["2"]))})
    assert response.status_code == 200 and "errors" not in response.json()
    assert hub.stats()["associations_stored"] == 0


def test_archive_per_input_errors(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(partial_status=207)
    client = make_client(hub)
    _seed(client, ("1", "2"))
    inputs = archive_inputs(("1", ["2", "9999", "x"]), ("5000", ["3"]))
    response = client.call(ARCHIVE, {"inputs": inputs})
    assert response.status_code == 207
    body = response.json()
    contexts = {json.dumps(e["context"], sort_keys=True): e for e in body["errors"]}
    assert body["numErrors"] == 3 and body["results"] == []
    invalid = contexts['{"toObjectId": ["x"]}']
    assert invalid["subCategory"] == "crm.associations.INVALID_IDENTIFIER"
    assert contexts['{"toObjectId": ["9999"]}']["category"] == "OBJECT_NOT_FOUND"
    assert contexts['{"fromObjectId": ["5000"]}']["category"] == "OBJECT_NOT_FOUND"
    assert hub.associated_pairs("contacts", "companies") == set()


def test_archive_partial_answered_200_when_configured(make_hub: Any, make_client: Any) -> None:
    client = make_client(make_hub(partial_status=200))
    response = client.call(ARCHIVE, {"inputs": archive_inputs(("1", ["9999"]))})
    assert response.status_code == 200 and response.json()["numErrors"] == 1


def test_archive_missing_ids_batch_400(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(missing_ids="batch_400")
    client = make_client(hub)
    _seed(client, ("1", "2"))
    response = client.call(ARCHIVE, {"inputs": archive_inputs(("1", ["2", "9999"]))})
    assert response.status_code == 400
    assert response.json()["context"] == {"toObjectId": ["9999"]}
    assert hub.associated_pairs("contacts", "companies") == {("1", "2")}


def test_archive_v4_answers_204_without_body(hub: Sandbox, client: Client) -> None:
    _seed(client, ("1", "2"), ("3", "4"))
    path = association_path("batch/archive", version="v4")
    response = client.call(path, {"inputs": archive_inputs(("1", ["2", "9999"]))})
    assert response.status_code == 204 and response.content == b""
    assert hub.associated_pairs("contacts", "companies") == {("3", "4")}
    response = client.call(path, {"inputs": archive_inputs(("3", ["4", "x"]))})
    assert response.status_code == 400
    body = response.json()
    assert body["subCategory"] == "crm.associations.INVALID_IDENTIFIER"
    assert body["context"] == {"ids": ["x"]}
    assert hub.associated_pairs("contacts", "companies") == {("3", "4")}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"inputs": [{"from": {"id": "1"}, "to": {"id": "2"}}]}, "inputs[0].to must be an array"),
        ({"inputs": [{"to": [{"id": "2"}]}]}, "inputs[0].from.id is required"),
        ({"inputs": [{"from": {"id": "1"}, "to": [{}]}]}, "inputs[0].to.id is required"),
        ({"input": []}, "'inputs' array"),
    ],
)
def test_archive_malformed_bodies(client: Client, body: Any, message: str) -> None:
    response = client.call(ARCHIVE, body)
    assert response.status_code == 400 and message in response.json()["message"]


def test_archive_cap_counts_pairs(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(max_archive_batch_size=3)
    client = make_client(hub)
    too_many = archive_inputs(("1", ["1", "2"]), ("2", ["1", "2"]))
    response = client.call(ARCHIVE, {"inputs": too_many})
    assert response.status_code == 400
    assert response.json()["message"] == "Batch size 4 exceeds the maximum of 3 inputs."
    assert client.call(ARCHIVE, {"inputs": too_many[:1]}).status_code == 200
    (record, _) = hub.requests
    assert record.inputs == 4


def test_archive_faults_auth_and_limits(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(
        faults=[Fault("500_json", on_requests=[2]), Fault("close_after_commit", on_requests=[3])],
        tokens={"narrow": {"crm.objects.contacts.write"}, "all": None},
        rate_limit=(4, 60.0),
    )
    client = make_client(hub)
    _seed(client, ("1", "2"), ("3", "4"))
    body = {"inputs": archive_inputs(("1", ["2"]))}
    assert client.call(ARCHIVE, body).status_code == 500
    assert hub.associated_pairs("contacts", "companies") == {("1", "2"), ("3", "4")}
    with pytest.raises(requests.exceptions.ConnectionError):
        client.call(ARCHIVE, body)
    assert hub.associated_pairs("contacts", "companies") == {("3", "4")}
    assert client.call(ARCHIVE, body, token=None).status_code == 401
    forbidden = client.call(ARCHIVE, body, token="narrow")
    assert forbidden.status_code == 403
    assert forbidden.json()["errors"][0]["context"]["requiredScopes"] == [
        "crm.objects.companies.write"
    ]
    assert client.call(ARCHIVE, body).status_code == 429


def test_labels_archive_of_the_default_removes_the_association(
    hub: Sandbox, client: Client
) -> None:
    _seed(client, ("1", "2"), ("3", "4"))
    inputs = typed(("1", "2", [("HUBSPOT_DEFINED", 279)]))
    response = client.call(LABELS_ARCHIVE, {"inputs": inputs})
    assert response.status_code == 200 and response.json()["results"] == []
    assert hub.associated_pairs("contacts", "companies") == {("3", "4")}


@pytest.mark.parametrize(
    "types",
    [[("USER_DEFINED", 279)], [("HUBSPOT_DEFINED", 280)], [("HUBSPOT_DEFINED", 3)], []],
)
def test_labels_archive_of_an_unknown_type_removes_nothing(
    hub: Sandbox, client: Client, types: list[tuple[str, int]]
) -> None:
    _seed(client, ("1", "2"))
    response = client.call(LABELS_ARCHIVE, {"inputs": typed(("1", "2", types))})
    assert response.status_code == 200 and "errors" not in response.json()
    assert hub.associations("contacts", "companies") == {("1", "2"): {279}}


def test_labels_archive_errors_and_v4(hub: Sandbox, client: Client) -> None:
    _seed(client, ("1", "2"))
    inputs = typed(("1", "9999", [("HUBSPOT_DEFINED", 279)]), ("y", "2", []))
    body = client.call(LABELS_ARCHIVE, {"inputs": inputs}).json()
    assert sorted(e["category"] for e in body["errors"]) == ["OBJECT_NOT_FOUND", "VALIDATION_ERROR"]
    path = association_path("batch/labels/archive", "companies", "contacts", version="v4")
    response = client.call(path, {"inputs": typed(("2", "1", [("HUBSPOT_DEFINED", 280)]))})
    assert response.status_code == 204 and response.content == b""
    assert hub.associated_pairs("contacts", "companies") == set()


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ([{"from": {"id": "1"}, "to": {"id": "2"}}], "inputs[0].types is required"),
        (
            [{"from": {"id": "1"}, "to": {"id": "2"}, "types": [{"associationTypeId": 279}]}],
            "inputs[0].types[0].associationCategory is required",
        ),
        (typed(("1", "2", [("MADE_UP", 279)])), "associationCategory must be one of"),
        (
            [{"from": {"id": "1"}, "to": {"id": "2"}, "types": [{"associationCategory": "X"}]}],
            "associationCategory must be one of",
        ),
        (
            [
                {
                    "from": {"id": "1"},
                    "to": {"id": "2"},
                    "types": [{"associationCategory": "USER_DEFINED", "associationTypeId": "a"}],
                }
            ],
            "associationTypeId must be a whole number",
        ),
    ],
)
def test_labels_archive_malformed_types(client: Client, inputs: Any, message: str) -> None:
    response = client.call(LABELS_ARCHIVE, {"inputs": inputs})
    assert response.status_code == 400 and message in response.json()["message"]


def test_the_log_can_be_followed_from_where_it_was_read(hub: Sandbox) -> None:
    """``requests_since`` gives what came after a count, as ``hubassoc sandbox -v`` follows
    the log; ``request_count`` shows a reset."""
    headers = {"Authorization": f"Bearer {hub.token}"}
    for _ in range(3):
        requests.get(f"{hub.url}/crm/v3/objects/contacts/1", headers=headers, timeout=5)
    assert hub.request_count == 3
    later = hub.requests_since(1)
    assert [r.path for r in later] == [r.path for r in hub.requests[1:]] and len(later) == 2
    assert hub.requests_since(3) == []
    hub.reset()
    assert hub.request_count == 0 and hub.requests_since(0) == []
