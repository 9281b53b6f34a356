"""How many batch requests per second the sandbox answers at zero latency.

Starts a :class:`~hubassoc_pandas.sandbox.Sandbox` (no rate limit, no latency, no body
logging), drives it from N client threads, each with its own keep-alive ``http.client``
connection posting batches of fresh pairs, prints a small table and writes
``benchmarks/results/sandbox_rate.json``. Never fails on timing.

    python benchmarks/sandbox_rate.py --seconds 5 --threads 32 --batch-size 100
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubassoc_pandas.sandbox import Sandbox

RESULTS = Path(__file__).resolve().parent / "results" / "sandbox_rate.json"
PATH = "/crm/associations/2026-03/contacts/companies/batch/associate/default"


def _worker(
    port: int,
    token: str,
    index: int,
    batch_size: int,
    deadline: float,
    latencies: list[float],
    statuses: dict[int, int],
    lock: threading.Lock,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    own: list[float] = []
    codes: dict[int, int] = {}
    sequence = 0
    try:
        while time.perf_counter() < deadline:
            base = (index * 1_000_000 + sequence * batch_size) % 9_000_000
            inputs = [
                {"from": {"id": str(base + i + 1)}, "to": {"id": str((base + i) % 5_000 + 1)}}
                for i in range(batch_size)
            ]
            body = json.dumps({"inputs": inputs})
            sent = time.perf_counter()
            connection.request("POST", PATH, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            own.append(time.perf_counter() - sent)
            codes[response.status] = codes.get(response.status, 0) + 1
            sequence += 1
    finally:
        connection.close()
        with lock:
            latencies.extend(own)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count


def run(seconds: float, threads: int, batch_size: int) -> dict[str, Any]:
    """Drive a fresh sandbox for ``seconds`` and return the measured figures."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    records = {"contacts": range(1, 10_000_001), "companies": range(1, 5_001)}
    with Sandbox(
        records=records, rate_limit=None, log_bodies=False, max_batch_size=max(1000, batch_size)
    ) as hub:
        start = time.perf_counter()
        deadline = start + seconds
        workers = [
            threading.Thread(
                target=_worker,
                args=(hub.port, hub.token, i, batch_size, deadline, latencies, statuses, lock),
                daemon=True,
            )
            for i in range(threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - start
        stats = hub.stats()
    done = len(latencies)
    ordered = sorted(latencies) or [0.0]
    return {
        "seconds": round(elapsed, 3),
        "threads": threads,
        "batch_size": batch_size,
        "requests": done,
        "requests_per_s": round(done / elapsed, 1) if elapsed else 0.0,
        "inputs_per_s": round(done * batch_size / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "max_in_flight": stats["max_in_flight"],
        "associations_stored": stats["associations_stored"],
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print a table and write the JSON results. Always returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to drive (default 5)")
    parser.add_argument("--threads", type=int, default=32, help="client threads (default 32)")
    parser.add_argument(
        "--batch-size", type=int, default=100, help="inputs per request (default 100)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(None if argv is None else list(argv))
    result = run(args.seconds, args.threads, args.batch_size)
    print(
        f"sandbox rate: {result['threads']} threads x keep-alive http.client, "
        f"{result['batch_size']} inputs/request, {result['seconds']} s, "
        f"Python {result['python']} on {result['cpus']} CPUs (client and server in one process)"
    )
    rows = [
        ("requests", result["requests"]),
        ("requests/s", result["requests_per_s"]),
        ("inputs/s", result["inputs_per_s"]),
        ("p50 latency (ms)", result["p50_ms"]),
        ("p95 latency (ms)", result["p95_ms"]),
        ("max in flight", result["max_in_flight"]),
        ("statuses", result["statuses"]),
    ]
    for label, value in rows:
        print(f"  {label:<18} {value}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"  written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
