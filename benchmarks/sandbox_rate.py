"""How many association inputs per second the sandbox answers at zero latency.

Starts a :class:`~hubassoc_pandas.sandbox.Sandbox` (no rate limit, no latency) in its own
process (or, with ``--in-process``, in this one), drives it from N client threads, each with
its own keep-alive ``http.client`` connection posting batch associate/default requests of
fresh pairs (bodies encoded before the clock starts, so the client costs little), prints a
small table and writes ``benchmarks/results/sandbox_rate.json``. Never fails on timing.

    python benchmarks/sandbox_rate.py --seconds 5 --threads 8 --batch-size 2000
    python benchmarks/sandbox_rate.py --log-bodies          # with the request log keeping bodies
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hubassoc_pandas.sandbox import Sandbox  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "sandbox_rate.json"
PATH = "/crm/associations/2026-03/contacts/companies/batch/associate/default"
CONTACTS, COMPANIES = 10_000_000, 5_000
BODIES_PER_THREAD = 40  # 8 threads x 40 x 2,000: 640,000 distinct pairs, more than 5 s use


class _Child:
    """``hubassoc sandbox`` in a child process, stopped with SIGINT; its CPU time from /proc."""

    def __init__(self, batch_size: int, log_bodies: bool) -> None:
        self.argv = [
            sys.executable, "-m", "hubassoc_pandas.sandbox",
            "--records", f"contacts=1-{CONTACTS}", f"companies=1-{COMPANIES}",
            "--rate-limit", "none", "--max-batch-size", str(max(2000, batch_size)),
        ]  # fmt: skip
        if log_bodies:
            self.argv.append("--log-bodies")
        self.process: subprocess.Popen[str] | None = None
        self.url = self.token = ""
        self.summary = ""

    def __enter__(self) -> _Child:
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip().rsplit(" ", 1)[-1]
        self.token = self.process.stdout.readline().strip().rsplit(" ", 1)[-1]
        while not self.process.stdout.readline().startswith("Press Ctrl-C"):
            pass  # how to point the command at it
        return self

    def cpu_seconds(self) -> float | None:
        """User + system CPU seconds the child has used (None where /proc is not available)."""
        assert self.process is not None
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            out, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        self.summary = out.strip().splitlines()[-1] if out.strip() else ""


def _bodies(index: int, batch_size: int) -> list[bytes]:
    """Request bodies of fresh pairs for one thread (cycled if the run outlasts them)."""
    bodies = []
    for sequence in range(BODIES_PER_THREAD):
        base = (index * BODIES_PER_THREAD + sequence) * batch_size % (CONTACTS - batch_size)
        inputs = [
            {"from": {"id": str(base + i + 1)}, "to": {"id": str((base + i) % COMPANIES + 1)}}
            for i in range(batch_size)
        ]
        bodies.append(json.dumps({"inputs": inputs}).encode())
    return bodies


def _worker(
    address: tuple[str, int],
    token: str,
    bodies: list[bytes],
    start: threading.Barrier,
    deadline: list[float],
    latencies: list[float],
    statuses: dict[int, int],
    lock: threading.Lock,
) -> None:
    connection = http.client.HTTPConnection(*address, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    own: list[float] = []
    codes: dict[int, int] = {}
    start.wait()
    try:
        sequence = 0
        while time.perf_counter() < deadline[0]:
            sent = time.perf_counter()
            connection.request("POST", PATH, body=bodies[sequence % len(bodies)], headers=headers)
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


def _drive(url: str, token: str, seconds: float, threads: int, batch_size: int) -> dict[str, Any]:
    """Drive a running sandbox; return requests, latencies and statuses."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(threads + 1)
    deadline = [0.0]
    workers = [
        threading.Thread(
            target=_worker,
            args=(
                address,
                token,
                _bodies(i, batch_size),
                start,
                deadline,
                latencies,
                statuses,
                lock,
            ),
            daemon=True,
        )
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for worker in workers:
        worker.join()
    return {
        "elapsed": time.perf_counter() - began,
        "latencies": latencies,
        "statuses": statuses,
    }


def run(
    seconds: float,
    threads: int,
    batch_size: int,
    *,
    in_process: bool = False,
    log_bodies: bool = False,
) -> dict[str, Any]:
    """Drive a fresh sandbox for ``seconds`` and return the measured figures."""
    options: dict[str, Any] = {
        "rate_limit": None,
        "log_bodies": log_bodies,
        "max_batch_size": max(2000, batch_size),
    }
    cpu: float | None = None
    stored: int | None = None
    in_flight: int | None = None
    if in_process:
        records = {"contacts": range(1, CONTACTS + 1), "companies": range(1, COMPANIES + 1)}
        with Sandbox(records=records, **options) as hub:
            measured = _drive(hub.url, hub.token, seconds, threads, batch_size)
            stats = hub.stats()
            stored, in_flight = stats["associations_stored"], stats["max_in_flight"]
    else:
        with _Child(batch_size, log_bodies) as child:
            before = child.cpu_seconds()
            measured = _drive(child.url, child.token, seconds, threads, batch_size)
            after = child.cpu_seconds()
            cpu = None if before is None or after is None else after - before
        found = re.search(r"(\d+) associations stored", child.summary)
        stored = int(found.group(1)) if found else None
    elapsed = measured["elapsed"]
    done = len(measured["latencies"])
    ordered = sorted(measured["latencies"]) or [0.0]
    return {
        "seconds": round(elapsed, 3),
        "threads": threads,
        "batch_size": batch_size,
        "sandbox": "in this process" if in_process else "in its own process",
        "log_bodies": log_bodies,
        "requests": done,
        "requests_per_s": round(done / elapsed, 1) if elapsed else 0.0,
        "inputs_per_s": round(done * batch_size / elapsed, 1) if elapsed else 0.0,
        "sandbox_cpu_per_request_ms": round(cpu / done * 1000, 2)
        if cpu is not None and done
        else None,
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 2),
        "statuses": {str(k): v for k, v in sorted(measured["statuses"].items())},
        "max_in_flight": in_flight,
        "associations_stored": stored,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print a table and write the JSON results. Always returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to drive (default 5)")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    parser.add_argument(
        "--batch-size", type=int, default=2000, help="inputs per request (default 2000)"
    )
    parser.add_argument(
        "--in-process", action="store_true", help="serve from this process (shares its GIL)"
    )
    parser.add_argument("--log-bodies", action="store_true", help="keep bodies in the request log")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(None if argv is None else list(argv))
    result = run(
        args.seconds,
        args.threads,
        args.batch_size,
        in_process=args.in_process,
        log_bodies=args.log_bodies,
    )
    print(
        f"sandbox rate: {result['threads']} threads x keep-alive http.client, "
        f"{result['batch_size']} inputs/request, {result['seconds']} s, sandbox "
        f"{result['sandbox']}, bodies {'logged' if result['log_bodies'] else 'not logged'}, "
        f"Python {result['python']} on {result['cpus']} CPUs"
    )
    rows = [
        ("requests", result["requests"]),
        ("requests/s", result["requests_per_s"]),
        ("inputs/s", result["inputs_per_s"]),
        ("sandbox CPU/request (ms)", result["sandbox_cpu_per_request_ms"]),
        ("p50 latency (ms)", result["p50_ms"]),
        ("p95 latency (ms)", result["p95_ms"]),
        ("max in flight", result["max_in_flight"]),
        ("statuses", result["statuses"]),
    ]
    for label, value in rows:
        print(f"  {label:<25} {value}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"  written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
