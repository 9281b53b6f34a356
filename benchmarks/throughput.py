"""Associations per second against a rate-limited, slow sandbox: hubassoc and two baselines.

One run, side by side on the same sandbox (its state reset between contenders):

(a) ``df.hubassoc.associate`` with its defaults: only ``token``, ``base_url`` and
    ``progress=False`` are given; the rate limit is learnt from the response headers;
(b) HubSpot's Python SDK (``hubspot-api-client``), ``batch_api.create_default`` called in a
    plain loop over batches of 100, sleeping per ``Retry-After`` (else 1 s) on a 429;
(c) a ``requests.Session`` loop posting the same batches with the same 429 handling.

The sandbox runs in a child process (see ``_common.SandboxProcess``), so the CPU seconds
reported for each contender are the benchmark process's own. Prints a table and writes
``benchmarks/results/throughput.json``. Never fails on timing.

    python benchmarks/throughput.py                     # full size, a few minutes
    python benchmarks/throughput.py --quick             # seconds, for the smoke test
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    RESULTS_DIR,
    SandboxProcess,
    describe_machine,
    format_table,
    machine,
    print_sandbox_rate,
    sandbox_rate_check,
    write_json,
)

RESULTS = RESULTS_DIR / "throughput.json"
FROM_TYPE, TO_TYPE = "contacts", "companies"
COMPANIES = 50_000
BATCH = 100

Pair = tuple[str, str]


@dataclass
class Outcome:
    """What one contender did, in its own words."""

    claimed: set[Pair] = field(default_factory=set)  # pairs it reports as associated
    reported_failed: set[Pair] = field(default_factory=set)  # pairs it reports as not done
    in_scope: list[Pair] = field(default_factory=list)  # pairs it was asked to (or did) send
    missing_rows: int = 0  # input rows with no reported outcome at all
    note: str = ""
    seconds: float = 0.0  # wall time of the contender's own work, not of this bookkeeping
    cpu_seconds: float = 0.0  # process CPU time over the same span


class _Clock:
    """Wall and process CPU time over a span, written into an :class:`Outcome`."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc_info: object) -> None:
        self.outcome.seconds = time.perf_counter() - self.wall
        self.outcome.cpu_seconds = time.process_time() - self.cpu


def make_frame(rows: int) -> pd.DataFrame:
    """``rows`` distinct contact -> company pairs whose IDs exist in the sandbox."""
    contact = np.arange(1, rows + 1, dtype=np.int64)
    company = (contact * 7919) % COMPANIES + 1
    return pd.DataFrame({"contact_id": contact, "company_id": company})


def wire_pairs(frame: pd.DataFrame) -> list[Pair]:
    return list(
        zip(
            frame["contact_id"].astype(str).tolist(),
            frame["company_id"].astype(str).tolist(),
            strict=True,
        )
    )


# -- contenders ------------------------------------------------------------------------------


def run_hubassoc(frame: pd.DataFrame, url: str, token: str, cap: float | None) -> Outcome:
    """(a) the package, defaults only: no rate_limit, no max_workers, no batch_size."""
    import hubassoc_pandas  # noqa: F401  (registers the accessor)

    outcome = Outcome()
    with _Clock(outcome):
        results = frame.hubassoc.associate(
            FROM_TYPE,
            TO_TYPE,
            from_col="contact_id",
            to_col="company_id",
            token=token,
            base_url=url,
            progress=False,
        )
    outcome.in_scope = wire_pairs(frame)
    pairs = list(zip(results["from_id"].tolist(), results["to_id"].tolist(), strict=True))
    status = results["status"].astype(str).to_numpy()
    outcome.claimed = {p for p, s in zip(pairs, status, strict=True) if s == "associated"}
    outcome.reported_failed = {p for p, s in zip(pairs, status, strict=True) if s != "associated"}
    outcome.missing_rows = len(frame) - len(results) + int(results["status"].isna().sum())
    record = results.attrs["hubassoc"]
    outcome.note = (
        f"{record['requests']} requests, {record['rate_limited_responses']} answered 429, "
        f"rate_limit in attrs: {record['rate_limit']}"
    )
    return outcome


