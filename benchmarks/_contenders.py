"""The contenders of ``throughput.py``: hubassoc and the loops a user would write instead.

Each takes the frame, the sandbox's URL and token, the batch size and an optional time cap,
and returns an :class:`Outcome` in its own words (which pairs it claims, which it reports as
not done); ``throughput.py`` checks them against what the sandbox stored.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

FROM_TYPE, TO_TYPE = "contacts", "companies"
COMPANIES = 50_000
THREADS = 8

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
    started_at: float = 0.0  # time.time() when the contender's work began
    ended_at: float = 0.0  # ... and when it ended
    # (time.time(), process CPU seconds since started_at), sampled through the span
    cpu_samples: list[tuple[float, float]] = field(default_factory=list)

    def cpu_at(self, at: float) -> float:
        """Process CPU seconds spent from the start to ``at`` (a ``time.time()``),
        interpolated between samples."""
        samples = self.cpu_samples
        if not samples or at <= samples[0][0]:
            return 0.0
        for (t0, c0), (t1, c1) in itertools.pairwise(samples):
            if at <= t1:
                return c0 + (c1 - c0) * (at - t0) / (t1 - t0) if t1 > t0 else c1
        return samples[-1][1]


#: Seconds between CPU samples (a sample costs a few microseconds).
SAMPLE_EVERY = 0.02


class _Clock:
    """Wall and process CPU time over a span, written into an :class:`Outcome`, with the
    CPU sampled every :data:`SAMPLE_EVERY` seconds by a thread (so the CPU before the
    first request and after the last answer can be told apart from the CPU of sending)."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        samples = self.outcome.cpu_samples
        while not self._done.wait(SAMPLE_EVERY):
            samples.append((time.time(), time.process_time() - self.cpu))

    def __enter__(self) -> None:
        self.outcome.cpu_samples.clear()
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.outcome.started_at = time.time()
        self.outcome.cpu_samples.append((self.outcome.started_at, 0.0))
        self._sampler.start()

    def __exit__(self, *exc_info: object) -> None:
        self.outcome.seconds = time.perf_counter() - self.wall
        self.outcome.cpu_seconds = time.process_time() - self.cpu
        self.outcome.ended_at = time.time()
        self._done.set()
        self._sampler.join()
        self.outcome.cpu_samples.append((self.outcome.ended_at, self.outcome.cpu_seconds))
        self.outcome.cpu_samples.sort()


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


def batches(pairs: list[Pair], size: int) -> Iterator[list[Pair]]:
    return (pairs[i : i + size] for i in range(0, len(pairs), size))


def run_hubassoc(
    frame: pd.DataFrame, url: str, token: str, size: int, cap: float | None
) -> Outcome:
    """(a) the package with its defaults: no batch_size, rate_limit or max_workers."""
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
    done = (results["status"] == "associated").to_numpy()
    outcome.claimed = {p for p, ok in zip(pairs, done, strict=True) if ok}
    outcome.reported_failed = {p for p, ok in zip(pairs, done, strict=True) if not ok}
    outcome.missing_rows = len(frame) - len(results) + int(results["status"].isna().sum())
    record = results.attrs["hubassoc"]
    outcome.note = (
        f"{record['requests']} requests, {record['rate_limited_responses']} answered 429, "
        f"batch size {record['final_batch_size']}, limit in force "
        f"{record.get('rate_limit_in_force')}"
    )
    return outcome


def run_sdk(frame: pd.DataFrame, url: str, token: str, size: int, cap: float | None) -> Outcome:
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
        api = HubSpot(access_token=token).crm.associations.v4.batch_api
        api.api_client.configuration.host = url
        try:
            for batch in batches(wire_pairs(frame), size):
                if cap is not None and time.perf_counter() - started >= cap:
                    outcome.note = f"stopped after {cap:g} s (time cap)"
                    break
                outcome.in_scope.extend(batch)
                inputs = [
                    PublicDefaultAssociationMultiPost(
                        _from=PublicObjectId(id=f), to=PublicObjectId(id=t)
                    )
                    for f, t in batch
                ]
                body = BatchInputPublicDefaultAssociationMultiPost(inputs=inputs)
                while True:
                    try:
                        api.create_default(
                            from_object_type=FROM_TYPE,
                            to_object_type=TO_TYPE,
                            batch_input_public_default_association_multi_post=body,
                        )
                    except ApiException as exc:
                        if exc.status == 429:
                            time.sleep(float((exc.headers or {}).get("Retry-After") or 1))
                            continue
                        outcome.reported_failed.update(batch)
                        break
                    outcome.claimed.update(batch)
                    break
        finally:
            api.api_client.rest_client.pool_manager.clear()
    return outcome


def _post_until_answered(session: Any, endpoint: str, batch: list[Pair]) -> bool:
    """POST one batch, sleeping per Retry-After (else 1 s) on 429; whether it got a 2xx."""
    payload = {"inputs": [{"from": {"id": f}, "to": {"id": t}} for f, t in batch]}
    while True:
        response = session.post(endpoint, json=payload, timeout=120)
        if response.status_code == 429:
            time.sleep(float(response.headers.get("Retry-After") or 1))
            continue
        return bool(response.ok)


def run_requests(
    frame: pd.DataFrame, url: str, token: str, size: int, cap: float | None
) -> Outcome:
    """(c) a plain requests loop: same batches, same 429 handling."""
    import requests

    endpoint = f"{url}/crm/v4/associations/{FROM_TYPE}/{TO_TYPE}/batch/associate/default"
    outcome = Outcome()
    started = time.perf_counter()
    with _Clock(outcome), requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        for batch in batches(wire_pairs(frame), size):
            if cap is not None and time.perf_counter() - started >= cap:
                outcome.note = f"stopped after {cap:g} s (time cap)"
                break
            outcome.in_scope.extend(batch)
            ok = _post_until_answered(session, endpoint, batch)
            (outcome.claimed if ok else outcome.reported_failed).update(batch)
    return outcome


def run_threads(frame: pd.DataFrame, url: str, token: str, size: int, cap: float | None) -> Outcome:
    """(d) eight threads of requests taking batches from one queue, each sleeping per
    Retry-After on a 429 (the script a user writes once a single loop is too slow)."""
    import requests

    endpoint = f"{url}/crm/v4/associations/{FROM_TYPE}/{TO_TYPE}/batch/associate/default"
    outcome = Outcome()
    todo = batches(wire_pairs(frame), size)
    lock = threading.Lock()

    def worker() -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            while True:
                with lock:
                    batch = next(todo, None)
                    if batch is None:
                        return
                    outcome.in_scope.extend(batch)
                ok = _post_until_answered(session, endpoint, batch)
                with lock:
                    (outcome.claimed if ok else outcome.reported_failed).update(batch)

    with _Clock(outcome):
        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return outcome


Runner = Callable[[pd.DataFrame, str, str, int, "float | None"], Outcome]

#: name -> (label, runner, time-capped)
CONTENDERS: dict[str, tuple[str, Runner, bool]] = {
    "hubassoc": ("hubassoc (defaults)", run_hubassoc, False),
    "sdk": ("hubspot-api-client loop", run_sdk, True),
    "requests": ("requests loop", run_requests, True),
    "threads": (f"requests, {THREADS} threads", run_threads, False),
}
