"""Many requests in flight at once: nothing lost, nothing blocked."""

from __future__ import annotations

import socket
import threading
from typing import Any

import requests
from sandbox_testkit import endpoint, pairs

from hubassoc_pandas.sandbox import Sandbox


def test_48_threads_in_flight_no_lost_associations(make_hub: Any) -> None:
    hub = make_hub(
        records={"contacts": range(1, 100_001), "companies": range(1, 1001)},
        rate_limit=None,
        latency=0.25,
        log_bodies=False,
    )
    threads, per_thread, batch = 48, 3, 20
    failures: list[str] = []
    barrier = threading.Barrier(threads)

    def work(index: int) -> None:
        with requests.Session() as session:
            barrier.wait()
            for round_ in range(per_thread):
                base = (index * per_thread + round_) * batch
                inputs = pairs(*[(str(base + i + 1), str(i + 1)) for i in range(batch)])
                response = session.post(
                    hub.url + endpoint(),
                    json={"inputs": inputs},
                    headers={"Authorization": f"Bearer {hub.token}"},
                    timeout=10,
                )
                if response.status_code != 200 or len(response.json()["results"]) != 2 * batch:
                    failures.append(f"{response.status_code} {response.text[:200]}")

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    stats = hub.stats()
    assert stats["max_in_flight"] >= 32
    assert stats["associations_stored"] == threads * per_thread * batch
    assert len(hub.associated_pairs("contacts", "companies")) == threads * per_thread * batch
    assert len(hub.requests) == threads * per_thread


def test_binds_loopback_only() -> None:
    with Sandbox(records={"contacts": [1]}) as hub:
        assert hub.url.startswith("http://127.0.0.1:")
        # The port is not reachable through another local interface address.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect(("10.255.255.255", 1))
                own_address = probe.getsockname()[0]
            except OSError:
                own_address = "127.0.0.1"
        if not own_address.startswith("127."):
            with socket.socket() as sock:
                sock.settimeout(1)
                assert sock.connect_ex((own_address, hub.port)) != 0


def test_localhost_maps_to_ipv4_loopback() -> None:
    hub = Sandbox(host="localhost", records={"contacts": [1]})
    with hub:
        assert hub.url.startswith("http://127.0.0.1:")


def test_start_close_without_with() -> None:
    hub = Sandbox(records={"contacts": [1]})
    assert hub.start() is hub
    assert hub.start() is hub
    port = hub.port
    hub.close()
    hub.close()
    with socket.socket() as sock:
        sock.settimeout(1)
        assert sock.connect_ex(("127.0.0.1", port)) != 0
