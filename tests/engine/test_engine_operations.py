"""The engine runs any operation: a toy one defined here, against a toy endpoint on 127.0.0.1.

Nothing in the package knows this operation or its endpoint; retries, isolation of a key a
whole-batch 400 names, per-key refusals, the journal and resume all come from the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from hubassoc_testkit import JsonAnswer, JsonPortal

from hubassoc_pandas.engine.execute import execute
from hubassoc_pandas.engine.settings import make_settings
from hubassoc_pandas.operations.base import Decoded, Encoded, Operation
from hubassoc_pandas.status import FAILED, NOT_SENT, SUCCESS
from hubassoc_pandas.transport.backoff import Backoff
from hubassoc_pandas.transport.client import HubSpotClient
from hubassoc_pandas.transport.responses import ApiResponse, parse_error


class Shout(Operation):
    """Upper-cases words: ``POST /toy/batch/shout`` with ``{"inputs": [{"word": ...}]}``."""

    name: ClassVar[str] = "toy/shout"
    verb: ClassVar[str] = "shout"
    success: ClassVar[str] = "shouted"
    max_batch_size: ClassVar[int] = 4
    value_columns: ClassVar[dict[str, tuple[Any, Any]]] = {"loud": ("string", None)}

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        self.after: dict[int, str] = {}  # the next page's cursor of a key

    @property
    def n_keys(self) -> int:
        return len(self.words)

    def path(self) -> str:
        return "toy/batch/shout"

    def encode(self, keys: np.ndarray) -> Encoded:
        words = [self.words[k] for k in keys.tolist()]
        inputs = [
            {"word": w, **({"after": self.after[k]} if k in self.after else {})}
            for w, k in zip(words, keys.tolist(), strict=True)
        ]
        return Encoded({"inputs": inputs}, words)

    def decode(self, response: ApiResponse, keys: np.ndarray, encoded: Encoded) -> Decoded:
        position = {word: n for n, word in enumerate(encoded.wire)}
        results = response.body.get("results", [])
        more = [position[r["word"]] for r in results if "after" in r]
        for r in results:
            if "after" in r:
                self.after[int(keys[position[r["word"]]])] = r["after"]
        done = [(position[r["word"]], r["loud"]) for r in results if "after" not in r]
        refused: dict[Any, list[int]] = {}
        for error in response.body.get("errors", []):
            refused.setdefault(parse_error(error), []).extend(
                position[w] for w in error["context"]["word"]
            )
        return Decoded(
            succeeded=np.array([p for p, _ in done], dtype=np.int64),
            values={"loud": [loud for _, loud in done]},
            refused=refused,
            more=np.array(more, dtype=np.int64),
        )

    def named(self, body: Any, encoded: Encoded) -> list[int]:
        named = set(body.get("context", {}).get("word", [])) if isinstance(body, dict) else set()
        return [n for n, word in enumerate(encoded.wire) if word in named]

    def journal_keys(self, keys: np.ndarray) -> list[str]:
        return [self.words[k] for k in keys.tolist()]

    def find_in_journal(self, stored: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        where = {word: n for n, word in enumerate(stored)}
        found = [k for k, word in enumerate(self.words) if word in where]
        return np.array(found, dtype=np.int64), np.array(
            [where[self.words[k]] for k in found], dtype=np.int64
        )


def toy_answer(body: Any, number: int) -> JsonAnswer:
    """The toy endpoint: the first request 503, a batch holding "boom" a 400 naming it, a word
    with "!" refused per input, a word with "+" in two pages, every other word upper-cased."""
    words = [i["word"] for i in body["inputs"]]
    if number == 1:
        return 503, {"message": "try later"}, {}
    if "boom" in words:
        return 400, {"message": "bad word", "context": {"word": ["boom"]}}, {}
    bad = [w for w in words if "!" in w]
    errors = [{"category": "NOISY", "message": "no", "context": {"word": bad}}]
    results = [
        {"word": i["word"], "loud": "…", "after": "page-2"}
        if i["word"].endswith("+") and "after" not in i
        else {"word": i["word"], "loud": i["word"].upper()}
        for i in body["inputs"]
        if "!" not in i["word"]
    ]
    return 200, {"results": results, "errors": errors if bad else []}, {}


@pytest.fixture
def toy() -> Iterator[JsonPortal]:
    with JsonPortal(toy_answer) as portal:
        yield portal


def shout(
    words: list[str],
    toy: JsonPortal,
    journal: Path | None = None,
    *,
    dry_run: bool = False,
    on_sending: Callable[[], object] | None = None,
) -> Any:
    settings = make_settings("contacts", "companies", backoff=Backoff(base=0.01, cap=0.02))
    with HubSpotClient("toy-token", base_url=toy.url) as client:
        return execute(
            Shout(words),
            np.ones(len(words), dtype=np.int64),
            settings,
            toy.url,
            token=None,
            client=client,
            progress=False,
            dry_run=dry_run,
            journal=journal,
            first_batch=1,
            total_rows=len(words),
            invalid_rows=0,
            on_sending=on_sending,
        )


WORDS = ["a", "b", "c!", "d", "boom", "e", "f", "g", "h", "i!", "j+"]


def test_a_new_operation_runs_through_the_engine_unchanged(toy: JsonPortal) -> None:
    done = shout(WORDS, toy)
    ledger = done.ledger
    by_word = dict(zip(WORDS, ledger.status.tolist(), strict=True))
    shouted = {"a", "b", "d", "e", "f", "g", "h", "j+"}
    assert {w for w, s in by_word.items() if s == SUCCESS} == shouted
    assert {w for w, s in by_word.items() if s == FAILED} == {"c!", "boom", "i!"}
    assert ledger.values["loud"][WORDS.index("e")] == "E"
    assert ledger.values["loud"][WORDS.index("j+")] == "J+"  # its second page decided it
    assert any(i.get("after") == "page-2" for b in toy.bodies for i in b["inputs"])
    assert ledger.text["error_category"][WORDS.index("c!")] == "NOISY"
    assert ledger.text["error_message"][WORDS.index("boom")] == "bad word"  # isolated, alone
    assert toy.bodies[0] in toy.bodies[1:]  # the 503 was retried with the same batch
    assert max(len(b["inputs"]) for b in toy.bodies) == Shout.max_batch_size
    assert done.report.requests == len(toy.bodies)


def test_the_toy_operation_resumes_from_its_journal(toy: JsonPortal, tmp_path: Path) -> None:
    path = tmp_path / "toy.db"
    first = shout(WORDS[:6], toy, journal=path)
    assert (first.ledger.status != NOT_SENT).all()
    sent_before = len(toy.bodies)
    second = shout(WORDS, toy, journal=path)
    resent = {i["word"] for body in toy.bodies[sent_before:] for i in body["inputs"]}
    assert second.record["resumed_pairs"] == 4  # a, b, d, e were done
    assert not resent & {"a", "b", "d", "e"}
    assert second.ledger.values["loud"][WORDS.index("a")] == "A"  # restored from the journal


def test_on_sending_is_called_once_as_the_first_requests_leave(toy: JsonPortal) -> None:
    seen: list[int] = []  # requests the endpoint had received at each call
    done = shout(WORDS, toy, on_sending=lambda: seen.append(len(toy.bodies)))
    assert len(seen) == 1
    assert seen[0] <= make_settings("contacts", "companies").max_workers
    assert done.report.requests == len(toy.bodies) > seen[0]  # the run went on after it


def test_on_sending_is_not_called_when_nothing_is_sent(toy: JsonPortal, tmp_path: Path) -> None:
    calls: list[str] = []
    shout(WORDS, toy, dry_run=True, on_sending=lambda: calls.append("dry run"))
    path = tmp_path / "toy.db"
    shout(["a", "b"], toy, journal=path)
    sent = len(toy.bodies)
    shout(["a", "b"], toy, journal=path, on_sending=lambda: calls.append("resumed"))
    assert len(toy.bodies) == sent  # every word was resumed from the journal
    assert calls == []
