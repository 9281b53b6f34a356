"""Associations per second against a HubSpot-like sandbox: hubassoc and the loops users write.

One run, side by side on the same sandbox (its state reset between contenders), in its own
process (see ``_common.SandboxProcess``, so each contender's CPU time is its own):

(a) ``df.hubassoc.associate`` with its defaults: only ``token``, ``base_url`` and
    ``progress=False`` are given (batch size, rate limit, workers are its own);
(b) HubSpot's Python SDK (``hubspot-api-client``), ``batch_api.create_default`` called in a
    plain loop, sleeping per ``Retry-After`` (else 1 s) on a 429;
(c) a ``requests.Session`` loop posting the same batches with the same 429 handling;
(d) eight threads of (c) taking batches from one queue.

The sandbox is HubSpot-like: 150 requests per rolling 10 s, advertised in the
``X-HubSpot-RateLimit-*`` headers, and answers that take longer for larger batches. Two more
cases run hubassoc alone: the headers advertising 190 per 10 s while 150 are enforced (HubSpot
meters association calls in their own bucket), and another process spending a fifth of the
token's budget. Prints a table per case and writes ``benchmarks/results/throughput.json``.
Never fails on timing.

    python benchmarks/throughput.py                     # full size, about 7 minutes
    python benchmarks/throughput.py --quick             # seconds, for the smoke test
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
from _contenders import COMPANIES, CONTENDERS, FROM_TYPE, TO_TYPE, make_frame

RESULTS = RESULTS_DIR / "throughput.json"
BATCH = 2000  # HubSpot's documented cap for batch create requests, hubassoc's default

#: name -> (title, sandbox settings beyond the base ones, contenders, share others spend)
CASES: dict[str, tuple[str, dict[str, Any], tuple[str, ...], float]] = {
    "hubspot_like": ("HubSpot-like", {}, ("hubassoc", "sdk", "requests", "threads"), 0.0),
    "header_mismatch": (
        "headers say 190 per 10 s, 150 enforced",
        {"advertised": 190},
        ("hubassoc",),
        0.0,
    ),
    "shared_token": (
        "another process spends a fifth of the same budget",
        {"background_share": 0.2},
        ("hubassoc",),
        0.2,
    ),
}


def sandbox_options(args: argparse.Namespace, extra: dict[str, Any]) -> dict[str, Any]:
    """The sandbox's settings for one case."""
    options: dict[str, Any] = {
        "rate_limit": [args.rate, args.window],
        "rate_limit_headers": True,
        "latency": args.latency,
        "latency_per_input": args.latency_per_input,
        "max_batch_size": BATCH,
        "log_bodies": False,
    }
    if "advertised" in extra:  # as 190 is to 150
        options["rate_limit"] = [round(args.rate * extra["advertised"] / 150), args.window]
        options["enforced_rate_limit"] = [args.rate, args.window]
    if "background_share" in extra:
        options["background_rate"] = extra["background_share"] * args.rate / args.window
    return options


def measure(
    name: str, frame: Any, hub: SandboxProcess, args: argparse.Namespace, others: float
) -> dict[str, Any]:
    """Run one contender and check what it claims against what the sandbox stored."""
    label, runner, capped = CONTENDERS[name]
    hub.reset()
    outcome = runner(frame, hub.url, hub.token, BATCH, args.baseline_seconds if capped else None)
    elapsed = outcome.seconds
    stats = hub.stats()
    stored = hub.associated_pairs(FROM_TYPE, TO_TYPE)
    timeline = hub.timeline()
    scope = set(outcome.in_scope)
    lost_detail = {
        "claimed_not_stored": len(outcome.claimed - stored),
        "stored_not_claimed": len((stored & scope) - outcome.claimed),
        "stored_outside_scope": len(stored - scope),
        "no_outcome_reported": len(scope - outcome.claimed - outcome.reported_failed),
        "rows_missing_from_results": outcome.missing_rows,
    }
    allowed_per_s = args.rate / args.window * (1 - others)
    served = [t for t, status, _ in timeline if 200 <= status < 300]
    refused = [t for t, status, _ in timeline if status == 429]
    start = min((t for t, _, _ in timeline), default=0.0)
    end = max((t for t, _, _ in timeline), default=0.0)
    # pacing: arrivals from the first window's end to the last one, the client's own work
    # before the first request and after the last answer left out
    late_served = sum(1 for t in served if t >= start + args.window)
    late_refused = sum(1 for t in refused if t >= start + args.window)
    late_seconds = max(end - start - args.window, 1e-9)
    associated = len(outcome.claimed & stored)
    return {
        "contender": label,
        "rows_in_scope": len(scope),
        "associated": associated,
        "seconds": round(elapsed, 2),
        "pairs_per_s": round(associated / elapsed, 1) if elapsed else 0.0,
        "share_of_pairs_ceiling": round(associated / elapsed / (allowed_per_s * BATCH), 4),
        "requests": len(timeline),
        "requests_2xx": len(served),
        "share_of_allowed_requests": round(len(served) / (allowed_per_s * elapsed), 4),
        "share_of_allowed_after_first_window": round(
            late_served / (allowed_per_s * late_seconds), 4
        ),
        "rate_limited_429": len(refused),
        "rate_limited_share": round(len(refused) / len(timeline), 4) if timeline else 0.0,
        "rate_limited_after_first_window": late_refused,
        "rate_limited_share_after_first_window": round(
            late_refused / max(1, sum(1 for t, _, _ in timeline if t >= start + args.window)), 4
        ),
        "lost": sum(lost_detail.values()),
        "lost_detail": lost_detail,
        "client_cpu_s": round(outcome.cpu_seconds, 2),
        "client_cpu_ms_per_request": round(outcome.cpu_seconds * 1000 / len(served), 2)
        if served
        else None,
        "max_in_flight": stats["max_in_flight"],
        "note": outcome.note,
    }


