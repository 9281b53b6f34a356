"""The work ``overhead.py`` times: an input frame, synthetic answers, and each measurement done
by hubassoc and by a straightforward per-row pure-Python implementation.

Answers are serialised to JSON bytes before the clock starts, since that is what a client
receives; both implementations read them (hubassoc with the batch's reader, the baseline with
``json.loads``) and map them onto the rows.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

FROM_COL, TO_COL = "contact_id", "company_id"
BATCH = 2000  # HubSpot's documented cap for batch create requests, hubassoc's default
TYPE_ID, REVERSE_TYPE_ID = 279, 280
ERROR_EVERY = 50  # one batch in ERROR_EVERY carries per-input errors


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
) -> Iterator[tuple[int, bytes]]:
    """For each batch of consecutive pairs: (start, 2xx body as JSON bytes), as HubSpot might
    send it.

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
        yield start, json.dumps(body, separators=(",", ":")).encode()


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


def hubassoc_mapping(frame: pd.DataFrame) -> tuple[pd.DataFrame, float, int, float]:
    """Map every answer onto the rows as a run does; return (results, timed seconds,
    batches, CPU seconds of the per-batch work: encode, read, decode, record). The plan is
    not timed (the dry run measures it)."""
    from hubassoc_pandas.engine.ledger import Ledger
    from hubassoc_pandas.inputs.plan import make_plan
    from hubassoc_pandas.operations.associate_default import AssociateDefault
    from hubassoc_pandas.results.frame import build_results
    from hubassoc_pandas.transport.responses import ApiResponse

    plan = make_plan(frame[FROM_COL], frame[TO_COL], from_label=FROM_COL, to_label=TO_COL)
    operation = AssociateDefault("contacts", "companies", "2026-03", plan)
    all_from = [str(v) for v in plan.pair_from.tolist()]
    all_to = [str(v) for v in plan.pair_to.tolist()]
    ledger = Ledger(plan.rows_of_pair, operation.value_columns)
    seconds = cpu = 0.0
    batches = 0
    # each answer is made just before it is read (not timed), so only one is held at a time
    for batches, (start, content) in enumerate(synthetic_answers(all_from, all_to), start=1):
        began, began_cpu = time.perf_counter(), time.process_time()
        keys = np.arange(start, min(start + BATCH, plan.n_pairs), dtype=np.int64)
        encoded = operation.encode(keys)  # the request, as sent (not sent here)
        response = ApiResponse(status=200, body=encoded.payload.read(content))
        decoded = operation.decode(response, keys, encoded)
        decided = ledger.apply(keys, decoded, batch=batches, attempts=1, http_status=200)
        ledger.tally_decided(decided)
        cpu += time.process_time() - began_cpu
        seconds += time.perf_counter() - began
    began = time.perf_counter()
    results = build_results(frame, plan, ledger, {"benchmark": True})
    return results, seconds + time.perf_counter() - began, batches, cpu


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


def baseline_mapping(frame: pd.DataFrame) -> tuple[pd.DataFrame, float, int, float]:
    """The per-row way: the request as a list of dicts through json.dumps, the answer through
    json.loads, matched by a dict of pairs, each row's record updated."""
    records, rows_of, unique = baseline_plan(frame)
    answers = synthetic_answers([f for f, _ in unique], [t for _, t in unique])
    seconds = cpu = 0.0
    batch = 0
    for batch, (start, content) in enumerate(answers, start=1):
        began, began_cpu = time.perf_counter(), time.process_time()
        sent = unique[start : start + BATCH]
        json.dumps({"inputs": [{"from": {"id": f}, "to": {"id": t}} for f, t in sent]})
        body = json.loads(content)
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
                update = {"status": "associated", "association_type_id": confirmed[key]}
            elif key in refused:
                error = refused[key]
                update = {
                    "status": "failed",
                    "error_category": error.get("category"),
                    "error_message": error.get("message"),
                }
            else:
                update = {"status": "unconfirmed"}
            update["batch"] = batch
            for position in rows_of[key]:
                records[position].update(update)
        cpu += time.process_time() - began_cpu
        seconds += time.perf_counter() - began
    began = time.perf_counter()
    results = baseline_frame(frame, records)
    return results, seconds + time.perf_counter() - began, batch, cpu
