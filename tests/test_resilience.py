"""Retries and stops against the sandbox over real sockets: 429s, the daily limit, 5xx, proxy
pages, dropped connections, truncated and unreadable bodies, timeouts, 4xx, and Ctrl-C."""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest
from hubassoc_testkit import (
    UNPACED,
    RecordingBackoff,
    RecordingProgress,
    associate_on,
    associated_pairs,
    endpoint_requests,
    retry_on,
    running_hub,
    stored_pairs,
)

import hubassoc_pandas  # noqa: F401  (registers the accessor)
from hubassoc_pandas.engine import run as engine_run
from hubassoc_pandas.errors import AuthenticationError, MissingScopesError
from hubassoc_pandas.sandbox import Fault, Sandbox

# -- 429 on the rolling window ------------------------------------------------------------


def test_429_with_retry_after_waits_and_notes_it(hub: Sandbox, make_frame: Any) -> None:
    hub.configure(faults=[Fault("429", on_requests=[1])], retry_after=True)
    progress = RecordingProgress()
    started = time.monotonic()
    results = associate_on(hub, make_frame(50), progress=progress, rate_limit=(20, 1.0))
    seconds = time.monotonic() - started
    assert (results["status"] == "associated").all()
    assert (results["attempts"] == 2).all()
    sent = endpoint_requests(hub)
    assert [r.status for r in sent] == [429, 200]
    assert sent[0].response_headers.get("Retry-After") == "1"
    assert sent[1].started - sent[0].started >= 0.9  # Retry-After honoured
    assert seconds < 5
    assert any("rate limited" in note for note in progress.notes)
    assert progress.closed
    assert results.attrs["hubassoc"]["rate_limited_responses"] == 1


def test_429_without_retry_after_waits_for_the_window(hub: Sandbox, make_frame: Any) -> None:
    hub.configure(faults=[Fault("429", on_requests=[1, 2])], retry_after=False)
    results = associate_on(hub, make_frame(50), rate_limit=(20, 1.0))
    assert (results["status"] == "associated").all()
    assert (results["attempts"] == 3).all()
    sent = endpoint_requests(hub)
    assert [r.status for r in sent] == [429, 429, 200]
    assert "Retry-After" not in sent[0].response_headers
    # each wait lasts until the request that met the 429 leaves the 1 s window
    assert sent[1].started - sent[0].started >= 0.8
    assert sent[2].started - sent[1].started >= 0.8


def test_real_rolling_window_429s_are_all_recovered(hub: Sandbox, make_frame: Any) -> None:
    """The client believes in 100/s; the server allows 10/s and says so only in 429s."""
    hub.configure(rate_limit=(10, 1.0), rate_limit_headers=False)
    results = associate_on(hub, make_frame(300), batch_size=10, rate_limit=(100, 1.0))
    assert (results["status"] == "associated").all()
    assert stored_pairs(hub) == associated_pairs(results)
    assert hub.stats()["rate_limited"] >= 1


# -- the daily limit ----------------------------------------------------------------------


@pytest.mark.parametrize("how", ["counter", "fault"])
def test_daily_limit_stops_and_marks_the_rest_not_sent(
    hub: Sandbox, make_frame: Any, how: str
) -> None:
    if how == "counter":
        hub.configure(daily_limit=3)
    else:
        hub.configure(faults=[Fault("429_daily", on_requests=[4])])
    frame = make_frame(200, seed=4)
    started = time.monotonic()
    with pytest.warns(RuntimeWarning, match="daily"):
        results = associate_on(hub, frame, batch_size=10, max_workers=1)
    assert time.monotonic() - started < 10
    assert (results["status"] == "associated").sum() == 30
    rest = results[results["status"] != "associated"]
    assert len(rest) == 170
    assert (rest["status"] == "not_sent").all()
    assert (rest["error_category"] == "DAILY_LIMIT").all()
    assert rest["error_message"].str.contains("reset").all()
    assert rest["retryable"].all()
    assert results.attrs["hubassoc"]["stopped"] == "DAILY_LIMIT"
    assert len(endpoint_requests(hub)) == 4  # nothing sent after the daily 429
    # after the reset, retry() sends the rest
    hub.new_day()
    hub.configure(faults=[], daily_limit=None)
    fixed = retry_on(hub, results)
    assert (fixed["status"] == "associated").all()
    assert len(stored_pairs(hub)) == 200


def test_daily_limit_with_many_workers_does_not_hang(hub: Sandbox, make_frame: Any) -> None:
    hub.configure(daily_limit=20, latency=0.02)
    with pytest.warns(RuntimeWarning, match="daily"):
        results = associate_on(hub, make_frame(2000, seed=5), batch_size=10, max_workers=16)
    counts = results["status"].value_counts()
    assert counts["associated"] == 200
    assert counts["not_sent"] == 1800
    assert stored_pairs(hub) == associated_pairs(results)


# -- transient failures --------------------------------------------------------------------

TRANSIENT = ["500_json", "502_html", "503_html", "close", "truncated", "non_json", "hang"]


