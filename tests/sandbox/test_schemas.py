"""Success, error and 429 bodies validated against the shapes in the HubSpot contract."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_testkit import pairs

from hubassoc_pandas.sandbox import Fault

UUID = {
    "type": "string",
    "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
}
ISO = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"}
ID = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}

STANDARD_ERROR = {
    "type": "object",
    "properties": {
        "status": {"type": "string"},
        "category": {"type": "string"},
        "subCategory": {"type": "string"},
        "message": {"type": "string"},
        "context": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "errors": {"type": "array"},
        "links": {"type": "object"},
        "id": {"type": "string"},
    },
    "additionalProperties": False,
}

SUCCESS = {
    "type": "object",
    "required": ["status", "results", "requestedAt", "startedAt", "completedAt"],
    "properties": {
        "status": {"enum": ["COMPLETE", "PENDING", "PROCESSING", "CANCELED"]},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["from", "to", "associationSpec"],
                "properties": {
                    "from": ID,
                    "to": ID,
                    "associationSpec": {
                        "type": "object",
                        "required": ["associationCategory", "associationTypeId"],
                        "properties": {
                            "associationCategory": {"const": "HUBSPOT_DEFINED"},
                            "associationTypeId": {"type": "integer"},
                        },
                    },
                },
            },
        },
        "errors": {"type": "array", "items": STANDARD_ERROR},
        "numErrors": {"type": "integer"},
        "requestedAt": ISO,
        "startedAt": ISO,
        "completedAt": ISO,
        "links": {"type": "object"},
    },
    "additionalProperties": False,
}

WHOLE_ERROR = {
    "type": "object",
    "required": ["status", "message", "correlationId"],
    "properties": {
        "status": {"const": "error"},
        "message": {"type": "string"},
        "correlationId": UUID,
        "category": {"type": "string"},
        "subCategory": {"type": "string"},
        "context": {"type": "object"},
        "errors": {"type": "array"},
        "links": {"type": "object"},
    },
    "additionalProperties": False,
}

RATE_LIMIT = {
    "type": "object",
    "required": ["status", "message", "errorType", "correlationId", "policyName", "groupName"],
    "properties": {
        "status": {"const": "error"},
        "message": {"type": "string"},
        "errorType": {"const": "RATE_LIMIT"},
        "correlationId": UUID,
        "policyName": {"enum": ["TEN_SECONDLY_ROLLING", "DAILY"]},
        "groupName": {"type": "string"},
    },
    "additionalProperties": False,
}


@pytest.mark.parametrize(
    ("options", "inputs", "status"),
    [
        ({}, pairs(("1", "2")), 200),
        ({}, pairs(("1", "2"), ("x", "9999"), ("1", "9999")), 207),
        ({"error_context": "ids", "group_errors": True}, pairs(("1", "9998"), ("1", "9999")), 207),
        ({"association_limits": {("contacts", "companies"): 0}}, pairs(("1", "2")), 207),
        ({"faults": [Fault("empty_2xx", on_requests=[1])]}, pairs(("1", "2")), 200),
    ],
)
def test_success_bodies(
    make_hub: Any, make_client: Any, options: dict[str, Any], inputs: Any, status: int
) -> None:
    import jsonschema  # slow to load: imported where used

    # The variant with the schema's optional fields and 207 for partial failures.
    options = {"partial_status": 207, "optional_batch_fields": True, **options}
    response = make_client(make_hub(**options)).post(inputs)
    assert response.status_code == status
    jsonschema.validate(response.json(), SUCCESS)


@pytest.mark.parametrize(
    ("options", "kwargs", "status"),
    [
        ({}, {"token": None}, 401),
        ({"tokens": {"t": set()}}, {"token": "t"}, 403),
        ({"scopes_key": "missingScopes", "tokens": {"t": set()}}, {"token": "t"}, 403),
        ({}, {"data": b"{oops"}, 400),
        ({}, {"from_type": "widgets"}, 400),
        ({"max_batch_size": 1}, {}, 400),
        ({"missing_ids": "batch_400"}, {"inputs": pairs(("1", "99999"))}, 400),
        ({"faults": [Fault("500_json", on_requests=[1])]}, {}, 500),
    ],
)
def test_error_bodies(
    make_hub: Any, make_client: Any, options: dict[str, Any], kwargs: dict[str, Any], status: int
) -> None:
    import jsonschema  # slow to load: imported where used

    kwargs.setdefault("inputs", pairs(("1", "2"), ("3", "4")))
    response = make_client(make_hub(**options)).post(**kwargs)
    assert response.status_code == status
    jsonschema.validate(response.json(), WHOLE_ERROR)


@pytest.mark.parametrize(
    "options",
    [
        {"rate_limit": (1, 5.0)},
        {"daily_limit": 1},
        {"faults": [Fault("429", on_requests=[2])]},
        {"faults": [Fault("429_daily", on_requests=[2])]},
    ],
)
def test_rate_limit_bodies(make_hub: Any, make_client: Any, options: dict[str, Any]) -> None:
    import jsonschema  # slow to load: imported where used

    client = make_client(make_hub(**options))
    client.post(pairs(("1", "2")))
    response = client.post(pairs(("1", "2")))
    assert response.status_code == 429
    jsonschema.validate(response.json(), RATE_LIMIT)
