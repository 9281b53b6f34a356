"""Records with properties, objects batch/read by unique property, and company search."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_testkit import Client

from hubassoc_pandas.sandbox import Fault, Sandbox

READ = "/crm/objects/2026-03/{}/batch/read"
SEARCH = "/crm/objects/2026-03/companies/search"
PEOPLE = {
    101: {"email": "Ann@Example.com ", "external_id": "A-1"},
    102: {"email": "bob@example.com", "external_id": "A-2"},
}
COMPANIES = {
    7: {"domain": "acme.com", "name": "Acme"},
    8: {"domain": "ACME.com", "name": "Acme again"},
    9: {"domain": "solo.io", "hs_additional_domains": "Solo.dev; solo.app"},
}


@pytest.fixture
def people(make_hub: Any) -> Sandbox:
    hub: Sandbox = make_hub(record_properties={"contacts": PEOPLE, "companies": COMPANIES})
    return hub


def _read(client: Client, ids: list[Any], object_type: str = "contacts", **body: Any) -> Any:
    body.setdefault("properties", ["email"])
    body.setdefault("propertiesWithHistory", [])
    payload = {"inputs": [{"id": i} for i in ids], **body}
    return client.call(READ.format(object_type), payload)


def test_properties_are_stored_as_hubspot_keeps_them(people: Sandbox) -> None:
    assert people.record_properties("contacts", 101)["email"] == "ann@example.com"
    assert people.record_properties("companies", 8)["domain"] == "acme.com"
    assert people.record_properties("companies", 9)["hs_additional_domains"] == "solo.dev;solo.app"
    assert people.record_properties("contacts", 5) == {}


def test_add_records_with_properties(people: Sandbox) -> None:
    people.add_records("0-1", ["103"], {"103": {"email": "cy@example.com"}})
    people.add_records("contacts", [104, 105], [{"external_id": "B-1"}, {"external_id": "B-2"}])
    assert people.record_properties("contact", 103)["email"] == "cy@example.com"
    assert people.record_properties("contacts", 105)["createdate"].endswith("Z")
    with pytest.raises(ValueError, match="already belongs to record 101"):
        people.add_records("contacts", [106], [{"email": "ANN@example.com"}])
    with pytest.raises(ValueError, match="external_id 'C' already belongs to record 107"):
        people.add_records("contacts", [107, 108], [{"external_id": "C"}, {"external_id": "C"}])
    assert people.record_properties("contacts", 107) == {}  # nothing added
    with pytest.raises(ValueError, match="one mapping per ID"):
        people.add_records("contacts", [109, 110], [{"email": "z@z.com"}])
    people.add_records("companies", [10], [{"domain": "acme.com"}])  # domains are not unique


@pytest.mark.parametrize("version", ["2026-03", "v3"])
def test_read_by_email_in_any_case(people: Sandbox, make_client: Any, version: str) -> None:
    client = make_client(people)
    path = "/crm/v3/objects/contacts/batch/read" if version == "v3" else READ.format("contacts")
    body = {
        "idProperty": "email",
        "inputs": [{"id": "ANN@example.com"}, {"id": "ann@example.com"}, {"id": "bob@example.com"}],
        "properties": ["email"],
        "propertiesWithHistory": [],
    }
    response = client.call(path, body)
    assert response.status_code == 200
    results = {r["id"]: r for r in response.json()["results"]}
    assert set(results) == {"101", "102"}
    assert results["101"]["properties"]["email"] == "ann@example.com"
    assert results["101"]["properties"]["hs_object_id"] == "101"
    assert results["101"]["archived"] is False and results["101"]["createdAt"].endswith("Z")


def test_read_missing_values_in_a_207(people: Sandbox, make_client: Any) -> None:
    client = make_client(people)
    ids = ["bob@example.com", "nobody@example.com", " ann@example.com", "nobody@example.com"]
    response = _read(client, ids, idProperty="email")
    assert response.status_code == 207
    body = response.json()
    assert [r["id"] for r in body["results"]] == ["102"]
    (error,) = body["errors"]
    assert error["category"] == "OBJECT_NOT_FOUND"
    assert error["message"].startswith("Could not get some CONTACT objects")
    assert error["context"] == {"ids": ["nobody@example.com", " ann@example.com"]}


def test_read_by_custom_unique_property_and_by_id(people: Sandbox, make_client: Any) -> None:
    client = make_client(people)
    body = _read(
        client, ["A-2", "a-2"], idProperty="external_id", properties=["external_id"]
    ).json()
    assert [r["id"] for r in body["results"]] == ["102"]
    assert body["errors"][0]["context"] == {"ids": ["a-2"]}
    body = _read(client, ["7", "9", "99999", "x"], "companies", properties=["domain"]).json()
    assert sorted(r["id"] for r in body["results"]) == ["7", "9"]
    assert body["errors"][0]["context"] == {"ids": ["99999", "x"]}
    assert body["errors"][0]["message"].startswith("Could not get some COMPANY objects")


def test_configured_unique_properties(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(
        unique_properties={"companies": ["vat_number"]},
        record_properties={"companies": {7: {"vat_number": "GB1", "domain": "x.com"}}},
    )
    client = make_client(hub)
    body = _read(client, ["GB1"], "companies", idProperty="vat_number").json()
    assert [r["id"] for r in body["results"]] == ["7"]
    response = _read(client, ["x.com"], "companies", idProperty="domain")
    assert response.status_code == 400
    assert "domain is not a unique property of companies" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"inputs": [{"id": "1"}], "properties": []}, "[propertiesWithHistory]"),
        ({"inputs": [{"id": "1"}]}, "[properties, propertiesWithHistory]"),
        ({"inputs": [{}], "properties": [], "propertiesWithHistory": []}, "[inputs[].id]"),
    ],
)
def test_read_requires_both_property_lists(
    people: Sandbox, make_client: Any, body: Any, missing: str
) -> None:
    response = make_client(people).call(READ.format("contacts"), body)
    assert response.status_code == 400
    message = response.json()["message"]
    assert "Cannot build BatchReadInputSimplePublicObjectId" in message and message.endswith(
        missing
    )


def test_read_cap(people: Sandbox, make_client: Any) -> None:
    response = _read(make_client(people), [str(n) for n in range(101)])
    assert response.status_code == 400
    assert response.json()["message"] == "Batch size 101 exceeds the maximum of 100 inputs."


def _search(client: Client, *filters: dict[str, Any], **body: Any) -> Any:
    payload = {"filterGroups": [{"filters": list(filters)}], "properties": ["domain"], **body}
    return client.call(SEARCH, payload)


def _ids(response: Any) -> list[str]:
    return [r["id"] for r in response.json()["results"]]


@pytest.mark.parametrize(
    ("spec", "ids"),
    [
        ({"propertyName": "domain", "operator": "IN", "values": ["acme.com"]}, ["7", "8"]),
        ({"propertyName": "domain", "operator": "IN", "values": ["ACME.com"]}, []),
        ({"propertyName": "domain", "operator": "EQ", "value": "ACME.COM"}, ["7", "8"]),
        ({"propertyName": "domain", "operator": "IN", "values": ["solo.io", "none.io"]}, ["9"]),
        (
            {"propertyName": "hs_additional_domains", "operator": "IN", "values": ["solo.app"]},
            ["9"],
        ),
        ({"propertyName": "hs_additional_domains", "operator": "EQ", "value": "Solo.dev"}, ["9"]),
        ({"propertyName": "domain", "operator": "NEQ", "value": "acme.com"}, ["9"]),
        ({"propertyName": "hs_additional_domains", "operator": "HAS_PROPERTY"}, ["9"]),
        ({"propertyName": "name", "operator": "CONTAINS_TOKEN", "value": "again"}, ["8"]),
        ({"propertyName": "domain", "operator": "NOT_IN", "values": ["acme.com"]}, ["9"]),
    ],
)
def test_search_filters(
    people: Sandbox, make_client: Any, spec: dict[str, Any], ids: list[str]
) -> None:
    response = _search(make_client(people), spec)
    assert response.status_code == 200
    assert _ids(response) == ids and response.json()["total"] == len(ids)


def test_search_groups_are_ored(people: Sandbox, make_client: Any) -> None:
    groups = [
        {"filters": [{"propertyName": "domain", "operator": "EQ", "value": "solo.io"}]},
        {"filters": [{"propertyName": "name", "operator": "EQ", "value": "acme"}]},
    ]
    response = make_client(people).call(SEARCH, {"filterGroups": groups, "limit": 5})
    assert _ids(response) == ["7", "9"]
    assert response.json()["results"][0]["properties"]["hs_object_id"] == "7"


def test_search_pages_and_the_10000_cap(make_hub: Any, make_client: Any) -> None:
    many = {n: {"domain": "big.com"} for n in range(1, 10_006)}
    client = make_client(make_hub(record_properties={"companies": many}, search_rate_limit=None))
    spec = {"propertyName": "domain", "operator": "IN", "values": ["big.com"]}
    first = _search(client, spec, limit=200)
    assert first.json()["total"] == 10_005 and len(_ids(first)) == 200
    assert first.json()["paging"]["next"]["after"] == "200"
    last = _search(client, spec, limit=200, after="9800")
    assert _ids(last)[-1] == "10000" and last.json()["paging"]["next"]["after"] == "10000"
    beyond = _search(client, spec, limit=200, after="10000")
    assert beyond.status_code == 400 and "at most 10000 results" in beyond.json()["message"]
    end = _search(
        client, {"propertyName": "domain", "operator": "EQ", "value": "big.com"}, after="10000"
    )
    assert end.status_code == 400


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"filterGroups": [{"filters": []}] * 6}, "Too many filters"),
        (
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "a", "operator": "HAS_PROPERTY"}] * 7}
                ]
            },
            "Too many filters",
        ),
        (
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "a", "operator": "HAS_PROPERTY"}] * 4}
                ]
                * 5
            },
            "Too many filters",
        ),
        ({"filterGroups": [], "limit": 201}, "limit must be between 1 and 200"),
        (
            {"filterGroups": [{"filters": [{"propertyName": "a", "operator": "LIKE"}]}]},
            "Unsupported operator",
        ),
        (
            {"filterGroups": [{"filters": [{"propertyName": "a", "operator": "IN"}]}]},
            "needs a list",
        ),
        ({"filterGroups": [], "after": "abc"}, "Invalid 'after' cursor"),
        ({"filterGroups": [], "properties": ["x" * 3000]}, "search accepts at most 3000"),
    ],
)
def test_search_refusals(people: Sandbox, make_client: Any, body: Any, message: str) -> None:
    response = make_client(people).call(SEARCH, body)
    assert response.status_code == 400
    assert (
        message in response.json()["message"] and response.json()["category"] == "VALIDATION_ERROR"
    )


def test_search_has_its_own_secondly_limit(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(
        record_properties={"companies": COMPANIES},
        search_rate_limit=(2, 60.0),
        rate_limit=(3, 60.0),
    )
    client = make_client(hub)
    codes = [client.call(SEARCH, {"filterGroups": []}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = client.call(SEARCH, {"filterGroups": []})
    assert limited.json()["policyName"] == "SECONDLY"
    assert limited.json()["message"] == "You have reached your secondly limit."
    assert "Retry-After" not in limited.headers
    # Search did not spend the ten-secondly window.
    ok = [_read(client, ["101"]).status_code for _ in range(3)]
    assert ok == [200, 200, 200]
    hub.configure(search_retry_after=True)
    assert client.call(SEARCH, {"filterGroups": []}).headers["Retry-After"] == "60"


def test_search_index_delay_hides_new_records(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(search_index_delay=60.0)
    hub.add_records("companies", [5], [{"domain": "new.com"}])
    response = _search(
        make_client(hub), {"propertyName": "domain", "operator": "EQ", "value": "new.com"}
    )
    assert response.json() == {"total": 0, "results": []}


def test_object_endpoints_scopes_and_faults(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(
        record_properties={"contacts": PEOPLE},
        tokens={"companies-only": {"crm.objects.companies.read"}, "all": None},
        faults=[Fault("502_html", on_requests=[1])],
    )
    client = make_client(hub)
    assert _read(client, ["101"]).status_code == 502
    body = {"inputs": [{"id": "101"}], "properties": [], "propertiesWithHistory": []}
    forbidden = client.call(READ.format("contacts"), body, token="companies-only")
    assert forbidden.status_code == 403
    assert forbidden.json()["errors"][0]["context"]["requiredScopes"] == [
        "crm.objects.contacts.read"
    ]
    assert forbidden.headers["X-HubSpot-Correlation-Id"] == forbidden.json()["correlationId"]