def _fault(kind: str, **kwargs: Any) -> Fault:
    return Fault(kind, hang_seconds=2.0, **kwargs)


@pytest.mark.parametrize("kind", [*TRANSIENT, "close_after_commit"])
def test_transient_failures_are_retried(
    hub: Sandbox, make_frame: Any, fast_backoff: RecordingBackoff, kind: str
) -> None:
    hub.configure(faults=[_fault(kind, on_requests=[1, 2])])
    results = associate_on(hub, make_frame(40), timeout=(1, 0.5), backoff=fast_backoff)
    assert (results["status"] == "associated").all()
    assert (results["attempts"] == 3).all()
    assert fast_backoff.asked == [1, 2]  # an exponential step after each failure
    assert len(stored_pairs(hub)) == 40


@pytest.mark.parametrize(
    ("kind", "category", "message"),
    [
        ("500_json", "INTERNAL_ERROR", "HTTP 500 after 3 attempts"),
        (
            "502_html",
            "SERVER_ERROR",
            "HTTP 502 with a body that is not JSON.*Bad Gateway.*after 3 attempts",
        ),
        ("close", "NETWORK", "No answer after 3 attempts"),
        ("truncated", "NETWORK", "No answer after 3 attempts"),
        ("non_json", "BAD_RESPONSE", "HTTP 200 with a body that is not JSON.*after 3 attempts"),
        ("hang", "NETWORK", "timed out"),
    ],
)
def test_transient_failures_give_up_after_max_attempts(
    hub: Sandbox,
    make_frame: Any,
    fast_backoff: RecordingBackoff,
    kind: str,
    category: str,
    message: str,
) -> None:
    hub.configure(faults=[_fault(kind, rate=1.0)])
    results = associate_on(
        hub, make_frame(30), batch_size=10, max_attempts=3, timeout=(1, 0.5), backoff=fast_backoff
    )
    # a 2xx that could not be read, a connection dropped after sending, a body cut short or
    # a read timeout: the request may have done its work, so unconfirmed rather than failed
    lost = ("non_json", "close", "truncated", "hang")
    expected = "unconfirmed" if kind in lost else "failed"
    assert (results["status"] == expected).all()
    assert results["retryable"].all()
    assert (results["attempts"] == 3).all()
    assert (results["error_category"] == category).all(), results["error_category"].unique()
    assert results["error_message"].str.contains(message).all(), results["error_message"][0]
    assert hub.stats()["endpoint_requests"] == 9
    assert sorted(fast_backoff.asked) == [1, 1, 1, 2, 2, 2]


