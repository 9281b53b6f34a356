"""Each fault kind, as a client sees it over a real socket."""

from __future__ import annotations

import http.client
import json
import socket
import time
import uuid
from typing import Any

import pytest
import requests
from sandbox_testkit import endpoint, pairs

from hubassoc_pandas.sandbox import Fault, Sandbox


def _raw_post(hub: Sandbox, inputs: list[dict[str, Any]]) -> bytes:
    """Send one request on a raw socket and return every byte received until close."""
    body = json.dumps({"inputs": inputs}).encode()
    head = (
        f"POST {endpoint()} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {hub.token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", hub.port), timeout=5) as sock:
        sock.sendall(head + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_500_json(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("500_json", on_requests=[1])])
    client = make_client(hub)
    response = client.post(pairs(("1", "2")))
    assert response.status_code == 500
    body = response.json()
    assert body["status"] == "error" and body["category"] and body["message"]
    assert str(uuid.UUID(body["correlationId"])) == body["correlationId"]
    assert hub.associated_pairs("contacts", "companies") == set()
    assert client.post(pairs(("1", "2"))).status_code == 200  # only request 1 was scripted
    assert hub.requests[0].fault == "500_json" and hub.requests[1].fault is None


@pytest.mark.parametrize("status", [502, 503, 504])
def test_proxy_html_pages(make_hub: Any, make_client: Any, status: int) -> None:
    hub = make_hub(faults=[Fault(f"{status}_html", on_requests=[1])])
    response = make_client(hub).post(pairs(("1", "2")))
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.lstrip().startswith("<!DOCTYPE html>")
    assert "X-HubSpot-RateLimit-Max" not in response.headers
    with pytest.raises(ValueError):
        response.json()
    assert hub.associated_pairs("contacts", "companies") == set()


def test_hang_times_out_a_client_without_blocking_others(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("hang", on_requests=[1], hang_seconds=0.6)])
    slow, fast = make_client(hub), make_client(hub)
    with pytest.raises(requests.exceptions.ReadTimeout):
        slow.post(pairs(("1", "2")), timeout=0.2)
    started = time.monotonic()
    assert fast.post(pairs(("3", "4"))).status_code == 200
    assert time.monotonic() - started < 0.5
    assert hub.associated_pairs("contacts", "companies") == {("3", "4")}


def test_hang_then_gateway_timeout(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("hang", on_requests=[1], hang_seconds=0.2)])
    started = time.monotonic()
    response = make_client(hub).post(pairs(("1", "2")))
    assert time.monotonic() - started >= 0.2
    assert response.status_code == 504 and "text/html" in response.headers["Content-Type"]


def test_close_during_hang_is_prompt(make_client: Any) -> None:
    hub = Sandbox(
        records={"contacts": [1], "companies": [2]},
        faults=[Fault("hang", rate=1.0, hang_seconds=30)],
    ).start()
    client = make_client(hub)
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            client.post(pairs(("1", "2")), timeout=0.3)
    finally:
        started = time.monotonic()
        hub.close()
    assert time.monotonic() - started < 2.0
    assert hub.requests[0].status is None  # never answered


def test_close_without_response(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("close", on_requests=[1])])
    client = make_client(hub)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.post(pairs(("1", "2")))
    assert hub.associated_pairs("contacts", "companies") == set()
    assert client.post(pairs(("1", "2"))).status_code == 200
    assert hub.stats()["dropped_connections"] == 1
    with pytest.raises(http.client.RemoteDisconnected):
        hub.configure(faults=[Fault("close", rate=1.0)])
        connection = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=5)
        try:
            connection.request(
                "POST",
                endpoint(),
                body=b'{"inputs":[]}',
                headers={"Authorization": f"Bearer {hub.token}"},
            )
            connection.getresponse()
        finally:
            connection.close()


def test_close_after_commit_stores(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("close_after_commit", on_requests=[1])])
    with pytest.raises(requests.exceptions.ConnectionError):
        make_client(hub).post(pairs(("1", "2")))
    assert hub.associated_pairs("contacts", "companies") == {("1", "2")}
    assert hub.requests[0].status is None


def test_truncated_body(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("truncated", on_requests=[1, 2])])
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        make_client(hub).post(pairs(("1", "2"), ("3", "4")))
    raw = _raw_post(hub, pairs(("1", "2")))
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    declared = int(
        next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Length")).split(
            b":"
        )[1]
    )
    assert 0 < len(body) < declared
    with pytest.raises(ValueError):
        json.loads(body)
    assert hub.associated_pairs("contacts", "companies") == set()


def test_non_json(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("non_json", on_requests=[1])])
    response = make_client(hub).post(pairs(("1", "2")))
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    assert hub.associated_pairs("contacts", "companies") == set()


@pytest.mark.parametrize(
    ("retry_after", "kind", "policy"),
    [
        (True, "429", "TEN_SECONDLY_ROLLING"),
        (False, "429", "TEN_SECONDLY_ROLLING"),
        (True, "429_daily", "DAILY"),
    ],
)
def test_forced_429(
    make_hub: Any, make_client: Any, retry_after: bool, kind: str, policy: str
) -> None:
    hub = make_hub(faults=[Fault(kind, on_requests=[1])], retry_after=retry_after)
    response = make_client(hub).post(pairs(("1", "2")))
    assert response.status_code == 429
    body = response.json()
    assert body["policyName"] == policy and body["errorType"] == "RATE_LIMIT"
    has_retry = "Retry-After" in response.headers
    assert has_retry == (retry_after and kind == "429")
    if has_retry:
        assert int(response.headers["Retry-After"]) >= 1
    assert hub.associated_pairs("contacts", "companies") == set()


def test_400_too_large_fault(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("400_too_large", on_requests=[1])], max_batch_size=100)
    response = make_client(hub).post(pairs(("1", "2")))
    assert response.status_code == 400
    assert response.json()["message"] == "Batch size 1 exceeds the maximum of 100 inputs."


def test_random_faults_are_seeded_and_capped(make_hub: Any, make_client: Any) -> None:
    codes = []
    for _ in range(2):
        hub = make_hub(faults=[Fault("503_html", rate=0.5, times=3)], seed=7)
        client = make_client(hub)
        codes.append([client.post(pairs(("1", "2"))).status_code for _ in range(12)])
        assert hub.stats()["faults"] == {"503_html": 3}
    assert codes[0] == codes[1]
    assert codes[0].count(503) == 3


def test_fault_paths_filter(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("500_json", rate=1.0, paths=["/crm/v4/"])])
    client = make_client(hub)
    assert client.post(pairs(("1", "2"))).status_code == 200
    assert client.post(pairs(("1", "2")), version="v4").status_code == 500


def test_reset_restarts_request_numbers(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(faults=[Fault("500_json", on_requests=[1])])
    client = make_client(hub)
    assert client.post(pairs(("1", "2"))).status_code == 500
    assert client.post(pairs(("1", "2"))).status_code == 200
    hub.reset()
    assert client.post(pairs(("1", "2"))).status_code == 500
