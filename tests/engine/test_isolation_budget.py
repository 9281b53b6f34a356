"""Isolating the pairs a whole-batch refusal is about converges whatever the refusal says:
numbers that only equal an ID name nothing, names that prove wrong are not trusted again, a
bad pair costs about 2 x log2(batch) requests, and a run-wide budget stops it. Real sockets on
127.0.0.1 (a JsonPortal playing the server)."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hubassoc_testkit import JsonAnswer, JsonPortal, associate_at

import hubassoc_pandas  # noqa: F401  (registers the accessor)
from hubassoc_pandas.engine.isolate import Isolator, Lineage, isolation_budget, wording
from hubassoc_pandas.transport.responses import ErrorInfo

SPEC = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}
FAST = {"rate_limit": (10_000, 1), "progress": False}

Inputs = list[dict[str, Any]]


class Server:
    """An associate endpoint that stores what it accepts and refuses a whole batch with a
    400 when ``refusal(inputs)`` gives a body for it."""

    def __init__(self, refusal: Callable[[Inputs], dict[str, Any] | None]) -> None:
        self.refusal = refusal
        self.stored: set[tuple[str, str]] = set()
        self.refused: list[Inputs] = []
        self._lock = threading.Lock()

    def answer(self, body: Any, number: int) -> JsonAnswer:
        inputs = body["inputs"]
        refusal = self.refusal(inputs)
        if refusal is not None:
            with self._lock:
                self.refused.append(inputs)
            return 400, {"status": "error", "correlationId": f"c-{number}", **refusal}, {}
        with self._lock:
            self.stored.update((i["from"]["id"], i["to"]["id"]) for i in inputs)
        results = [{"from": i["from"], "to": i["to"], "associationSpec": SPEC} for i in inputs]
        return 200, {"status": "COMPLETE", "results": results, "errors": []}, {}


def ids_of(inputs: Inputs) -> set[str]:
    return {i[end]["id"] for i in inputs for end in ("from", "to")}


# -- a server refusing batches over 1,000, quoting numbers that are IDs of the batch ----------

CAP = 1000

#: How the refusal of an over-large batch reads: each quotes a number that is an ID of it.
WORDINGS: dict[str, Callable[[Inputs], str]] = {
    "the count": lambda inputs: f"Batch of {len(inputs)} inputs is over the limit",
    "an input's ID, untied": lambda inputs: (
        f"Request over the limit at input {inputs[-1]['from']['id']}"
    ),
    "bare numbers": lambda inputs: f"Refused: {inputs[0]['to']['id']} / {len(inputs)}",
    # words that do tie the number to a contact, wrongly: trusted until it proves wrong
    "a contact, wrongly": lambda inputs: f"No contact with ID {inputs[-1]['from']['id']} exists.",
}


def over_cap(say: Callable[[Inputs], str]) -> Callable[[Inputs], dict[str, Any] | None]:
    def refusal(inputs: Inputs) -> dict[str, Any] | None:
        if len(inputs) <= CAP:
            return None
        return {"category": "VALIDATION_ERROR", "message": say(inputs)}

    return refusal


def quoted_ids(server: Server) -> int:
    """How many refusals quoted a number that is an ID of the batch refused."""
    quoted = 0
    for inputs in server.refused:
        said = re.findall(r"[0-9]+", str((server.refusal(inputs) or {}).get("message")))
        quoted += bool(set(said) & ids_of(inputs))
    return quoted


def pairs_frame(n: int) -> pd.DataFrame:
    """``n`` pairs (contact i, company i): every count up to ``n`` is an ID of both sides."""
    ids = np.arange(1, n + 1)
    return pd.DataFrame({"contact_id": ids, "company_id": ids})


@pytest.mark.parametrize("max_workers", [16, 1])
@pytest.mark.parametrize("say", list(WORDINGS), ids=list(WORDINGS))
def test_5000_pairs_against_a_cap_of_1000_quoting_ids(say: str, max_workers: int) -> None:
    server = Server(over_cap(WORDINGS[say]))
    with JsonPortal(server.answer) as portal:
        results = associate_at(portal.url, "t", pairs_frame(5000), max_workers=max_workers, **FAST)
    sizes = [len(body["inputs"]) for body in portal.bodies]
    print(f"\n{say}, {max_workers} workers: {len(sizes)} requests {sizes}")
    assert (results["status"] == "associated").all()
    assert len(server.stored) == 5000
    assert quoted_ids(server) >= 1  # the refusals did quote IDs of their batches
    assert len(sizes) <= 15, sizes
    assert results.attrs["hubassoc"]["requests"] == len(sizes)
    # no pair was singled out one by one
    assert sum(1 for size in sizes if size < 100) <= 2, sizes


@pytest.mark.parametrize("say", ["the count", "a contact, wrongly"])
def test_the_size_learnt_is_kept_for_the_rest_of_the_run(say: str) -> None:
    server = Server(over_cap(WORDINGS[say]))
    with JsonPortal(server.answer) as portal:
        results = associate_at(portal.url, "t", pairs_frame(40_000), max_workers=4, **FAST)
    sizes = [len(body["inputs"]) for body in portal.bodies]
    refused = [size for size in sizes if size > CAP]
    final = results.attrs["hubassoc"]["final_batch_size"]
    print(f"\n{say}: {len(sizes)} requests, refused {refused}, final batch size {final}")
    assert (results["status"] == "associated").all() and len(server.stored) == 40_000
    assert 0.95 * CAP <= final <= CAP
    # the first batches in flight (and, while names are trusted, their rests), then one per
    # bisection step
    assert len(refused) <= 2 * 4 + 8
    # once learnt, the size holds: the last batches are all of it (the odd remainder aside)
    last_refusal = max(i for i, size in enumerate(sizes) if size > CAP)
    after = sizes[last_refusal + 1 :]
    assert all(size <= CAP for size in after)
    assert len(sizes) <= math.ceil(40_000 / final) + len(refused) + 16


# -- names matched to their side -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing_side", "message"),
    [("from", "No contact with ID 7 exists."), ("to", "No company with ID 7 exists.")],
)
def test_an_id_is_matched_to_the_side_its_message_names(missing_side: str, message: str) -> None:
    # record 7 of one side does not exist; 7 is also an ID on the other side, in another pair
    def refusal(inputs: Inputs) -> dict[str, Any] | None:
        if any(i[missing_side]["id"] == "7" for i in inputs):
            return {"category": "OBJECT_NOT_FOUND", "message": message}
        return None

    server = Server(refusal)
    contacts = [c for c in range(1, 101)]
    companies = [1000 + c for c in range(1, 101)]
    contacts[2], companies[2] = 3, 7  # (contact 3, company 7)
    contacts[6], companies[6] = 7, 5  # (contact 7, company 5)
    frame = pd.DataFrame({"contact_id": contacts, "company_id": companies})
    bad, innocent = (6, 2) if missing_side == "from" else (2, 6)
    with JsonPortal(server.answer) as portal:
        results = associate_at(portal.url, "t", frame, batch_size=100, max_workers=1, **FAST)
    assert results.loc[bad, "status"] == "failed"
    assert not results.loc[bad, "retryable"]
    assert results.loc[bad, "error_message"] == message
    assert results.loc[innocent, "status"] == "associated"
    assert (results.drop(index=bad)["status"] == "associated").all()
    # the refused batch, the bad pair alone (refused), the other 99 together
    sizes = [len(body["inputs"]) for body in portal.bodies]
    assert sorted(sizes) == [1, 99, 100]
    alone = next(body["inputs"][0] for body in portal.bodies if len(body["inputs"]) == 1)
    assert (alone["from"]["id"], alone["to"]["id"]) == (
        str(contacts[bad]),
        str(companies[bad]),
    )


# -- what a bad pair costs, and the budget -------------------------------------------------------


def refuse_bad(bad: set[str], message: Callable[[Inputs], str]) -> Callable[[Inputs], Any]:
    """Refuse any batch holding a contact of ``bad``, in words naming none of them."""

    def refusal(inputs: Inputs) -> dict[str, Any] | None:
        if any(i["from"]["id"] in bad for i in inputs):
            return {"category": "VALIDATION_ERROR", "message": message(inputs)}
        return None

    return refusal


@pytest.mark.parametrize(
    "message",
    [
        lambda inputs: "The request is not valid.",
        lambda inputs: f"Batch of {len(inputs)} inputs refused",
        lambda inputs: f"Refused at input {inputs[0]['from']['id']}",
    ],
    ids=["same words", "the count", "an input's ID"],
)
def test_a_bad_pair_costs_at_most_2_log2_batch_requests(message: Callable[[Inputs], str]) -> None:
    frame = pairs_frame(5000)
    bad_rows = [321, 1500, 2222, 3999, 4000]
    frame.loc[bad_rows, "contact_id"] = 9_000_000 + np.arange(len(bad_rows))
    bad = {str(c) for c in frame.loc[bad_rows, "contact_id"]}
    server = Server(refuse_bad(bad, message))
    with JsonPortal(server.answer) as portal:
        results = associate_at(portal.url, "t", frame, batch_size=1000, max_workers=4, **FAST)
    failed = results["status"] == "failed"
    assert failed[bad_rows].all() and not results.loc[bad_rows, "retryable"].any()
    assert (results[~failed]["status"] == "associated").all() and failed.sum() == len(bad_rows)
    extra = len(portal.bodies) - 5
    per_bad = extra / len(bad_rows)
    print(f"\n{len(portal.bodies)} requests: {per_bad:.1f} extra per bad pair")
    assert extra <= 2 * math.log2(1000) * len(bad_rows), extra


def test_the_budget_stops_isolation_and_says_why() -> None:
    # one bad pair in ten: bisecting every batch down would cost over a thousand requests
    frame = pairs_frame(2000)
    bad_rows = list(range(5, 2000, 10))
    frame.loc[bad_rows, "contact_id"] = 9_000_000 + np.arange(len(bad_rows))
    bad = {str(c) for c in frame.loc[bad_rows, "contact_id"]}
    server = Server(refuse_bad(bad, lambda inputs: "The request is not valid."))
    with JsonPortal(server.answer) as portal:
        results = associate_at(portal.url, "t", frame, batch_size=100, max_workers=4, **FAST)
    budget = isolation_budget(2000, 100)
    counts = results["status"].value_counts().to_dict()
    print(f"\n{len(portal.bodies)} requests (budget {budget}): {counts}")
    assert len(portal.bodies) <= 20 + budget
    over = results["error_message"].str.contains("the most a run spends on it", na=False)
    assert over.any()
    stopped = results[over]
    assert (stopped["status"] == "failed").all() and stopped["retryable"].all()
    message = stopped["error_message"].iloc[0]
    assert "The request is not valid." in message and "HTTP 400" in message
    assert f"({budget})" in message and "retry()" in message and "batch_size" in message
    # nothing else is left hanging, and nothing bad is reported associated
    assert set(results["status"]) <= {"associated", "failed"}
    assert not (results.loc[bad_rows, "status"] == "associated").any()
    done = results[results["status"] == "associated"]
    stored = zip(done["contact_id"].astype(str), done["company_id"].astype(str), strict=True)
    assert set(stored) == server.stored
    refused_alone = results[(results["status"] == "failed") & ~over]
    assert set(refused_alone.index) <= set(bad_rows) and not refused_alone["retryable"].any()


# -- the rules, without a server ---------------------------------------------------------------


INFO = ErrorInfo("VALIDATION_ERROR", "No contact with ID 7 exists.", http_status=400)


def test_names_are_trusted_until_a_named_key_goes_through() -> None:
    isolator = Isolator()
    lineage = Lineage()
    decision = isolator.refused(10, INFO, [3], lineage)
    assert decision.named and decision.parts[0].tolist() == [3]
    # while the named part is out, further names in that batch are not trusted
    lineage.unanswered_names += 1
    assert not isolator.refused(9, INFO, [4], lineage).named
    lineage.unanswered_names -= 1
    assert isolator.refused(9, INFO, [4], lineage).named
    # the named key went through: that wording's names are trusted nowhere in the run
    isolator.misnamed("No contact with ID 3 exists.")
    decision = isolator.refused(9, INFO, [4], Lineage())
    assert not decision.named and [len(p) for p in decision.parts] == [4, 5]
    assert isolator.trusts("No company with ID 3 exists.")


def test_naming_every_key_bisects() -> None:
    decision = Isolator().refused(4, INFO, [0, 1, 2, 3])
    assert not decision.named and [p.tolist() for p in decision.parts] == [[0, 1], [2, 3]]


def test_the_budget_counts_the_parts_sent_apart() -> None:
    isolator = Isolator(budget=4)
    assert len(isolator.refused(8, INFO, []).parts) == 2
    assert len(isolator.refused(4, INFO, []).parts) == 2
    over = isolator.refused(2, INFO, []).fail
    assert over is not None and over.retryable and over.http_status == 400
    assert "4 extra requests" in over.message and "(4)" in over.message
    assert over.category == "VALIDATION_ERROR"
    assert isolator.spent == 4
    # a key refused alone still fails on its own account
    assert isolator.refused(1, INFO, [0]).fail is INFO


@pytest.mark.parametrize(
    ("keys", "batch_size", "budget"),
    [(10, 2000, 200), (5000, 2000, 200), (1_000_000, 2000, 1000), (100_000, 10, 20_000)],
)
def test_the_budget_grows_with_the_run(keys: int, batch_size: int, budget: int) -> None:
    assert isolation_budget(keys, batch_size) == budget


def test_a_wording_masks_numbers() -> None:
    assert wording("Batch of 2000 inputs, 1000 allowed") == "Batch of # inputs, # allowed"
