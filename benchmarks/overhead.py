"""Client-side overhead on a large frame, with no network: checking/planning and mapping.

Two measurements on a frame of ``--rows`` rows (default 1,000,000: integer IDs, 1% missing
so the contact column is float, 1% duplicate pairs, a few junk values), each for hubassoc
and for a straightforward per-row pure-Python implementation of the same work:

* dry run: ``df.hubassoc.associate(..., dry_run=True, progress=False)``, i.e. read and check
  both ID columns, deduplicate, batch, and build the results frame; the baseline walks the
  rows with ``itertuples``, checks each value, dedupes with a dict and builds the frame from
  per-row records;
* mapping: one synthetic 2xx answer per batch of 100 unique pairs (results listed in both
  directions and shuffled, a few per-input errors) mapped back onto the rows with the
  package's ``apply_success`` and ``build_results``; the baseline matches result IDs
  against a dict and fills per-row lists. Building the synthetic answers is not timed.

Every measurement runs in a fresh child process, so its peak resident memory
(``ru_maxrss``) is its own. Prints a table and writes ``benchmarks/results/overhead.json``.
Never fails on timing.

    python benchmarks/overhead.py                 # 1,000,000 rows, about a minute
    python benchmarks/overhead.py --quick         # 20,000 rows, for the smoke test
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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

RESULTS = RESULTS_DIR / "overhead.json"
FROM_COL, TO_COL = "contact_id", "company_id"
BATCH = 100
TYPE_ID, REVERSE_TYPE_ID = 279, 280
ERROR_EVERY = 50  # one batch in ERROR_EVERY carries per-input errors
MEASUREMENTS = ("dry_run", "mapping")
IMPLEMENTATIONS = ("hubassoc", "per-row Python")


# -- the input -------------------------------------------------------------------------------


def make_frame(rows: int, seed: int = 7) -> pd.DataFrame:
    """A frame shaped like a CRM export: IDs, 1% missing, 1% duplicates, some junk."""
    rng = np.random.default_rng(seed)
    contact = rng.integers(1, 50_000_000, rows).astype(np.float64)
    company = rng.integers(1, 5_000_000, rows)
    n_dup = rows // 100
    if n_dup:
        target = rng.choice(rows, n_dup, replace=False)
        source = rng.integers(0, rows, n_dup)
        contact[target] = contact[source]
        company[target] = company[source]
    contact[rng.choice(rows, rows // 100, replace=False)] = np.nan
    n_junk = max(1, rows // 2000)
    contact[rng.choice(rows, n_junk, replace=False)] = rng.choice(
        np.array([12.5, -7.0, 0.0, np.inf]), n_junk
    )
    company[rng.choice(rows, n_junk, replace=False)] = rng.choice(np.array([0, -3]), n_junk)
    return pd.DataFrame(
        {
            FROM_COL: contact,
            TO_COL: company,
            "score": rng.random(rows),
        }
    )


# -- synthetic answers -----------------------------------------------------------------------


def synthetic_answers(
    from_ids: list[str], to_ids: list[str], seed: int = 11
) -> Iterator[tuple[int, dict[str, Any]]]:
    """For each batch of 100 consecutive pairs: (start, 2xx body) as HubSpot might send it.

    Each confirmed pair is listed twice (from->to and to->from), in shuffled order; one batch
    in ``ERROR_EVERY`` has two pairs refused with OBJECT_NOT_FOUND errors naming them.
    """
    rng = random.Random(seed)
    for number, start in enumerate(range(0, len(from_ids), BATCH)):
        stop = min(start + BATCH, len(from_ids))
        refused = set()
        errors = []
        if number % ERROR_EVERY == 0 and stop - start > 2:
            for offset in rng.sample(range(stop - start), 2):
                i = start + offset
                refused.add(i)
                errors.append(
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "message": f"No companies with ID {to_ids[i]} exist",
                        "context": {"fromObjectId": [from_ids[i]], "toObjectId": [to_ids[i]]},
                    }
                )
        results = []
        for i in range(start, stop):
            if i in refused:
                continue
            results.append(_result(from_ids[i], to_ids[i], TYPE_ID))
            results.append(_result(to_ids[i], from_ids[i], REVERSE_TYPE_ID))
        rng.shuffle(results)
        body: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            body["errors"] = errors
            body["numErrors"] = len(errors)
        yield start, body


def _result(f: str, t: str, type_id: int) -> dict[str, Any]:
    return {
        "from": {"id": f},
        "to": {"id": t},
        "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id},
    }


# -- hubassoc --------------------------------------------------------------------------------


def hubassoc_dry_run(frame: pd.DataFrame) -> pd.DataFrame:
    import hubassoc_pandas  # noqa: F401  (registers the accessor)

    return frame.hubassoc.associate(
        "contacts", "companies", from_col=FROM_COL, to_col=TO_COL, dry_run=True, progress=False
    )


def hubassoc_mapping(frame: pd.DataFrame) -> tuple[pd.DataFrame, float, int]:
    """Map every synthetic answer onto the rows; return (results, timed seconds, batches)."""
    from hubassoc_pandas.engine.ledger import Ledger
    from hubassoc_pandas.frame import build_results
    from hubassoc_pandas.operations.associate_default import AssociateDefault
    from hubassoc_pandas.plan import make_plan
    from hubassoc_pandas.responses import ApiResponse

    plan = make_plan(frame[FROM_COL], frame[TO_COL], from_label=FROM_COL, to_label=TO_COL)
    operation = AssociateDefault("contacts", "companies", "2026-03", plan)
    ledger = Ledger(plan.rows_of_pair, operation.value_columns)
    all_from = [str(v) for v in plan.pair_from.tolist()]
    all_to = [str(v) for v in plan.pair_to.tolist()]
    timed = 0.0
    batches = 0
    for start, body in synthetic_answers(all_from, all_to):
        response = ApiResponse(status=200, body=body)
        began = time.perf_counter()
        pairs = np.arange(start, min(start + BATCH, plan.n_pairs), dtype=np.int64)
        # the batch as the engine encodes and decodes it (the request itself is not sent)
        decoded = operation.decode(response, pairs, operation.encode(pairs))
        ledger.apply(pairs, decoded, batch=batches + 1, attempts=1, http_status=200)
        timed += time.perf_counter() - began
        batches += 1
    began = time.perf_counter()
    results = build_results(frame, plan, ledger, {"benchmark": True})
    timed += time.perf_counter() - began
    return results, timed, batches


# -- the per-row baseline --------------------------------------------------------------------


def check_id(value: Any) -> tuple[str | None, str | None]:
    """(ID as digits, None) or (None, what is wrong): the checks a careful user writes."""
    if value is None:
        return None, "missing value"
    if isinstance(value, bool):
        return None, f"{value} is a boolean, not an ID"
    if isinstance(value, float):
        if math.isnan(value):
            return None, "missing value"
        if not math.isfinite(value) or not value.is_integer():
            return None, f"{value!r} is not a whole number"
        value = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            return None, f"{value!r} is not a whole number written in digits"
        value = int(text)
    elif not isinstance(value, int):
        return None, f"{value!r} is not an ID"
    if value <= 0:
        return None, f"{value} is not a positive ID"
    return str(value), None


def baseline_plan(
    frame: pd.DataFrame,
) -> tuple[list[dict[str, Any]], dict[tuple[str, str], list[int]], list[tuple[str, str]]]:
    """Walk the rows: one record per row, rows per unique pair, unique pairs in order."""
    records: list[dict[str, Any]] = []
    rows_of: dict[tuple[str, str], list[int]] = {}
    unique: list[tuple[str, str]] = []
    for position, (raw_from, raw_to) in enumerate(
        frame[[FROM_COL, TO_COL]].itertuples(index=False, name=None)
    ):
        from_id, from_problem = check_id(raw_from)
        to_id, to_problem = check_id(raw_to)
        record: dict[str, Any] = {"from_id": from_id, "to_id": to_id}
        if from_id is None or to_id is None:
            problems = [
                f"{column}: {problem}"
                for column, problem in ((FROM_COL, from_problem), (TO_COL, to_problem))
                if problem
            ]
            record.update(status="invalid", error_category="INVALID_ID")
            record["error_message"] = "; ".join(problems)
        else:
            record.update(status="not_sent", error_category=None, error_message=None)
            key = (from_id, to_id)
            if key not in rows_of:
                rows_of[key] = []
                unique.append(key)
            rows_of[key].append(position)
        records.append(record)
    return records, rows_of, unique


def baseline_frame(frame: pd.DataFrame, records: list[dict[str, Any]]) -> pd.DataFrame:
    annotations = pd.DataFrame.from_records(records, index=frame.index)
    return pd.concat([frame, annotations], axis=1)


def baseline_dry_run(frame: pd.DataFrame) -> pd.DataFrame:
    records, _rows_of, unique = baseline_plan(frame)
    _batches = [unique[i : i + BATCH] for i in range(0, len(unique), BATCH)]
    return baseline_frame(frame, records)


def baseline_mapping(frame: pd.DataFrame) -> tuple[pd.DataFrame, float, int]:
    records, rows_of, unique = baseline_plan(frame)
    all_from = [f for f, _ in unique]
    all_to = [t for _, t in unique]
    timed = 0.0
    batches = 0
    for start, body in synthetic_answers(all_from, all_to):
        began = time.perf_counter()
        batches += 1
        sent = unique[start : start + BATCH]
        in_batch = set(sent)
        confirmed: dict[tuple[str, str], Any] = {}
        for result in body.get("results", []):
            key = (str(result["from"]["id"]), str(result["to"]["id"]))
            spec = result.get("associationSpec") or {}
            if key in in_batch:
                confirmed[key] = spec.get("associationTypeId")
            elif (key[1], key[0]) in in_batch:
                confirmed.setdefault((key[1], key[0]), None)
        refused: dict[tuple[str, str], dict[str, Any]] = {}
        for error in body.get("errors", []):
            context = error.get("context") or {}
            froms = {str(v) for v in context.get("fromObjectId", [])}
            tos = {str(v) for v in context.get("toObjectId", [])}
            for key in sent:
                if key not in confirmed and key[0] in froms and key[1] in tos:
                    refused.setdefault(key, error)
        for key in sent:
            if key in confirmed:
                update = {
                    "status": "associated",
                    "association_type_id": confirmed[key],
                    "batch": batches,
                }
            elif key in refused:
                error = refused[key]
                update = {
                    "status": "failed",
                    "error_category": error.get("category"),
                    "error_message": error.get("message"),
                    "batch": batches,
                }
            else:
                update = {"status": "unconfirmed", "batch": batches}
            for position in rows_of[key]:
                records[position].update(update)
        timed += time.perf_counter() - began
    began = time.perf_counter()
    results = baseline_frame(frame, records)
    timed += time.perf_counter() - began
    return results, timed, batches


# -- one measurement, in a child process -----------------------------------------------------


def _run_once(measurement: str, implementation: str, frame: pd.DataFrame) -> tuple[Any, float, Any]:
    if measurement == "dry_run":
        began = time.perf_counter()
        if implementation == "hubassoc":
            results = hubassoc_dry_run(frame)
        else:
            results = baseline_dry_run(frame)
        return results, time.perf_counter() - began, None
    if implementation == "hubassoc":
        return hubassoc_mapping(frame)
    return baseline_mapping(frame)


def measure_here(
    measurement: str, implementation: str, rows: int, repeat: int = 1
) -> dict[str, Any]:
    """Run one measurement ``repeat`` times in this process and return its figures.

    Peak memory is read after the first run, when the process has done that work once.
    """
    frame = make_frame(rows)
    import hubassoc_pandas  # noqa: F401  (imported before the clock starts, for both)

    setup_rss = peak_rss_mb()
    results, seconds, batches = _run_once(measurement, implementation, frame)
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
        "seconds": round(min(timings), 3),
        "seconds_each_run": [round(t, 3) for t in timings],
        "batches": batches,
        "peak_rss_mb": peak,
        "rss_after_input_mb": setup_rss,
        "status_counts": {str(k): int(v) for k, v in sorted(counts.items())},
    }


def measure_in_child(
    measurement: str, implementation: str, rows: int, repeat: int
) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        measurement,
        implementation,
        "--rows",
        str(rows),
        "--repeat",
        str(repeat),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"measurement {measurement}/{implementation} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the measurements, print the table, write the JSON. Returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the frame")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per measurement; the best is reported"
    )
    parser.add_argument("--quick", action="store_true", help="20,000 rows, for the smoke test")
    parser.add_argument(
        "--sandbox-rate-seconds",
        type=float,
        default=2.0,
        help="length of the sandbox's own zero-latency rate check (0: skip)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument("--child", nargs=2, metavar=("MEASUREMENT", "IMPL"), help=argparse.SUPPRESS)
    args = parser.parse_args(None if argv is None else list(argv))
    if args.quick:
        args.rows = min(args.rows, 20_000)
        args.sandbox_rate_seconds = min(args.sandbox_rate_seconds, 0.5)
        args.repeat = 1
    if args.child:
        print(json.dumps(measure_here(args.child[0], args.child[1], args.rows, args.repeat)))
        return 0

    print(
        f"Overhead: {args.rows:,} rows (float contact IDs with 1% missing, int company IDs, "
        "1% duplicate pairs, ~0.05% junk per column), no network."
    )
    print(
        f"  Each measurement runs in a fresh child process, {args.repeat} time(s), best time "
        "reported; seconds exclude building the input and the synthetic answers; peak RSS is "
        "the child's ru_maxrss after the first run (input included)."
    )
    print(
        "  Baseline: per-row pure Python (itertuples, value checks, dict dedupe, per-row "
        "records, a DataFrame built from them), written for this benchmark."
    )
    setup = {"rows": args.rows, "batch_size": BATCH, "quick": args.quick, **machine()}
    print(f"  {describe_machine(setup)}")
    sys.stdout.flush()
    figures: list[dict[str, Any]] = []
    for measurement in MEASUREMENTS:
        for implementation in IMPLEMENTATIONS:
            figure = measure_in_child(measurement, implementation, args.rows, args.repeat)
            figures.append(figure)
            print(
                f"  done: {measurement} / {implementation}: {figure['seconds']} s, "
                f"peak RSS {figure['peak_rss_mb']:,.0f} MiB",
                flush=True,
            )

    sandbox_rate: dict[str, Any] | None = None
    if args.sandbox_rate_seconds > 0:
        sandbox_rate = sandbox_rate_check(args.sandbox_rate_seconds)

    table = []
    summary: dict[str, Any] = {}
    for measurement in MEASUREMENTS:
        ours, theirs = (
            next(f for f in figures if f["measurement"] == measurement and f["implementation"] == i)
            for i in IMPLEMENTATIONS
        )
        ratio = theirs["seconds"] / ours["seconds"] if ours["seconds"] else float("nan")
        agree = ours["status_counts"] == theirs["status_counts"]
        lost = ours["rows"] - ours["result_rows"]
        summary[measurement] = {
            "speedup": round(ratio, 1),
            "same_statuses": agree,
            "lost": lost,
        }
        for figure in (ours, theirs):
            table.append(
                [
                    measurement,
                    figure["implementation"],
                    figure["rows"],
                    figure["batches"] if figure["batches"] is not None else "-",
                    figure["seconds_each_run"][0],
                    figure["seconds"],
                    figure["peak_rss_mb"],
                    round(figure["peak_rss_mb"] - figure["rss_after_input_mb"], 1),
                    f"{ratio:.1f}x" if figure is ours else "1.0x",
                    figure["rows"] - figure["result_rows"],
                ]
            )
    print()
    print(
        format_table(
            [
                "measurement",
                "implementation",
                "rows",
                "batches",
                "first run s",
                "best s",
                "peak RSS MiB",
                "added MiB",
                "speed vs per-row",
                "lost",
            ],
            table,
        )
    )
    print("  Goals are judged on the first run (what a user's single call costs).")
    for measurement, info in summary.items():
        print(
            f"  {measurement}: both implementations give the same status counts: "
            f"{'yes' if info['same_statuses'] else 'NO'}"
        )
    dry = next(
        f for f in figures if f["measurement"] == "dry_run" and f["implementation"] == "hubassoc"
    )
    mapping = next(
        f for f in figures if f["measurement"] == "mapping" and f["implementation"] == "hubassoc"
    )
    goals = {
        "dry_run_under_1_5_s": dry["seconds_each_run"][0] < 1.5,
        "mapping_under_2_s": mapping["seconds_each_run"][0] < 2.0,
        "peak_memory_under_1_gb": max(dry["peak_rss_mb"], mapping["peak_rss_mb"]) < 1024,
    }
    print(
        "  Goals for hubassoc: "
        + ", ".join(f"{k} {'MET' if v else 'MISSED'}" for k, v in goals.items())
    )
    if sandbox_rate is not None:
        print_sandbox_rate(sandbox_rate)
    write_json(
        args.output,
        {
            "setup": setup,
            "results": figures,
            "comparison": summary,
            "goals": goals,
            "sandbox_rate": sandbox_rate,
        },
    )
    print(f"  written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
