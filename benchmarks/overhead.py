"""Client-side cost with no network: checking and planning, and mapping answers onto rows.

On a frame of ``--rows`` rows (default 1,000,000: float contact IDs with 1% missing, int
company IDs, 1% duplicate pairs, a few junk values), for hubassoc and for a straightforward
per-row pure-Python implementation of the same work (see ``_overhead_work.py``):

* dry run: ``df.hubassoc.associate(..., dry_run=True, progress=False)``: read and check both
  ID columns, deduplicate, plan batches, build the results frame;
* mapping: for every batch of 2,000 unique pairs, the request encoded and the answer (JSON
  bytes: results in both directions, shuffled, two per-input errors in every 50th batch) read
  and mapped onto the pairs and recorded, then the results frame built; the CPU of the
  per-batch part, divided by the batches, is what one 2,000-pair request costs;
* scaling: the dry run on 10,000 to 10,000,000 rows (hubassoc only).

Every measurement runs in a fresh child process, so its first run is what a user's single
call costs and its peak resident memory (``ru_maxrss``) is its own. Prints tables and writes
``benchmarks/results/overhead.json``. Never fails on timing.

    python benchmarks/overhead.py                 # 1,000,000 rows, about five minutes
    python benchmarks/overhead.py --measurements dry_run --scales   # the dry run alone
    python benchmarks/overhead.py --quick         # small, for the smoke test
    python benchmarks/overhead.py --measurements mapping --scales --hubassoc-only  # ~15 s
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    RESULTS_DIR,
    describe_machine,
    format_table,
    machine,
    peak_rss_mb,
    print_sandbox_rate,
    sandbox_rate_check,
    write_json,
)
from _overhead_work import (
    BATCH,
    baseline_dry_run,
    baseline_mapping,
    hubassoc_dry_run,
    hubassoc_mapping,
    make_frame,
)

RESULTS = RESULTS_DIR / "overhead.json"
MEASUREMENTS = ("dry_run", "mapping")
IMPLEMENTATIONS = ("hubassoc", "per-row Python")
SCALES = (10_000, 100_000, 1_000_000, 10_000_000)
GOALS = {"dry_run_s": 0.5, "mapping_s": 1.0, "peak_mb": 600, "batch_cpu_ms": 2.0}
NO_HUGEPAGES = False  # set by --no-hugepages: children run with NUMPY_MADVISE_HUGEPAGE=0


def _run_once(measurement: str, implementation: str, frame: Any) -> tuple[Any, float, Any, Any]:
    if measurement == "dry_run":
        began = time.perf_counter()
        run = hubassoc_dry_run if implementation == "hubassoc" else baseline_dry_run
        results = run(frame)
        return results, time.perf_counter() - began, None, None
    run_mapping = hubassoc_mapping if implementation == "hubassoc" else baseline_mapping
    return run_mapping(frame)


def measure_here(measurement: str, implementation: str, rows: int, repeat: int) -> dict[str, Any]:
    """Run one measurement ``repeat`` times in this process and return its figures; peak
    memory is read after the first run."""
    frame = make_frame(rows)
    import hubassoc_pandas  # noqa: F401  (imported before the clock starts, for both)

    setup_rss = peak_rss_mb()
    results, seconds, batches, batch_cpu = _run_once(measurement, implementation, frame)
    peak = peak_rss_mb()
    counts = results["status"].astype(str).value_counts()
    result_rows = len(results)
    del results
    timings = [seconds]
    for _ in range(repeat - 1):
        timings.append(_run_once(measurement, implementation, frame)[1])
    return {
        "measurement": measurement,
        "implementation": implementation,
        "rows": rows,
        "result_rows": result_rows,
        "first_s": round(seconds, 3),
        "best_s": round(min(timings), 3),
        "seconds_each_run": [round(t, 3) for t in timings],
        "batches": batches,
        "batch_cpu_ms": round(batch_cpu * 1000 / batches, 3) if batches else None,
        "peak_rss_mb": peak,
        "rss_after_input_mb": setup_rss,
        "status_counts": {str(k): int(v) for k, v in sorted(counts.items())},
    }


def in_child(measurement: str, implementation: str, rows: int, repeat: int) -> dict[str, Any]:
    command = [
        sys.executable, str(Path(__file__).resolve()), "--child", measurement, implementation,
        "--rows", str(rows), "--repeat", str(repeat),
    ]  # fmt: skip
    env = dict(os.environ)
    if NO_HUGEPAGES:
        env["NUMPY_MADVISE_HUGEPAGE"] = "0"
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"measurement {measurement}/{implementation} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def in_children(
    measurement: str, implementation: str, rows: int, repeat: int, fresh: int
) -> dict[str, Any]:
    """The measurement in ``fresh`` new processes: the median first run, the best run, the
    highest peak memory."""
    runs = [in_child(measurement, implementation, rows, repeat) for _ in range(max(1, fresh))]
    figure = dict(runs[0])
    firsts = sorted(run["first_s"] for run in runs)
    figure["first_s"] = firsts[len(firsts) // 2]
    figure["first_runs_s"] = [run["first_s"] for run in runs]
    figure["best_s"] = min(run["best_s"] for run in runs)
    figure["peak_rss_mb"] = max(run["peak_rss_mb"] for run in runs)
    cpus = [run["batch_cpu_ms"] for run in runs if run["batch_cpu_ms"] is not None]
    figure["batch_cpu_ms"] = sorted(cpus)[len(cpus) // 2] if cpus else None
    return figure


def print_comparison(figures: list[dict[str, Any]]) -> dict[str, Any]:
    """The dry run and mapping table; returns the comparison per measurement (a measurement
    run for hubassoc alone is shown without one)."""
    table, summary = [], {}
    for measurement in dict.fromkeys(f["measurement"] for f in figures):
        of_measurement = [f for f in figures if f["measurement"] == measurement]
        ours, theirs = (
            next((f for f in of_measurement if f["implementation"] == i), None)
            for i in IMPLEMENTATIONS
        )
        assert ours is not None
        if theirs is None:
            ratio = float("nan")
        else:
            ratio = theirs["first_s"] / ours["first_s"] if ours["first_s"] else float("nan")
            summary[measurement] = {
                "speedup": round(ratio, 1),
                "same_statuses": ours["status_counts"] == theirs["status_counts"],
                "lost": ours["rows"] - ours["result_rows"],
            }
        for figure in (ours, theirs):
            if figure is None:
                continue
            table.append([
                measurement, figure["implementation"], figure["rows"], figure["first_s"],
                figure["best_s"], figure["batch_cpu_ms"], figure["peak_rss_mb"],
                round(figure["peak_rss_mb"] - figure["rss_after_input_mb"], 1),
                "-" if theirs is None else f"{ratio:.1f}x" if figure is ours else "1.0x",
                figure["rows"] - figure["result_rows"],
            ])  # fmt: skip
    print()
    print(
        format_table(
            [
                "measurement", "implementation", "rows", "first run s", "best s",
                "CPU ms per 2,000-pair request", "peak RSS MiB", "added MiB", "speed vs per-row",
                "lost",
            ],
            table,
        )
    )  # fmt: skip
    for measurement, info in summary.items():
        same = "yes" if info["same_statuses"] else "NO"
        print(f"  {measurement}: both implementations give the same status counts: {same}")
    for figure in figures:
        if figure["implementation"] == "hubassoc":
            print(f"  {figure['measurement']} (hubassoc): {spread(figure)}")
    return summary


def spread(figure: dict[str, Any]) -> str:
    """The first runs of a measurement's fresh processes: how many, median, range."""
    firsts = figure["first_runs_s"]
    return (
        f"first runs in {len(firsts)} fresh processes: median {figure['first_s']} s, "
        f"{min(firsts)}-{max(firsts)} s"
    )