def test_backoff_default_is_capped_exponential_with_jitter() -> None:
    from hubassoc_pandas import Backoff

    backoff = Backoff()
    ceilings = [min(backoff.cap, backoff.base * 2 ** (n - 1)) for n in range(1, 12)]
    assert ceilings[:3] == [0.5, 1.0, 2.0] and max(ceilings) == backoff.cap
    for attempt, ceiling in enumerate(ceilings, start=1):
        delays = [backoff.delay(attempt) for _ in range(20)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


# -- answers that are not retried ------------------------------------------------------------


def test_empty_2xx_is_sent_once_more_then_unconfirmed(hub: Sandbox, make_frame: Any) -> None:
    hub.configure(faults=[Fault("empty_2xx", on_requests=[1])])
    results = associate_on(hub, make_frame(20))
    assert (results["status"] == "associated").all()
    hub.reset()
    hub.configure(faults=[Fault("empty_2xx", rate=1.0)])
    results = associate_on(hub, make_frame(20))
    assert (results["status"] == "unconfirmed").all()
    assert results["retryable"].all()
    assert len(endpoint_requests(hub)) == 2


def test_too_large_shrinks_the_batch(hub: Sandbox, make_frame: Any) -> None:
    hub.configure(max_batch_size=30)
    results = associate_on(hub, make_frame(200, seed=8), batch_size=100, max_workers=1)
    assert (results["status"] == "associated").all()
    assert results.attrs["hubassoc"]["final_batch_size"] == 30
    sizes = [r.inputs for r in endpoint_requests(hub)]
    assert sizes[0] == 100 and max(sizes[1:]) <= 30


def test_whole_batch_400_isolates_the_bad_pairs(hub: Sandbox, make_frame: Any) -> None:
    hub.configure(missing_ids="batch_400")
    frame = make_frame(100, seed=9)
    frame.loc[[3, 60], "company_id"] = 99_999_999
    results = associate_on(hub, frame, batch_size=100)
    bad = results.loc[[3, 60]]
    assert (bad["status"] == "failed").all()
    assert not bad["retryable"].any()
    assert (results.drop(index=[3, 60])["status"] == "associated").all()
    # the named pairs are re-sent apart until each is refused alone; the rest go once more
    sent = endpoint_requests(hub)
    assert sorted(r.inputs for r in sent) == [1, 1, 2, 98, 100]
    assert sum(r.status == 400 for r in sent) == 4


def test_401_stops_after_one_request(hub: Sandbox, make_frame: Any) -> None:
    with pytest.raises(AuthenticationError) as caught:
        associate_on(hub, make_frame(500), token="wrong-token", batch_size=10, max_workers=1)
    assert len(endpoint_requests(hub)) == 1
    results = caught.value.results
    assert results is not None and (results["status"] == "not_sent").all()


def test_403_stops_without_retrying(make_frame: Any) -> None:
    with running_hub(
        records={"contacts": range(1, 1001), "companies": range(1, 1001)},
        tokens={"read-only": ["crm.objects.contacts.read"]},
    ) as hub:
        with pytest.raises(MissingScopesError) as caught:
            associate_on(hub, make_frame(50), token="read-only", batch_size=10, max_workers=1)
        assert caught.value.scopes
        assert len(endpoint_requests(hub)) == 1


# -- Ctrl-C ------------------------------------------------------------------------------------


def test_ctrl_c_keeps_finished_rows_and_retry_completes(hub: Sandbox, make_frame: Any) -> None:
    hub.configure(latency=0.02)
    frame = make_frame(2000, seed=12)
    progress = RecordingProgress(stop_after=300)
    with pytest.warns(RuntimeWarning, match="Interrupted"):
        results = associate_on(
            hub, frame, batch_size=20, max_workers=4, progress=progress, rate_limit=UNPACED
        )
    assert progress.closed
    assert results.index.equals(frame.index)
    counts = results["status"].value_counts()
    assert 300 <= counts["associated"] < 2000
    assert counts["associated"] + counts["not_sent"] == 2000
    rest = results[results["status"] == "not_sent"]
    assert (rest["error_category"] == "INTERRUPTED").all()
    assert rest["retryable"].all()
    assert results.attrs["hubassoc"]["stopped"] == "INTERRUPTED"
    assert associated_pairs(results) <= stored_pairs(hub)
    fixed = retry_on(hub, results)
    assert (fixed["status"] == "associated").all()
    assert stored_pairs(hub) == associated_pairs(fixed)


def test_ctrl_c_with_requests_still_out_leaves_them_unconfirmed(
    hub: Sandbox, make_frame: Any
) -> None:
    # batch 1 is answered (and its progress report raises Ctrl-C); batches 2 and 3 hang
    hub.configure(faults=[Fault("hang", on_requests=[2, 3], hang_seconds=30)])
    frame = make_frame(50)
    with pytest.warns(RuntimeWarning, match="Interrupted"):
        results = associate_on(
            hub,
            frame,
            batch_size=10,
            max_workers=3,
            timeout=(1, 8),
            progress=RecordingProgress(stop_after=10),
        )
    statuses = results["status"].astype(str)
    assert (statuses == "associated").sum() == 10
    hung = hub.stats()["faults"].get("hang", 0)  # requests that reached HubSpot, unanswered
    out = results[statuses == "unconfirmed"]
    assert hung >= 1 and len(out) == 10 * hung
    assert (out["error_category"] == "INTERRUPTED").all() and out["retryable"].all()
    assert out["error_message"].str.contains("may or may not").all()
    assert out["batch"].notna().all()
    rest = results[statuses == "not_sent"]
    assert len(rest) == 50 - 10 - len(out) and rest["batch"].isna().all()
    assert (rest["error_category"] == "INTERRUPTED").all()


def test_ctrl_c_while_an_answer_is_taken_in_keeps_its_rows(
    hub: Sandbox, make_frame: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a real SIGINT, delivered just as the third answer starts to be recorded
    answers: list[int] = []
    take_in = engine_run._Engine._succeeded

    def interrupted(engine: Any, sent: Any, response: Any) -> None:
        answers.append(1)
        if len(answers) == 3:
            signal.raise_signal(signal.SIGINT)
        take_in(engine, sent, response)

    monkeypatch.setattr(engine_run._Engine, "_succeeded", interrupted)
    with pytest.warns(RuntimeWarning, match="Interrupted"):
        results = associate_on(
            hub, make_frame(100), batch_size=10, max_workers=1, rate_limit=UNPACED
        )
    assert results.attrs["hubassoc"]["stopped"] == "INTERRUPTED"
    counts = results["status"].value_counts()
    assert counts["associated"] == 30 and counts["not_sent"] == 70
    assert stored_pairs(hub) == associated_pairs(results)  # HubSpot holds nothing not_sent


def test_a_pair_waiting_to_be_sent_again_at_the_daily_limit_is_unconfirmed(
    hub: Sandbox, make_frame: Any
) -> None:
    frame = make_frame(4)
    first = frame.iloc[0]
    hub.configure(
        silent_pairs={(str(first["contact_id"]), str(first["company_id"]))},
        faults=[Fault("429_daily", on_requests=[2])],
    )
    with pytest.warns(RuntimeWarning, match="daily"):
        results = associate_on(hub, frame, batch_size=2, max_workers=1)
    row = results.iloc[0]
    assert row["status"] == "unconfirmed" and row["error_category"] == "DAILY_LIMIT"
    assert row["batch"] == 1 and row["retryable"]
    assert results.iloc[1]["status"] == "associated"
    assert (results.iloc[2:]["status"] == "not_sent").all()
