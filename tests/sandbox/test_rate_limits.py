"""Rate-limit headers, the rolling window and the daily limit."""

from __future__ import annotations

import time
from typing import Any

from sandbox_testkit import pairs


def test_headers_on_every_response(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(rate_limit=(5, 0.5), daily_limit=100)
    client = make_client(hub)
    response = client.post(pairs(("1", "2")))
    assert response.headers["X-HubSpot-RateLimit-Max"] == "5"
    assert response.headers["X-HubSpot-RateLimit-Remaining"] == "4"
    assert response.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "500"
    assert response.headers["X-HubSpot-RateLimit-Daily"] == "100"
    assert response.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "99"
    for response in (client.post(pairs(("1", "2")), token="bad"), client.post(data=b"{")):
        assert "X-HubSpot-RateLimit-Remaining" in response.headers


def test_headers_can_be_turned_off(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(rate_limit_headers=False)
    response = make_client(hub).post(pairs(("1", "2")))
    assert not [h for h in response.headers if h.lower().startswith("x-hubspot-ratelimit")]
    hub.configure(rate_limit=None, rate_limit_headers=True)
    response = make_client(hub).post(pairs(("1", "2")))
    assert "X-HubSpot-RateLimit-Max" not in response.headers


def test_rolling_window_429_with_retry_after(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(rate_limit=(3, 0.6), rate_limit_group="hubassoc-test")
    client = make_client(hub)
    codes = [client.post(pairs(("1", "2"))).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    response = client.post(pairs(("1", "3")))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    body = response.json()
    assert body == {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": body["correlationId"],
        "policyName": "TEN_SECONDLY_ROLLING",
        "groupName": "hubassoc-test",
    }
    assert hub.associated_pairs("contacts", "companies") == {("1", "2")}
    time.sleep(0.65)
    assert client.post(pairs(("1", "3"))).status_code == 200
    assert hub.stats()["rate_limited"] == 1


def test_rolling_window_without_retry_after(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(rate_limit=(1, 5.0), retry_after=False)
    client = make_client(hub)
    assert client.post(pairs(("1", "2"))).status_code == 200
    response = client.post(pairs(("1", "2")))
    assert response.status_code == 429 and "Retry-After" not in response.headers
    hub.configure(retry_after=True)
    response = client.post(pairs(("1", "2")))
    assert response.status_code == 429 and response.headers["Retry-After"] == "5"


def test_daily_limit(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(daily_limit=2, rate_limit=None)
    client = make_client(hub)
    assert [client.post(pairs(("1", "2"))).status_code for _ in range(2)] == [200, 200]
    response = client.post(pairs(("1", "3")))
    assert response.status_code == 429
    body = response.json()
    assert body["policyName"] == "DAILY" and body["message"] == "You have reached your daily limit."
    assert response.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    assert ("1", "3") not in hub.associated_pairs("contacts", "companies")
    hub.new_day()
    assert client.post(pairs(("1", "3"))).status_code == 200


def test_unauthenticated_requests_do_not_spend_the_window(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(rate_limit=(1, 5.0))
    client = make_client(hub)
    assert client.post(pairs(("1", "2")), token=None).status_code == 401
    assert client.post(pairs(("1", "2"))).status_code == 200