def _batches(pairs: list[Pair]) -> list[list[Pair]]:
    return [pairs[i : i + BATCH] for i in range(0, len(pairs), BATCH)]


def run_sdk(frame: pd.DataFrame, url: str, token: str, cap: float | None) -> Outcome:
    """(b) HubSpot's SDK in the loop its users write: one batch after another."""
    from hubspot import HubSpot
    from hubspot.crm.associations.v4 import (
        ApiException,
        BatchInputPublicDefaultAssociationMultiPost,
        PublicDefaultAssociationMultiPost,
        PublicObjectId,
    )

    outcome = Outcome()
    with _Clock(outcome):
        started = time.perf_counter()
        client = HubSpot(access_token=token)
        api = client.crm.associations.v4.batch_api
        api.api_client.configuration.host = url
        try:
            for batch in _batches(wire_pairs(frame)):
                if cap is not None and time.perf_counter() - started >= cap:
                    outcome.note = f"stopped after {cap:g} s (time cap)"
                    break
                outcome.in_scope.extend(batch)
                body = BatchInputPublicDefaultAssociationMultiPost(
                    inputs=[
                        PublicDefaultAssociationMultiPost(
                            _from=PublicObjectId(id=f), to=PublicObjectId(id=t)
                        )
                        for f, t in batch
                    ]
                )
                while True:
                    try:
                        api.create_default(
                            from_object_type=FROM_TYPE,
                            to_object_type=TO_TYPE,
                            batch_input_public_default_association_multi_post=body,
                        )
                    except ApiException as exc:
                        if exc.status == 429:
                            headers = exc.headers or {}
                            time.sleep(float(headers.get("Retry-After") or 1))
                            continue
                        outcome.reported_failed.update(batch)
                        break
                    outcome.claimed.update(batch)
                    break
        finally:
            api.api_client.rest_client.pool_manager.clear()
    return outcome


def run_requests(frame: pd.DataFrame, url: str, token: str, cap: float | None) -> Outcome:
    """(c) a plain requests loop: same batches, same 429 handling."""
    import requests

    endpoint = f"{url}/crm/v4/associations/{FROM_TYPE}/{TO_TYPE}/batch/associate/default"
    outcome = Outcome()
    started = time.perf_counter()
    with _Clock(outcome), requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        for batch in _batches(wire_pairs(frame)):
            if cap is not None and time.perf_counter() - started >= cap:
                outcome.note = f"stopped after {cap:g} s (time cap)"
                break
            outcome.in_scope.extend(batch)
            payload = {"inputs": [{"from": {"id": f}, "to": {"id": t}} for f, t in batch]}
            while True:
                response = session.post(endpoint, json=payload, timeout=60)
                if response.status_code == 429:
                    time.sleep(float(response.headers.get("Retry-After") or 1))
                    continue
                if response.ok:
                    outcome.claimed.update(batch)
                else:
                    outcome.reported_failed.update(batch)
                break
    return outcome


CONTENDERS: dict[str, tuple[str, Callable[..., Outcome], bool]] = {
    "hubassoc": ("hubassoc (defaults)", run_hubassoc, False),
    "sdk": ("hubspot-api-client loop", run_sdk, True),
    "requests": ("requests loop", run_requests, True),
}


# -- measuring -------------------------------------------------------------------------------


