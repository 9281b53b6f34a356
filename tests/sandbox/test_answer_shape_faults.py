"""Faults that answer 2xx without confirming anything, over real sockets: ``{}``, a PENDING or
PROCESSING status, ``numErrors`` without ``errors``, a 207 naming only some inputs. None of
them removes (or stores) anything."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_testkit import Client, archive_inputs, association_path, pairs, typed

from hubassoc_pandas.sandbox import Fault, Sandbox

KINDS = ["empty_object_2xx", "pending_2xx", "processing_2xx", "num_errors_2xx", "207_some_errors"]


def linked(make_hub: Any, make_client: Any, kind: str) -> tuple[Sandbox, Client]:
    hub = make_hub()
    client = make_client(hub)
    assert client.post(pairs(("1", "5"), ("1", "6"), ("2", "7"))).status_code == 200
    hub.configure(faults=[Fault(kind, endpoints=["archive", "labels_archive"], rate=1.0)])
    return hub, client


def expected(kind: str, status: int, body: Any) -> None:
    """What each kind answers a removal of three pairs (from 1: 5 and 6; from 2: 7)."""
    if kind == "207_some_errors":
        assert status == 207
        assert body["status"] == "COMPLETE" and body["results"] == [] and body["numErrors"] == 3
        (error,) = body["errors"]
        assert error["context"] == {"fromObjectId": ["1"], "toObjectId": ["5", "6"]}
        return
    assert status == 200  # also where the endpoint answers 204: a 204 carries no body
    if kind == "empty_object_2xx":
        assert body == {}
    elif kind == "num_errors_2xx":
        assert body["status"] == "COMPLETE" and body["numErrors"] == 3 and "errors" not in body
    else:
        assert body["status"] == kind.split("_")[0].upper() and body["results"] == []
        assert "errors" not in body and "completedAt" not in body


@pytest.mark.parametrize("version", ["2026-03", "v4"])
@pytest.mark.parametrize("kind", KINDS)
def test_archive_answers_the_shape_and_removes_nothing(
    make_hub: Any, make_client: Any, kind: str, version: str
) -> None:
    hub, client = linked(make_hub, make_client, kind)
    inputs = archive_inputs(("1", ["5", "6"]), ("2", ["7"]))
    response = client.call(association_path("batch/archive", version=version), {"inputs": inputs})
    expected(kind, response.status_code, response.json())
    assert hub.associated_pairs("contacts", "companies") == {("1", "5"), ("1", "6"), ("2", "7")}
    assert hub.requests[-1].fault == kind


@pytest.mark.parametrize("kind", KINDS)
def test_labels_archive_answers_the_shape_and_removes_nothing(
    make_hub: Any, make_client: Any, kind: str
) -> None:
    hub, client = linked(make_hub, make_client, kind)
    default = ("HUBSPOT_DEFINED", hub.association_type_id("contacts", "companies"))
    inputs = typed(("1", "5", [default]), ("2", "7", [default]))
    response = client.call(association_path("batch/labels/archive"), {"inputs": inputs})
    assert 200 <= response.status_code < 300
    body = response.json()
    if kind == "207_some_errors":
        assert body["errors"][0]["context"] == {"fromObjectId": ["1"], "toObjectId": ["5"]}
        assert body["numErrors"] == 2
    assert len(hub.associated_pairs("contacts", "companies")) == 3


def test_a_scripted_shape_fires_once_then_the_endpoint_answers(
    make_hub: Any, make_client: Any
) -> None:
    hub = make_hub(faults=[Fault("pending_2xx", on_requests=[2])])
    client = make_client(hub)
    client.post(pairs(("1", "5")))
    path = association_path("batch/archive")
    first = client.call(path, {"inputs": archive_inputs(("1", ["5"]))})
    assert first.json()["status"] == "PENDING"
    assert ("1", "5") in hub.associated_pairs("contacts", "companies")
    second = client.call(path, {"inputs": archive_inputs(("1", ["5"]))}).json()
    assert second["status"] == "COMPLETE" and second["results"] == [] and "errors" not in second
    assert hub.associated_pairs("contacts", "companies") == set()
