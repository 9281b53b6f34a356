"""An association path added by a test, going through the same gateway as every endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_testkit import association_path

from hubassoc_pandas.sandbox import Fault

ECHO = "batch/echo"


def _echo(from_type: str, to_type: str, body: Any) -> tuple[int, Any]:
    return 200, {"route": [from_type, to_type], "results": body["inputs"]}


@pytest.mark.parametrize("version", ["2026-03", "v4"])
def test_custom_endpoint_answers_through_the_gateway(
    make_hub: Any, make_client: Any, version: str
) -> None:
    hub = make_hub(rate_limit=(2, 60.0))
    hub.add_endpoint(ECHO, _echo)
    client = make_client(hub)
    path = association_path(ECHO, "0-1", "company", version)
    response = client.call(path, {"inputs": [{"id": "1"}, {"id": "2"}]})
    assert response.status_code == 200
    assert response.json() == {
        "route": ["contacts", "companies"],
        "results": [{"id": "1"}, {"id": "2"}],
    }
    assert hub.requests[-1].inputs == 2
    assert client.call(path, {"inputs": []}, token=None).status_code == 401
    assert client.call(association_path(ECHO, "widgets"), {"inputs": []}).status_code == 400
    assert client.call(path, {"inputs": []}).status_code == 429  # two calls spent the window


def test_custom_endpoint_faults_scopes_and_errors(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(
        faults=[Fault("503_html", on_requests=[1], endpoints=["custom:batch/echo"])],
        tokens={"reader": {"crm.objects.contacts.read", "crm.objects.companies.read"}, "all": None},
    )
    hub.add_endpoint(ECHO, _echo)
    hub.add_endpoint("batch/nothing", lambda a, b, body: (204, None), access="read")
    hub.add_endpoint("batch/broken", lambda a, b, body: (200, body["missing"]))
    client = make_client(hub)
    assert client.call(association_path(ECHO), {"inputs": []}).status_code == 503
    assert client.call(association_path(ECHO), {"inputs": []}, token="reader").status_code == 403
    empty = client.call(association_path("batch/nothing"), {}, token="reader")
    assert empty.status_code == 204 and empty.content == b""
    broken = client.call(association_path("batch/broken"), {})
    assert broken.status_code == 500 and "KeyError" in broken.json()["message"]
    assert client.call(association_path(ECHO), {"inputs": []}, method="PUT").status_code == 405


@pytest.mark.parametrize("tail", ["batch/archive", "labels", "", "/"])
def test_custom_endpoint_refuses_taken_or_empty_paths(make_hub: Any, tail: str) -> None:
    with pytest.raises(ValueError):
        make_hub().add_endpoint(tail, _echo)