TABLE = [
    ("contender", "contender"),
    ("pairs/s", "pairs_per_s"),
    ("of pairs/s ceiling", "share_of_pairs_ceiling"),
    ("of allowed requests", "share_of_allowed_requests"),
    ("pacing, after 1st window", "share_of_allowed_after_first_window"),
    ("429s", "rate_limited_429"),
    ("429s after 1st window", "rate_limited_share_after_first_window"),
    ("lost", "lost"),
    ("client CPU s", "client_cpu_s"),
    ("CPU ms/request", "client_cpu_ms_per_request"),
    ("seconds", "seconds"),
]
PERCENT = {
    "share_of_pairs_ceiling",
    "share_of_allowed_requests",
    "share_of_allowed_after_first_window",
    "rate_limited_share_after_first_window",
}


def print_case(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{title}")
    cells = [[f"{r[key]:.1%}" if key in PERCENT else r[key] for _, key in TABLE] for r in rows]
    print(format_table([header for header, _ in TABLE], cells))


def goals_of(row: dict[str, Any]) -> dict[str, bool]:
    """The goals for hubassoc in one case."""
    return {
        "pairs_ceiling_at_least_95pct": row["share_of_pairs_ceiling"] >= 0.95,
        "allowed_requests_at_least_97pct": row["share_of_allowed_requests"] >= 0.97,
        "paced_requests_at_least_97pct": row["share_of_allowed_after_first_window"] >= 0.97,
        "under_half_pct_429_after_first_window": row["rate_limited_share_after_first_window"]
        < 0.005,
        "nothing_lost": row["lost"] == 0,
    }


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=2_400_000, help="pairs to associate")
    parser.add_argument("--rate", type=int, default=150, help="requests allowed per window")
    parser.add_argument("--window", type=float, default=10.0, help="window, seconds")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per answer")
    parser.add_argument(
        "--latency-per-input", type=float, default=0.00025, help="seconds more per input"
    )
    parser.add_argument(
        "--baseline-seconds", type=float, default=30.0, help="time cap of loops (b) and (c)"
    )
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=list(CASES))
    parser.add_argument(
        "--sandbox-rate-seconds", type=float, default=2.0, help="sandbox's own rate check"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(None if argv is None else list(argv))
    if args.quick:
        args.rows = min(args.rows, 24_000)
        args.rate, args.window = min(args.rate, 30), min(args.window, 1.0)
        args.latency = min(args.latency, 0.02)
        args.latency_per_input = min(args.latency_per_input, 0.00001)
        args.baseline_seconds = min(args.baseline_seconds, 0.5)
        args.sandbox_rate_seconds = min(args.sandbox_rate_seconds, 0.5)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the cases, print the tables, write the JSON. Returns 0."""
    args = parse(argv)
    frame = make_frame(args.rows)
    answer = args.latency + args.latency_per_input * BATCH
    setup = {
        "rows": args.rows,
        "batch_size": BATCH,
        "rate_limit": [args.rate, args.window],
        "latency_s": args.latency,
        "latency_per_input_s": args.latency_per_input,
        "quick": args.quick,
        **machine(),
    }
    print(f"Throughput: batch associate default, {args.rows:,} distinct pairs whose IDs exist.")
    print(
        f"  Sandbox: {args.rate} requests per rolling {args.window:g} s, advertised in "
        f"X-HubSpot-RateLimit-* headers; an answer takes {args.latency * 1000:.0f} ms + "
        f"{args.latency_per_input * 1000:g} ms per input ({answer:.2f} s for {BATCH:,})."
    )
    print(
        f"  Ceiling: {args.rate / args.window:g} requests/s x {BATCH:,} = "
        f"{args.rate / args.window * BATCH:,.0f} pairs/s (less what another process spends)."
    )
    print(
        "  (a) gets only token, base_url and progress=False; (b), (c) send one batch at a "
        f"time, capped at {args.baseline_seconds:g} s; (d) 8 threads; all of (b)-(d) sleep "
        "per Retry-After on a 429 and send batches of 2,000."
    )
    print(
        "  'of allowed requests' is 2xx answers / (allowed per s x the whole call); 'pacing, "
        "after 1st window' counts the sandbox's arrivals from the first window's end to the "
        "last arrival (the client's work before its first request and after its last answer, "
        "and the first window, left out). CPU is the benchmark process's."
    )
    print(f"  {describe_machine(setup)}")
    sys.stdout.flush()
    results: dict[str, Any] = {}
    goals: dict[str, Any] = {}
    records = {FROM_TYPE: (1, max(1, args.rows)), TO_TYPE: (1, COMPANIES)}
    for case in args.cases:
        title, extra, contenders, others = CASES[case]
        rows = []
        with SandboxProcess(records, **sandbox_options(args, extra)) as hub:
            for name in contenders:
                row = measure(name, frame, hub, args, others)
                rows.append(row)
                print(
                    f"  done: {title}: {row['contender']}: {row['associated']:,} associated "
                    f"in {row['seconds']} s. {row['note']}",
                    flush=True,
                )
        results[case] = rows
        goals[case] = goals_of(rows[0])
    for case in args.cases:
        print_case(CASES[case][0], results[case])
        print(
            "  Goals for hubassoc: "
            + ", ".join(f"{k} {'MET' if v else 'MISSED'}" for k, v in goals[case].items())
        )
    sandbox_rate = sandbox_rate_check(args.sandbox_rate_seconds)
    if sandbox_rate is not None:
        print_sandbox_rate(sandbox_rate)
    write_json(
        args.output,
        {"setup": setup, "results": results, "goals": goals, "sandbox_rate": sandbox_rate},
    )
    print(f"  written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
