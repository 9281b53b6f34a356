"""Every wire variant of the endpoint, over real sockets."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests
from sandbox_testkit import Client, pairs

from hubassoc_pandas.sandbox import DEMO_TOKEN, Fault, Sandbox


def _is_uuid(text: str) -> bool:
    return str(uuid.UUID(text)) == text


def _result_pairs(body: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted(
        (r["from"]["id"], r["to"]["id"], r["associationSpec"]["associationTypeId"])
        for r in body["results"]
    )


def test_success_body_shape_and_both_directions(hub: Sandbox, client: Client) -> None:
    hub.configure(optional_batch_fields=True)
    response = client.post(pairs(("1", "2"), ("3", "4")))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert "errors" not in body and "numErrors" not in body
    assert body["links"] == {}
    for key in ("requestedAt", "startedAt", "completedAt"):
        assert body[key].endswith("Z") and "T" in body[key]
    assert _result_pairs(body) == [
        ("1", "2", 279),
        ("2", "1", 280),
        ("3", "4", 279),
        ("4", "3", 280),
    ]
    assert all(
        r["associationSpec"]["associationCategory"] == "HUBSPOT_DEFINED" for r in body["results"]
    )
    assert hub.associated_pairs("contacts", "companies") == {("1", "2"), ("3", "4")}
    assert hub.associated_pairs("0-2", "Contact") == {("2", "1"), ("4", "3")}


def test_results_once_and_legacy_path_and_numeric_types(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(results_direction="one")
    client = make_client(hub)
    response = client.post(pairs(("7", "1")), from_type="0-3", to_type="0-1", version="v4")
    assert response.status_code == 200
    assert _result_pairs(response.json()) == [("7", "1", 3)]
    assert hub.associated_pairs("deals", "contacts") == {("7", "1")}


def test_results_are_shuffled_but_seeded(make_hub: Any, make_client: Any) -> None:
    orders = []
    for _ in range(2):
        hub = make_hub(seed=42, results_direction="one")
        client = make_client(hub)
        body = client.post(pairs(*[(str(i), str(i)) for i in range(1, 41)])).json()
        orders.append([r["from"]["id"] for r in body["results"]])
    assert orders[0] == orders[1]
    assert orders[0] != sorted(orders[0], key=int)


def test_idempotent_and_duplicates(hub: Sandbox, client: Client) -> None:
    assert client.post(pairs(("1", "2"))).status_code == 200
    response = client.post(pairs(("1", "2"), ("1", "2"), ("1", 3)))
    assert response.status_code == 200
    assert {(f, t) for f, t, _ in _result_pairs(response.json())} >= {("1", "2"), ("1", "3")}
    assert hub.associated_pairs("contacts", "companies") == {("1", "2"), ("1", "3")}
    stats = hub.stats()
    assert stats["pairs_sent_more_than_once"] == 1 and stats["repeat_sends"] == 2
    assert stats["associations_stored"] == 2 and stats["inputs"] == 4


@pytest.mark.parametrize("version", ["2026-03", "2026-09", "v4"])
def test_versions(hub: Sandbox, client: Client, version: str) -> None:
    assert client.post(pairs(("5", "5")), version=version).status_code == 200


def test_unknown_path_and_method(hub: Sandbox, client: Client) -> None:
    response = client.session.post(hub.url + "/crm/v3/objects/contacts", json={})
    assert response.status_code == 404 and _is_uuid(response.json()["correlationId"])
    response = client.session.get(
        hub.url + "/crm/associations/2026-03/contacts/companies/batch/associate/default"
    )
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert response.json()["status"] == "error"


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_401(client: Client, token: str | None) -> None:
    response = client.post(pairs(("1", "2")), token=token)
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"status", "message", "correlationId", "category"}
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith(
        "Authentication credentials not found. This API supports OAuth 2.0"
    )
    assert body["message"].endswith(
        "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
    )
    assert _is_uuid(body["correlationId"])


@pytest.mark.parametrize("key", ["requiredScopes", "missingScopes"])
def test_403_missing_scopes(make_hub: Any, make_client: Any, key: str) -> None:
    hub = make_hub(
        tokens={
            "partial": {"crm.objects.contacts.write"},
            "all": None,
            "custom": {"crm.objects.custom.write"},
        },
        scopes_key=key,
        custom_object_types={"2-3453": "p_cars"},
        records={"contacts": range(1, 10), "companies": range(1, 10), "2-3453": range(1, 10)},
    )
    client = make_client(hub)
    assert hub.token == "all"
    response = client.post(pairs(("1", "2")), token="partial")
    assert response.status_code == 403
    body = response.json()
    assert body["category"] == "MISSING_SCOPES" and _is_uuid(body["correlationId"])
    assert body["errors"][0]["context"][key] == ["crm.objects.companies.write"]
    assert client.post(pairs(("1", "2")), token="all").status_code == 200
    response = client.post(pairs(("1", "2")), token="custom", to_type="p_cars")
    assert response.json()["errors"][0]["context"][key] == ["crm.objects.contacts.write"]
    assert hub.associated_pairs("contacts", "companies") == {("1", "2")}


def test_400_malformed_json(client: Client) -> None:
    response = client.post(data=b'{"inputs": [')
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR" and body["message"].startswith(
        "Invalid JSON input: "
    )
    assert _is_uuid(body["correlationId"])


@pytest.mark.parametrize(
    "data", ['{"input": []}', '{"inputs": {}}', "[]", '{"inputs": [{"from": {"id": "1"}}]}']
)
def test_400_no_inputs_list(client: Client, data: str) -> None:
    response = client.post(data=data)
    assert response.status_code == 400 and response.json()["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    ("from_type", "to_type", "bad"),
    [("widgets", "companies", "widgets"), ("contacts", "cars", "cars")],
)
def test_400_unknown_object_type(client: Client, from_type: str, to_type: str, bad: str) -> None:
    response = client.post(pairs(("1", "2")), from_type=from_type, to_type=to_type)
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == f"Unable to infer object type from: {bad}"
    assert "category" not in body and _is_uuid(body["correlationId"])


def test_400_too_large(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(max_batch_size=10)
    client = make_client(hub)
    response = client.post(pairs(*[("1", "1")] * 15))
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"] == "Batch size 15 exceeds the maximum of 10 inputs."
    assert client.post(pairs(*[("1", "1")] * 10)).status_code == 200
    assert hub.associated_pairs("contacts", "companies") == {("1", "1")}


def test_per_input_errors_from_to_context(client: Client, hub: Sandbox) -> None:
    hub.configure(partial_status=207)
    response = client.post(
        pairs(("1", "2"), ("abc", "2"), ("5000", "2"), ("1", "9999"), ("6000", "7000"), ("x", "y"))
    )
    assert response.status_code == 207
    body = response.json()
    assert body["numErrors"] == len(body["errors"]) == 5
    by_context = {json.dumps(e["context"], sort_keys=True): e for e in body["errors"]}
    invalid = by_context['{"fromObjectId": ["abc"]}']
    assert invalid["category"] == "VALIDATION_ERROR"
    assert invalid["subCategory"] == "crm.associations.INVALID_IDENTIFIER"
    assert by_context['{"fromObjectId": ["x"], "toObjectId": ["y"]}']["subCategory"].endswith(
        "INVALID_IDENTIFIER"
    )
    assert by_context['{"fromObjectId": ["5000"]}']["category"] == "OBJECT_NOT_FOUND"
    assert "5000" in by_context['{"fromObjectId": ["5000"]}']["message"]
    assert by_context['{"toObjectId": ["9999"]}']["category"] == "OBJECT_NOT_FOUND"
    assert (
        by_context['{"fromObjectId": ["6000"], "toObjectId": ["7000"]}']["category"]
        == "OBJECT_NOT_FOUND"
    )
    assert _result_pairs(body) == [("1", "2", 279), ("2", "1", 280)]
    assert hub.associated_pairs("contacts", "companies") == {("1", "2")}


def test_per_input_errors_ids_and_message_context(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(error_context="ids")
    body = make_client(hub).post(pairs(("1", "9999"))).json()
    assert body["errors"][0]["context"] == {"ids": ["9999"]}
    hub.configure(error_context="message")
    body = make_client(hub).post(pairs(("1", "9999"), ("8888", "1"))).json()
    assert all("context" not in e for e in body["errors"])
    assert "9999" in body["errors"][0]["message"] and "8888" in body["errors"][1]["message"]


def test_grouped_errors(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(group_errors=True)
    body = make_client(hub).post(pairs(("1", "9998"), ("2", "9999"), ("7777", "1"))).json()
    contexts = sorted(json.dumps(e["context"], sort_keys=True) for e in body["errors"])
    assert contexts == ['{"fromObjectId": ["7777"]}', '{"toObjectId": ["9998", "9999"]}']


@pytest.mark.parametrize("category", ["VALIDATION_ERROR", "OBJECT_NOT_FOUND"])
def test_missing_ids_batch_400(make_hub: Any, make_client: Any, category: str) -> None:
    hub = make_hub(missing_ids="batch_400", batch_400_category=category, partial_status=207)
    client = make_client(hub)
    response = client.post(pairs(("1", "2"), ("1", "9999"), ("8888", "2")))
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == category
    assert "9999" in body["message"] and "8888" in body["message"]
    assert body["context"] == {"fromObjectId": ["8888"], "toObjectId": ["9999"]}
    assert hub.associated_pairs("contacts", "companies") == set()
    # Malformed IDs stay per-input in this mode.
    response = client.post(pairs(("1", "2"), ("x", "2")))
    assert response.status_code == 207 and hub.associated_pairs("contacts", "companies") == {
        ("1", "2")
    }


@pytest.mark.parametrize(("success", "partial"), [(200, 207), (201, 207), (200, 200), (201, 201)])
def test_status_codes(make_hub: Any, make_client: Any, success: int, partial: int) -> None:
    hub = make_hub(success_status=success, partial_status=partial)
    client = make_client(hub)
    assert client.post(pairs(("1", "2"))).status_code == success
    response = client.post(pairs(("1", "2"), ("1", "9999")))
    assert response.status_code == partial and response.json()["numErrors"] == 1


def test_silent_pairs(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(silent_pairs={("1", "2")})
    body = make_client(hub).post(pairs(("1", "2"), ("3", "4"))).json()
    assert {(f, t) for f, t, _ in _result_pairs(body)} == {("3", "4"), ("4", "3")}
    assert "errors" not in body
    assert hub.associated_pairs("contacts", "companies") == {("3", "4")}


def test_empty_2xx(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("empty_2xx", on_requests=[1])], success_status=201)
    response = make_client(hub).post(pairs(("1", "2")))
    assert response.status_code == 201
    body = response.json()
    assert body["results"] == [] and body["errors"] == [] and body["status"] == "COMPLETE"
    assert hub.associated_pairs("contacts", "companies") == set()


def test_association_limits(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(association_limits={("contact", "0-2"): 2}, partial_status=207)
    client = make_client(hub)
    response = client.post(pairs(("1", "10"), ("1", "11"), ("1", "12"), ("2", "12")))
    assert response.status_code == 207
    body = response.json()
    assert len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["category"] == "VALIDATION_ERROR"
    assert error["subCategory"] == "crm.associations.ASSOCIATION_LIMIT_EXCEEDED"
    assert error["context"] == {"fromObjectId": ["1"], "toObjectId": ["12"]}
    assert hub.associated_pairs("contacts", "companies") == {("1", "10"), ("1", "11"), ("2", "12")}
    # Re-sending a stored pair at the limit is still fine.
    assert client.post(pairs(("1", "10"))).status_code == 200


def test_custom_types(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(
        custom_object_types={"2-3453": "p_cars"},
        portal_id=555,
        records={"contacts": range(1, 5), "p_cars": range(1, 5)},
    )
    client = make_client(hub)
    ids = set()
    for name in ("2-3453", "p_cars", "p555_cars"):
        body = client.post(pairs(("1", "2")), to_type=name).json()
        ids.add(tuple(_result_pairs(body)))
    assert len(ids) == 1
    assert client.post(pairs(("1", "2")), to_type="cars").status_code == 400
    assert hub.associated_pairs("contacts", "p555_cars") == {("1", "2")}
    assert hub.association_type_id("contacts", "2-3453") != hub.association_type_id(
        "2-3453", "contacts"
    )


def test_reset_keeps_configuration(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(results_direction="one", rate_limit=(2, 60.0))
    client = make_client(hub)
    client.post(pairs(("1", "2")))
    client.post(pairs(("1", "3")))
    assert client.post(pairs(("1", "4"))).status_code == 429
    hub.reset()
    assert hub.requests == [] and hub.associated_pairs("contacts", "companies") == set()
    assert hub.stats()["requests"] == 0
    body = client.post(pairs(("1", "2"))).json()
    assert len(body["results"]) == 1


def test_configure_at_runtime(hub: Sandbox, client: Client) -> None:
    hub.configure(
        success_status=201, partial_status=207, records={"contacts": [1], "companies": [1]}
    )
    assert client.post(pairs(("1", "1"))).status_code == 201
    assert client.post(pairs(("2", "1"))).status_code == 207
    with pytest.raises(ValueError):
        hub.configure(success_status=500)
    with pytest.raises(TypeError):
        hub.configure(port=1)
    assert hub.options.success_status == 201


def test_request_log_redacts_token(hub: Sandbox, client: Client) -> None:
    client.post(pairs(("1", "2")))
    client.post(data=b"not json")
    first, second = hub.requests
    assert first.headers["Authorization"] == "Bearer ***"
    assert DEMO_TOKEN not in json.dumps(first.headers) + repr(first)
    assert first.method == "POST" and first.status == 200 and first.inputs == 1
    assert first.body == {"inputs": pairs(("1", "2"))}
    assert first.response_body["status"] == "COMPLETE"
    assert first.response_headers["Content-Type"].startswith("application/json")
    assert first.ended >= first.started
    assert second.body == "not json" and second.status == 400


def test_log_without_bodies(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(log_bodies=False)
    make_client(hub).post(pairs(("1", "2")))
    (record,) = hub.requests
    assert record.body is None and record.response_body is None and record.inputs == 1


def test_connection_keep_alive(hub: Sandbox) -> None:
    with requests.Session() as session:
        url = hub.url + "/crm/associations/2026-03/contacts/companies/batch/associate/default"
        headers = {"Authorization": f"Bearer {hub.token}"}
        for i in range(1, 6):
            response = session.post(url, json={"inputs": pairs((str(i), "1"))}, headers=headers)
            assert response.status_code == 200
    assert hub.stats()["endpoint_requests"] == 5
