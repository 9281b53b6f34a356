"""The batch size learnt from HubSpot's answers: table tests and a simulated portal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from hubassoc_testkit import JsonAnswer, JsonPortal

import hubassoc_pandas  # noqa: F401  (registers the accessor)
from hubassoc_pandas.engine.sizing import BatchSizer


def test_nothing_refused_keeps_the_cap_at_full_speed() -> None:
    sizer = BatchSizer(2000)
    assert (sizer.size, sizer.tried(2000), sizer.doubted()) == (2000, True, False)
    assert sizer.accepted(2000) is None
    assert (sizer.size, sizer.tried(2000), sizer.safe_size()) == (2000, True, 2000)


def test_a_refusal_naming_no_key_starts_the_slow_start() -> None:
    sizer = BatchSizer(2000)
    sizer.refused(2000)
    assert sizer.doubted()
    assert (sizer.tried(1000), sizer.safe_size()) == (False, 0)
    sizer.accepted(1000)
    assert (sizer.tried(1000), sizer.tried(1001), sizer.safe_size()) == (True, False, 1000)


def test_a_refusal_of_a_size_already_accepted_is_about_a_key() -> None:
    sizer = BatchSizer(2000)
    sizer.accepted(2000)
    assert sizer.refused(2000) is None
    assert sizer.refused(1) is None
    assert sizer.size == 2000


def test_both_halves_accepted_means_too_large() -> None:
    sizer = BatchSizer(2000)
    suspect = sizer.refused(2000)
    assert sizer.accepted(1000, suspect) is None  # one half: not proven yet
    assert sizer.size == 2000 and sizer.smallest_refused is None
    assert sizer.accepted(1000, suspect) == 1500  # bisect between 1000 and 2000
    assert sizer.too_large(2000) and not sizer.too_large(1999)
    assert (sizer.tried(1500), sizer.safe_size()) == (False, 1000)


def test_one_half_refused_leaves_the_size_alone() -> None:
    sizer = BatchSizer(2000)
    suspect = sizer.refused(2000)
    sizer.accepted(1000, suspect)
    assert sizer.refused(1000) is None  # 1000 went through before: a key is at fault
    assert sizer.size == 2000 and sizer.smallest_refused is None


@pytest.mark.parametrize(
    ("accepted", "refused", "size"),
    [
        (1000, 2000, 1500),
        (1900, 2000, 1950),
        (1950, 2000, 1950),  # within 5% of what was accepted: keep it
        (95, 100, 97),
        (96, 100, 96),
        (1, 2, 1),
        (1, 3, 2),
    ],
)
def test_bisects_until_close(accepted: int, refused: int, size: int) -> None:
    sizer = BatchSizer(2000)
    sizer.accepted(accepted)
    sizer.learn_too_large(refused)
    assert sizer.size == size


def test_a_named_limit_is_trusted() -> None:
    sizer = BatchSizer(100)
    assert sizer.learn_too_large(100, limit=40) == 40
    assert sizer.too_large(41) and not sizer.too_large(40)
    sizer.accepted(40)
    assert sizer.size == 40  # nothing left to try between 40 and 41


def test_the_cap_is_never_exceeded() -> None:
    sizer = BatchSizer(100)
    sizer.accepted(100)
    sizer.learn_too_large(5000)
    assert sizer.size == 100


def simulate(cap: int, limit: int) -> tuple[int, int, list[int]]:
    """Drive the sizer against a portal refusing batches over ``limit`` (naming no key) the
    way the engine does with one worker: halves of a refusal first, new batches at the size
    it gives. Returns (requests, final size, sizes refused)."""
    sizer = BatchSizer(cap)
    front: list[tuple[int, int | None]] = []  # (size, suspect)
    refusals: list[int] = []
    requests = 0
    remaining = 200_000
    while remaining > 0 or front:
        if front:
            size, suspect = front.pop(0)
            if sizer.too_large(size):
                front[:0] = [(sizer.size, None)] * (size // sizer.size)
                if size % sizer.size:
                    front.insert(0, (size % sizer.size, None))
                continue
        else:
            size, suspect = min(sizer.size, remaining), None
            remaining -= size
        requests += 1
        if size > limit:
            refusals.append(size)
            split = sizer.refused(size)
            front[:0] = [(size // 2, split), (size - size // 2, split)]
        else:
            sizer.accepted(size, suspect)
    return requests, sizer.size, refusals


@pytest.mark.parametrize("limit", [1, 7, 100, 999, 1000, 1500, 1999])
def test_converges_on_a_working_size_in_a_few_requests(limit: int) -> None:
    requests, size, refusals = simulate(2000, limit)
    assert 0.95 * limit <= size <= limit
    assert all(r > limit for r in refusals)  # no batch that could go was refused
    assert len(refusals) <= 16, refusals  # a few, not one per pair
    needed = -(-200_000 // size)
    assert requests <= needed * 1.02 + len(refusals) + 16, (requests, needed)


# -- over real sockets -------------------------------------------------------------------------


def capped_answer(cap: int) -> Callable[[Any, int], JsonAnswer]:
    """The associate endpoint, refusing any batch over ``cap`` with a 400 whose words say
    nothing about size and name no pair (HubSpot's wording is not published)."""

    def answer(body: Any, number: int) -> JsonAnswer:
        inputs = body["inputs"]
        if len(inputs) > cap:
            refusal = {
                "status": "error",
                "message": "The request is not valid.",
                "category": "VALIDATION_ERROR",
                "correlationId": "c-1",
            }
            return 400, refusal, {}
        spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}
        results = [{"from": i["from"], "to": i["to"], "associationSpec": spec} for i in inputs]
        return 200, {"status": "COMPLETE", "results": results, "errors": []}, {}

    return answer


@pytest.mark.parametrize("cap", [100, 1500])
def test_an_unannounced_cap_is_found_in_a_few_requests(cap: int) -> None:
    with JsonPortal(capped_answer(cap)) as portal:
        frame = pd.DataFrame({"c": range(1, 20_001), "co": range(1, 20_001)})
        results = frame.hubassoc.associate(
            "contacts",
            "companies",
            from_col="c",
            to_col="co",
            token="t",
            base_url=portal.url,
            batch_size=2000,
            progress=False,
            rate_limit=(10_000, 1),
            max_workers=4,
        )
    sizes = [len(body["inputs"]) for body in portal.bodies]
    assert (results["status"] == "associated").all()
    record = results.attrs["hubassoc"]
    refused = [size for size in sizes if size > cap]
    print(
        f"\ncap {cap}: {len(sizes)} requests, {len(refused)} refused {refused}, "
        f"final batch size {record['final_batch_size']}"
    )
    assert 0.95 * cap <= record["final_batch_size"] <= cap
    # no pair was isolated one by one: single pairs are at most the odd remainder
    assert sum(1 for size in sizes if size == 1) <= 2
    # the refusals: the first batches in flight, then one per bisection step
    assert len(refused) <= 4 + 8
    needed = -(-20_000 // record["final_batch_size"])
    assert len(sizes) <= needed + len(refused) + 16
    assert record["requests"] == len(sizes)
