"""HubSpot's published behaviour: defaults, type IDs, scopes, 423/477/expired tokens, caps,
correlation headers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sandbox_testkit import Client, archive_inputs, association_path, pairs, typed
from test_schemas import SUCCESS

from hubassoc_pandas.sandbox import Fault, Sandbox
from hubassoc_pandas.sandbox.auth import is_malformed
from hubassoc_pandas.sandbox.objects import ObjectTypes

#: The success body as HubSpot sends it by default: without the optional fields.
DEFAULT_SUCCESS = {
    **SUCCESS,
    "required": ["status", "results", "startedAt", "completedAt"],
    "not": {"anyOf": [{"required": ["requestedAt"]}, {"required": ["links"]}]},
}


def test_default_bodies_and_partial_status(hub: Sandbox, client: Client) -> None:
    import jsonschema  # slow to load: imported where used

    response = client.post(pairs(("1", "2")))
    assert response.status_code == 200
    jsonschema.validate(response.json(), DEFAULT_SUCCESS)
    response = client.post(pairs(("1", "2"), ("1", "9999")))
    assert response.status_code == 200 and response.json()["numErrors"] == 1
    jsonschema.validate(response.json(), DEFAULT_SUCCESS)
    hub.configure(faults=[Fault("empty_2xx", on_requests=[3])])
    body = client.post(pairs(("1", "2"))).json()
    assert body["results"] == [] and "requestedAt" not in body


@pytest.mark.parametrize(
    ("pair", "forward", "reverse"),
    [
        (("contacts", "contacts"), 449, 449),
        (("companies", "companies"), 450, 450),
        (("deals", "deals"), 451, 451),
        (("tickets", "tickets"), 452, 452),
        (("contacts", "calls"), 193, 194),
        (("companies", "calls"), 181, 182),
        (("deals", "calls"), 205, 206),
        (("tickets", "calls"), 219, 220),
        (("leads", "contacts"), 608, 609),
        (("leads", "companies"), 610, 611),
        (("companies", "invoices"), 180, 179),
        (("contacts", "companies"), 279, 280),
    ],
)
def test_documented_default_type_ids(pair: tuple[str, str], forward: int, reverse: int) -> None:
    hub = Sandbox()
    assert hub.association_type_id(*pair) == forward
    assert hub.association_type_id(pair[1], pair[0]) == reverse


def test_default_type_ids_in_answers(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(records={"contacts": [1, 2], "calls": [5], "leads": [3]})
    client = make_client(hub)
    body = client.post(pairs(("1", "5")), to_type="calls").json()
    assert {r["associationSpec"]["associationTypeId"] for r in body["results"]} == {193, 194}
    body = client.post(pairs(("1", "2")), to_type="contacts").json()
    assert {r["associationSpec"]["associationTypeId"] for r in body["results"]} == {449}
    assert hub.associations("contacts", "contacts") == {("1", "2"): {449}, ("2", "1"): {449}}
    body = client.post(pairs(("3", "1")), from_type="0-136", to_type="contacts").json()
    assert {r["associationSpec"]["associationTypeId"] for r in body["results"]} == {608, 609}


def test_no_default_association_for_products(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(records={"contacts": [1], "products": [7]})
    client = make_client(hub)
    response = client.post(pairs(("1", "7"), ("1", "9")), to_type="products")
    assert response.status_code == 200
    body = response.json()
    assert body["results"] == []
    refused = [e for e in body["errors"] if e["category"] == "VALIDATION_ERROR"]
    assert refused[0]["subCategory"] == "crm.associations.INVALID_ASSOCIATION_TYPE"
    assert refused[0]["context"] == {"fromObjectId": ["1"], "toObjectId": ["7"]}
    assert (
        refused[0]["message"] == "No default association type is defined from contact to product."
    )
    assert hub.associated_pairs("contacts", "products") == set()
    assert hub.labels("products", "contacts") == []
    with pytest.raises(ValueError, match="no default association"):
        hub.association_type_id("contacts", "products")


@pytest.mark.parametrize(
    ("canonical", "access", "scope"),
    [
        ("contacts", "write", "crm.objects.contacts.write"),
        ("companies", "read", "crm.objects.companies.read"),
        ("deals", "write", "crm.objects.deals.write"),
        ("tickets", "write", "tickets"),
        ("tickets", "read", "tickets"),
        ("products", "write", "e-commerce"),
        ("line_items", "write", "crm.objects.line_items.write"),
        ("calls", "write", "crm.objects.contacts.write"),
        ("notes", "read", "crm.objects.contacts.read"),
        ("leads", "write", "crm.objects.leads.write"),
        ("invoices", "read", "crm.objects.invoices.read"),
        ("2-77", "write", "crm.objects.custom.write"),
    ],
)
def test_scope_names(canonical: str, access: str, scope: str) -> None:
    assert ObjectTypes({"2-77": "cars"}, 1).scope(canonical, access) == scope


def test_403_names_real_scopes(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(tokens={"contacts-only": {"crm.objects.contacts.write"}, "all": None})
    response = make_client(hub).post(pairs(("1", "2")), to_type="tickets", token="contacts-only")
    assert response.status_code == 403
    assert response.json()["errors"][0]["context"]["requiredScopes"] == ["tickets"]


@pytest.mark.parametrize(
    ("token", "malformed"),
    [
        ("pat-na1-0c9b8a7f-dead-beef-cafe-123456789abc", False),
        ("pat-eu1-0c9b8a7f-dead-beef-cafe-123456789abc", False),
        ("CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-qYAGQsF4", False),
        ("wrong-token", False),
        ("pat-na1-garbage", True),
        ("pat-na1-0C9B8A7F-DEAD-BEEF-CAFE-123456789ABC", True),
        ("two words", True),
        ("tökén", True),
        ('"quoted"', True),
    ],
)
def test_token_shapes(token: str, malformed: bool) -> None:
    assert is_malformed(token) == malformed


def test_malformed_token_is_expired_authentication(client: Client) -> None:
    response = client.post(pairs(("1", "2")), token="pat-na1-not-a-real-token")
    assert response.status_code == 401
    body = response.json()
    assert body["category"] == "EXPIRED_AUTHENTICATION"
    days = int(body["message"].split("expired ")[1].split(" ")[0])
    assert days > 20_000  # counted from 1970
    assert body["message"] == f"The OAuth token used to make this call expired {days} day(s) ago."
    unknown = client.post(pairs(("1", "2")), token="pat-na1-0c9b8a7f-dead-beef-cafe-123456789abc")
    assert unknown.json()["category"] == "INVALID_AUTHENTICATION"


@pytest.mark.parametrize(
    ("fault", "status", "category", "retry_after"),
    [
        (Fault("423", on_requests=[1]), 423, "LOCKED", None),
        (Fault("477", on_requests=[1]), 477, "MIGRATION_IN_PROGRESS", "3600"),
        (Fault("477", on_requests=[1], retry_after=30), 477, "MIGRATION_IN_PROGRESS", "30"),
        (Fault("401_expired", on_requests=[1]), 401, "EXPIRED_AUTHENTICATION", None),
    ],
)
def test_other_documented_statuses(
    make_hub: Any,
    make_client: Any,
    fault: Fault,
    status: int,
    category: str,
    retry_after: str | None,
) -> None:
    hub = make_hub(faults=[fault])
    client = make_client(hub)
    response = client.post(pairs(("1", "2")))
    assert response.status_code == status
    assert response.json()["category"] == category
    assert response.headers.get("Retry-After") == retry_after
    assert hub.associated_pairs("contacts", "companies") == set()
    if status == 401:
        assert response.json()["message"].endswith("expired 1 day(s) ago.")
    assert client.post(pairs(("1", "2"))).status_code == 200


def test_fault_endpoint_filter(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("423", rate=1.0, endpoints=["archive"])])
    client = make_client(hub)
    assert client.post(pairs(("1", "2"))).status_code == 200
    archive = association_path("batch/archive")
    assert client.call(archive, {"inputs": archive_inputs(("1", ["2"]))}).status_code == 423
    with pytest.raises(ValueError, match="retry_after"):
        Fault("477", retry_after=-1)


def _ids(response: Any) -> tuple[str, str]:
    return response.headers["X-HubSpot-Correlation-Id"], response.headers["X-Request-Id"]


def test_correlation_and_request_ids_on_every_answer(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("502_html", on_requests=[2])], rate_limit=(3, 60.0))
    client = make_client(hub)
    answers = [
        client.post(pairs(("1", "2"))),  # 200
        client.post(pairs(("1", "2"))),  # 502 HTML page
        client.post(pairs(("1", "2")), token=None),  # 401
        client.call("/crm/v4/associations/contacts/companies/batch/archive", {"inputs": []}),  # 204
        client.post(pairs(("1", "2"))),  # 429
        client.call("/nowhere", {}),  # 404
    ]
    assert [a.status_code for a in answers] == [200, 502, 401, 204, 429, 404]
    seen = set()
    for answer in answers:
        correlation, request = _ids(answer)
        assert str(uuid.UUID(correlation)) == correlation and str(uuid.UUID(request)) == request
        seen |= {correlation, request}
        if answer.headers.get("Content-Type", "").startswith("application/json"):
            body = answer.json()
            assert body.get("correlationId", correlation) == correlation
    assert len(seen) == 2 * len(answers)


@pytest.mark.parametrize(
    ("path", "body_for", "cap"),
    [
        (
            association_path("batch/associate/default"),
            lambda n: {"inputs": pairs(*[("1", "1")] * n)},
            2000,
        ),
        (
            association_path("batch/create"),
            lambda n: {"inputs": typed(*[("1", "1", [])] * n)},
            2000,
        ),
        (association_path("batch/read"), lambda n: {"inputs": [{"id": "1"}] * n}, 1000),
        (
            association_path("batch/archive"),
            lambda n: {"inputs": archive_inputs(("1", ["1"] * n))},
            2000,
        ),
        (
            "/crm/objects/2026-03/contacts/batch/read",
            lambda n: {"inputs": [{"id": "1"}] * n, "properties": [], "propertiesWithHistory": []},
            100,
        ),
    ],
)
def test_default_caps(hub: Sandbox, client: Client, path: str, body_for: Any, cap: int) -> None:
    assert client.call(path, body_for(cap)).status_code in (200, 201, 207)
    response = client.call(path, body_for(cap + 1))
    assert response.status_code == 400
    assert (
        response.json()["message"] == f"Batch size {cap + 1} exceeds the maximum of {cap} inputs."
    )
