"""A limit enforced below the advertised one, and another process sharing the token's budget."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sandbox_testkit import association_path, pairs

from hubassoc_pandas.sandbox.meters import RollingWindow


@pytest.mark.parametrize(
    ("limit", "background", "events", "remaining"),
    [
        # (time, "own" request or "look") -> remaining after the last event
        (10, 0.0, [(0.0, "own"), (1.0, "own")], 8),
        (10, 1.0, [(0.0, "own")], 8),  # the background's first request lands at first use
        (10, 1.0, [(0.0, "own"), (4.5, "look")], 4),
        (10, 1.0, [(0.0, "own"), (12.0, "look")], 0),  # saturated: 10 background in any 10 s
        (10, 0.5, [(0.0, "own"), (25.0, "look")], 5),  # old background requests expire
        (3, 10.0, [(0.0, "look"), (5.0, "own")], 0),
    ],
)
def test_background_spends_the_window(
    limit: int, background: float, events: list[tuple[float, str]], remaining: int
) -> None:
    window = RollingWindow(limit, 10.0, background=background)
    for moment, kind in events:
        if kind == "own":
            window.try_acquire(moment)
        else:
            window.remaining(moment)
    assert window.remaining(events[-1][0]) == remaining


def test_background_leaves_room_refused_to_it() -> None:
    window = RollingWindow(2, 10.0, background=100.0)
    assert window.remaining(0.0) == 1  # first use: the other process's first request
    assert not window.try_acquire(0.5)  # it filled the window first
    assert window.remaining(10.5) == 0  # it keeps the window full as its requests expire
    window.clear()
    assert window.try_acquire(20.0)  # first use again: one background request, then ours


def test_release_gives_back_the_last_request() -> None:
    window = RollingWindow(1, 10.0)
    assert window.try_acquire(0.0)
    window.release()
    assert window.try_acquire(0.1)


def test_enforced_limit_below_the_advertised_one(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(rate_limit=(10, 60.0), enforced_rate_limit=(3, 60.0))
    client = make_client(hub)
    codes = [client.post(pairs(("1", str(n)))).status_code for n in range(1, 5)]
    assert codes == [200, 200, 200, 429]
    refused = client.post(pairs(("1", "9")))
    assert refused.status_code == 429
    assert refused.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    # The headers still advertise the general window, which refused calls did not spend.
    assert refused.headers["X-HubSpot-RateLimit-Max"] == "10"
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "7"
    assert int(refused.headers["Retry-After"]) >= 59
    # Calls that are not batch association calls only meet the advertised window.
    labels = client.call(association_path("labels"), method="GET")
    assert labels.status_code == 200 and labels.headers["X-HubSpot-RateLimit-Remaining"] == "6"
    read = client.call(association_path("batch/read"), {"inputs": [{"id": "1"}]})
    assert read.status_code == 429
    assert hub.associated_pairs("contacts", "companies") == {("1", "1"), ("1", "2"), ("1", "3")}


def test_advertised_window_refusal_does_not_spend_the_enforced_one(
    make_hub: Any, make_client: Any
) -> None:
    hub = make_hub(rate_limit=(2, 60.0), enforced_rate_limit=(3, 60.0))
    client = make_client(hub)
    assert [client.post(pairs(("1", "1"))).status_code for _ in range(3)] == [200, 200, 429]
    hub.configure(rate_limit=(5, 60.0))  # a fresh advertised window
    assert client.post(pairs(("1", "1"))).status_code == 200  # the enforced one had room left


def test_background_rate_shows_in_remaining(make_hub: Any, make_client: Any) -> None:
    hub = make_hub(rate_limit=(1000, 10.0), background_rate=50.0)
    client = make_client(hub)
    first = client.post(pairs(("1", "2")))
    assert first.headers["X-HubSpot-RateLimit-Remaining"] == "998"  # ours and the other's
    time.sleep(0.1)
    second = client.post(pairs(("1", "2")))
    assert int(second.headers["X-HubSpot-RateLimit-Remaining"]) <= 997 - 5
    hub.configure(background_rate=0.0)
    assert client.post(pairs(("1", "2"))).headers["X-HubSpot-RateLimit-Remaining"] == "999"


def test_rate_mode_options_are_checked(make_hub: Any) -> None:
    with pytest.raises(ValueError, match="background_rate"):
        make_hub(background_rate=-1.0)
    with pytest.raises(ValueError, match="enforced_rate_limit"):
        make_hub(enforced_rate_limit=(0, 10.0))