def measure(
    name: str,
    frame: pd.DataFrame,
    hub: SandboxProcess,
    rate: int,
    window: float,
    cap: float | None,
) -> dict[str, Any]:
    label, runner, capped = CONTENDERS[name]
    hub.reset()
    server_cpu = hub.cpu_seconds()
    outcome = runner(frame, hub.url, hub.token, cap if capped else None)
    elapsed, client_cpu = outcome.seconds, outcome.cpu_seconds
    server_cpu = hub.cpu_seconds() - server_cpu
    stats = hub.stats()
    stored = hub.associated_pairs(FROM_TYPE, TO_TYPE)

    scope = set(outcome.in_scope)
    confirmed = outcome.claimed & stored
    claimed_not_stored = len(outcome.claimed - stored)
    stored_not_claimed = len((stored & scope) - outcome.claimed)
    stored_outside_scope = len(stored - scope)
    unreported = len(scope - outcome.claimed - outcome.reported_failed)
    lost = (
        claimed_not_stored
        + stored_not_claimed
        + stored_outside_scope
        + unreported
        + outcome.missing_rows
    )
    by_status = {int(k): v for k, v in stats["by_status"].items()}
    ok = sum(v for k, v in by_status.items() if 200 <= k < 300)
    allowed = rate / window * elapsed
    requests_made = int(stats["endpoint_requests"])
    throttled = int(stats["rate_limited"])
    return {
        "contender": label,
        "rows_in_scope": len(scope),
        "associated": len(confirmed),
        "not_associated_reported": len(outcome.reported_failed & scope),
        "seconds": round(elapsed, 3),
        "associations_per_s": round(len(confirmed) / elapsed, 1) if elapsed else 0.0,
        "requests": requests_made,
        "requests_2xx": ok,
        "requests_2xx_per_s": round(ok / elapsed, 2) if elapsed else 0.0,
        "share_of_allowed_rate": round(ok / allowed, 4) if allowed else 0.0,
        "rate_limited_429": throttled,
        "rate_limited_share": round(throttled / requests_made, 4) if requests_made else 0.0,
        "lost": lost,
        "lost_detail": {
            "claimed_not_stored": claimed_not_stored,
            "stored_not_claimed": stored_not_claimed,
            "stored_outside_scope": stored_outside_scope,
            "no_outcome_reported": unreported,
            "rows_missing_from_results": outcome.missing_rows,
        },
        "client_cpu_s": round(client_cpu, 2),
        "client_cpu_ms_per_1000_assoc": round(client_cpu * 1e6 / len(confirmed), 1)
        if confirmed
        else None,
        "server_cpu_s": round(server_cpu, 2),
        "max_in_flight": stats["max_in_flight"],
        "note": outcome.note,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table, write the JSON. Returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=120_000, help="pairs to associate")
    parser.add_argument("--rate", type=int, default=50, help="sandbox limit: requests per window")
    parser.add_argument("--window", type=float, default=1.0, help="sandbox window, seconds")
    parser.add_argument("--latency", type=float, default=0.25, help="sandbox latency, seconds")
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=20.0,
        help="time cap for the sequential baselines (b) and (c)",
    )
    parser.add_argument(
        "--contenders",
        nargs="+",
        choices=sorted(CONTENDERS),
        default=list(CONTENDERS),
        help="which contenders to run",
    )
    parser.add_argument(
        "--sandbox-rate-seconds",
        type=float,
        default=2.0,
        help="length of the sandbox's own zero-latency rate check (0: skip)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(None if argv is None else list(argv))
    if args.quick:
        args.rows = min(args.rows, 3_000)
        args.latency = min(args.latency, 0.05)
        args.baseline_seconds = min(args.baseline_seconds, 1.0)
        args.sandbox_rate_seconds = min(args.sandbox_rate_seconds, 0.5)

    frame = make_frame(args.rows)
    setup = {
        "rows": args.rows,
        "batch_size": BATCH,
        "sandbox_rate_limit": [args.rate, args.window],
        "sandbox_rate_limit_headers": True,
        "sandbox_latency_s": args.latency,
        "ceiling_associations_per_s": round(args.rate / args.window * BATCH, 1),
        "baseline_time_cap_s": args.baseline_seconds,
        "quick": args.quick,
        **machine(),
    }
    print("Throughput: batch associate default, contacts -> companies, batches of 100.")
    print(
        f"  Sandbox: rolling limit {args.rate} requests per {args.window:g} s with "
        f"X-HubSpot-RateLimit-* headers, {args.latency * 1000:.0f} ms latency per request, "
        f"{args.rows:,} distinct pairs whose IDs all exist; state reset between contenders."
    )
    print(
        f"  Ceiling: {args.rate / args.window:g} requests/s x {BATCH} = "
        f"{args.rate / args.window * BATCH:,.0f} associations/s."
    )
    print(
        "  (a) hubassoc gets only token, base_url and progress=False: no rate_limit, so it "
        "starts from its default (100 per 10 s) and must learn the real limit from the headers."
    )
    print(
        f"  (b), (c) send one batch at a time, sleeping per Retry-After (else 1 s) on a 429; "
        f"capped at {args.baseline_seconds:g} s, rates measured over what they did."
    )
    print(
        "  The sandbox runs in a child process, so 'client CPU' is the benchmark process's "
        "time.process_time() over the contender's run (all its threads), without the server; "
        "seconds and CPU cover the contender's call or loop only, not this script's checks."
    )
    print(f"  {describe_machine(setup)} Client and sandbox processes share the CPUs.")
    sys.stdout.flush()

    rows: list[dict[str, Any]] = []
    records = {FROM_TYPE: (1, max(1, args.rows)), TO_TYPE: (1, COMPANIES)}
    with SandboxProcess(
        records,
        rate_limit=[args.rate, args.window],
        rate_limit_headers=True,
        latency=args.latency,
        log_bodies=False,
    ) as hub:
        for name in args.contenders:
            result = measure(name, frame, hub, args.rate, args.window, args.baseline_seconds)
            rows.append(result)
            print(
                f"  done: {result['contender']}: {result['associated']:,} associated in "
                f"{result['seconds']} s. {result['note']}",
                flush=True,
            )

    sandbox_rate: dict[str, Any] | None = None
    if args.sandbox_rate_seconds > 0:
        sandbox_rate = sandbox_rate_check(args.sandbox_rate_seconds)

    print()
    print(
        format_table(
            [
                "contender",
                "rows sent",
                "assoc/s",
                "2xx req/s",
                "share of allowed",
                "429s",
                "lost",
                "client CPU s",
                "CPU ms/1k assoc",
                "seconds",
            ],
            [
                [
                    r["contender"],
                    r["rows_in_scope"],
                    r["associations_per_s"],
                    r["requests_2xx_per_s"],
                    f"{r['share_of_allowed_rate']:.1%}",
                    f"{r['rate_limited_429']} ({r['rate_limited_share']:.1%})",
                    r["lost"],
                    r["client_cpu_s"],
                    r["client_cpu_ms_per_1000_assoc"],
                    r["seconds"],
                ]
                for r in rows
            ],
        )
    )
    print(
        "  share of allowed = 2xx requests / (limit per second x elapsed); lost = claimed but "
        "not stored + stored but not claimed + sent rows with no reported outcome."
    )
    goals: dict[str, Any] = {}
    ours = next((r for r in rows if r["contender"] == CONTENDERS["hubassoc"][0]), None)
    if ours is not None:
        goals = {
            "share_of_allowed_rate_at_least_90pct": ours["share_of_allowed_rate"] >= 0.90,
            "rate_limited_under_1pct": ours["rate_limited_share"] < 0.01,
            "nothing_lost": ours["lost"] == 0,
            "at_least_20_s_of_work": ours["seconds"] >= 20.0,
        }
        print(
            "  Goals for hubassoc: "
            + ", ".join(f"{k} {'MET' if v else 'MISSED'}" for k, v in goals.items())
        )
    if sandbox_rate is not None:
        print_sandbox_rate(sandbox_rate)
    write_json(
        args.output,
        {"setup": setup, "results": rows, "goals": goals, "sandbox_rate": sandbox_rate},
    )
    print(f"  written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