def print_scaling(scaling: list[dict[str, Any]]) -> None:
    print("\nDry run as the frame grows (hubassoc, median first run of fresh processes):")
    print(
        format_table(
            ["rows", "first run s", "first runs s (min-max)", "ns per row", "peak RSS MiB"],
            [
                [
                    f["rows"],
                    f["first_s"],
                    f"{min(f['first_runs_s'])}-{max(f['first_runs_s'])} ({len(f['first_runs_s'])})",
                    round(f["first_s"] * 1e9 / f["rows"]),
                    f["peak_rss_mb"],
                ]
                for f in scaling
            ],
        )
    )


def judge(figures: list[dict[str, Any]]) -> dict[str, bool]:
    """Each goal the measurements run can judge: met or not."""
    ours = {f["measurement"]: f for f in figures if f["implementation"] == "hubassoc"}
    goals = {}
    if "dry_run" in ours:
        goals["dry_run_at_most_0_5_s"] = ours["dry_run"]["first_s"] <= GOALS["dry_run_s"]
    if "mapping" in ours:
        goals["mapping_at_most_1_s"] = ours["mapping"]["first_s"] <= GOALS["mapping_s"]
    peak = max(figure["peak_rss_mb"] for figure in ours.values())
    goals["peak_memory_under_600_mb"] = peak < GOALS["peak_mb"]
    if "mapping" in ours:
        cpu = ours["mapping"]["batch_cpu_ms"]
        goals["request_at_most_2_ms_cpu"] = cpu <= GOALS["batch_cpu_ms"]
    return goals


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurements, print the tables, write the JSON. Returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the frame")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument(
        "--fresh", type=int, default=3, help="fresh processes per hubassoc mapping measurement"
    )
    parser.add_argument(
        "--dry-run-fresh",
        type=int,
        default=9,
        help="fresh processes per hubassoc dry run measurement (at --rows and each scale): the "
        "first run varies with how fast the kernel hands out fresh memory, so more of them",
    )
    parser.add_argument(
        "--measurements",
        nargs="+",
        choices=MEASUREMENTS,
        default=list(MEASUREMENTS),
        help="which measurements to run (default both)",
    )
    parser.add_argument("--scales", type=int, nargs="*", default=list(SCALES))
    parser.add_argument("--quick", action="store_true", help="small sizes, for the smoke test")
    parser.add_argument(
        "--no-hugepages",
        action="store_true",
        help="run the measurements with NUMPY_MADVISE_HUGEPAGE=0 (see the README)",
    )
    parser.add_argument(
        "--sandbox-rate-seconds", type=float, default=2.0, help="sandbox's own rate check"
    )
    parser.add_argument(
        "--hubassoc-only", action="store_true", help="leave out the per-row Python baseline"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument("--child", nargs=2, metavar=("MEASUREMENT", "IMPL"), help=argparse.SUPPRESS)
    args = parser.parse_args(None if argv is None else list(argv))
    if args.quick:
        args.rows = min(args.rows, 20_000)
        args.scales = [s for s in args.scales if s <= 20_000] or [10_000]
        args.sandbox_rate_seconds = min(args.sandbox_rate_seconds, 0.5)
        args.repeat = args.fresh = args.dry_run_fresh = 1
    global NO_HUGEPAGES
    NO_HUGEPAGES = args.no_hugepages
    if args.child:
        print(json.dumps(measure_here(args.child[0], args.child[1], args.rows, args.repeat)))
        return 0
    print(
        f"Overhead: {args.rows:,} rows (float contact IDs with 1% missing, int company IDs, "
        f"1% duplicate pairs, ~0.05% junk per column), batches of {BATCH:,}, no network."
    )
    print(
        f"  Each measurement runs in a fresh child process, {args.repeat} time(s); hubassoc's in "
        f"{args.dry_run_fresh} (dry run) or {args.fresh} (mapping) such processes. Goals are "
        "judged on the first run (the median of the fresh processes'); peak RSS is the child's "
        "ru_maxrss after it (input included)."
    )
    setup = {"rows": args.rows, "batch_size": BATCH, "quick": args.quick, **machine()}
    if args.no_hugepages:
        setup["numpy_madvise_hugepage"] = "0"
        print("  Measured with NUMPY_MADVISE_HUGEPAGE=0 (numpy does not ask for huge pages).")
    print(f"  {describe_machine(setup)}")
    sys.stdout.flush()
    figures = []
    implementations = IMPLEMENTATIONS[:1] if args.hubassoc_only else IMPLEMENTATIONS
    for measurement in args.measurements:
        for implementation in implementations:
            fresh = 1
            if implementation == "hubassoc":
                fresh = args.dry_run_fresh if measurement == "dry_run" else args.fresh
            figures.append(in_children(measurement, implementation, args.rows, args.repeat, fresh))
            print(
                f"  done: {measurement} / {implementation}: {figures[-1]['first_s']} s", flush=True
            )
    scaling = [
        in_children("dry_run", "hubassoc", rows, 1, args.dry_run_fresh) for rows in args.scales
    ]
    summary = print_comparison(figures)
    if scaling:
        print_scaling(scaling)
    goals = judge(figures)
    print("  Goals: " + ", ".join(f"{k} {'MET' if v else 'MISSED'}" for k, v in goals.items()))
    sandbox_rate = sandbox_rate_check(args.sandbox_rate_seconds)
    if sandbox_rate is not None:
        print_sandbox_rate(sandbox_rate)
    write_json(
        args.output,
        {
            "setup": setup,
            "results": figures,
            "scaling": scaling,
            "comparison": summary,
            "goals": goals,
            "sandbox_rate": sandbox_rate,
        },
    )
    print(f"  written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
