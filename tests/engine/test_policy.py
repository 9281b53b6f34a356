"""The retry policy, table-driven: what each answer means and what a worker does next."""

from __future__ import annotations

from typing import Any

import pytest

from hubassoc_pandas.engine.policy import (
    LOCKED_WAIT,
    Kind,
    Step,
    classify,
    error_of,
    fatal_error,
    give_up_info,
    next_step,
)
from hubassoc_pandas.errors import AuthenticationError
from hubassoc_pandas.transport.responses import ApiResponse

CLASSIFY = [
    (ApiResponse(status=423, body={"message": "locked"}), {}, Kind.LOCKED),
    (ApiResponse(status=477, body={"message": "migrating"}), {}, Kind.MIGRATING),
    (ApiResponse(status=204), {"empty_ok": True}, Kind.SUCCESS),
    (ApiResponse(status=204), {}, Kind.TRANSIENT),
    (ApiResponse(status=200, text="<html>"), {"empty_ok": True}, Kind.TRANSIENT),
    (ApiResponse(status=0, error="reset", lost=True), {"empty_ok": True}, Kind.TRANSIENT),
]


@pytest.mark.parametrize(("response", "options", "kind"), CLASSIFY)
def test_classify(response: ApiResponse, options: dict[str, Any], kind: Kind) -> None:
    assert classify(response, **options) is kind


def step(kind: Kind, failures: int = 1, waits: int = 0, retry_after: float | None = None) -> Step:
    return next_step(
        kind,
        failures=failures,
        waits=waits,
        max_attempts=3,
        max_rate_limit_waits=4,
        backoff=lambda n: 0.1 * n,
        retry_after=retry_after,
    )


NEXT_STEP = [
    ((Kind.TRANSIENT, 1), Step("backoff", 0.1)),
    ((Kind.TRANSIENT, 3), Step("done")),
    ((Kind.LOCKED, 1), Step("backoff", LOCKED_WAIT)),  # a lock lasts about 2 s
    ((Kind.LOCKED, 3), Step("done")),
    ((Kind.RATE_LIMITED, 0, 1), Step("hold")),
    ((Kind.RATE_LIMITED, 0, 4), Step("done")),
    ((Kind.MIGRATING, 0, 1, 30.0), Step("wait", 30.0)),
    ((Kind.MIGRATING, 0, 1, None), Step("wait", LOCKED_WAIT)),
    ((Kind.MIGRATING, 0, 1, 7200.0), Step("done")),  # hours: stop instead of waiting
    ((Kind.SUCCESS, 0), Step("done")),
    ((Kind.REJECTED, 0), Step("done")),
]


@pytest.mark.parametrize(("args", "expected"), NEXT_STEP)
def test_next_step(args: tuple[Any, ...], expected: Step) -> None:
    assert step(*args) == expected


def test_the_correlation_id_comes_from_headers_when_the_body_has_none() -> None:
    page = ApiResponse(
        status=502,
        text="<html>Bad Gateway</html>",
        headers={"X-HubSpot-Correlation-Id": "c0ffee-1"},
    )
    assert error_of(page).correlation_id == "c0ffee-1"
    info = give_up_info(Kind.TRANSIENT, page, attempts=3, rate_limited=0)
    assert info.correlation_id == "c0ffee-1" and info.category == "SERVER_ERROR"
    body = ApiResponse(
        status=500,
        body={"message": "x", "correlationId": "from-body"},
        headers={"X-HubSpot-Correlation-Id": "from-header"},
    )
    assert error_of(body).correlation_id == "from-body"


def test_a_lost_answer_says_it_may_have_been_done() -> None:
    lost = ApiResponse(status=0, error="ReadTimeout: read timed out", lost=True)
    info = give_up_info(Kind.TRANSIENT, lost, attempts=2, rate_limited=0)
    assert "may have reached HubSpot" in info.message and info.retryable
    refused = ApiResponse(status=0, error="ConnectionError: refused")
    assert (
        "may have" not in give_up_info(Kind.TRANSIENT, refused, attempts=2, rate_limited=0).message
    )


def test_an_expired_token_gets_a_message_saying_what_to_check() -> None:
    body = {
        "status": "error",
        "category": "EXPIRED_AUTHENTICATION",
        "message": "The OAuth token used to make this call expired 20418 day(s) ago.",
        "correlationId": "abc",
    }
    error, _ = fatal_error(Kind.UNAUTHORIZED, ApiResponse(status=401, body=body))
    assert isinstance(error, AuthenticationError)
    assert "expired" in str(error) and "malformed private-app token" in str(error)
    assert error.correlation_id == "abc"
