"""What an answer means and what to do next: retry, wait, stop or give up. Pure: no I/O.

Every retry decision of the engine is made here: :func:`classify` reads a response into a
:class:`Kind`, :func:`next_step` says whether a worker sends the batch again (and after what
wait), and :func:`give_up_info` / :func:`fatal_error` word the outcome when it stops trying.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hubassoc_pandas.errors import AuthenticationError, FatalApiError, MissingScopesError
from hubassoc_pandas.status import BAD_RESPONSE, NETWORK, RATE_LIMIT, SERVER_ERROR, counted
from hubassoc_pandas.transport.responses import ApiResponse, ErrorInfo, parse_error

__all__ = [
    "Kind",
    "Step",
    "classify",
    "describe",
    "error_of",
    "fatal_error",
    "give_up_info",
    "next_step",
    "size_limit_from",
]

_SIZE_WORDS = re.compile(r"batch|inputs?|items|size|request", re.IGNORECASE)
_TOO_LARGE = re.compile(
    r"too (?:large|many|big)|exceed|maximum|max(?:imum)? (?:of )?\d+|at most \d+|limit of \d+",
    re.IGNORECASE,
)
_SIZE_LIMIT = re.compile(
    r"(?:maximum(?: batch size)?(?: is| of)?|max(?:imum)?:?|at most|limit(?: is| of)?|up to)"
    r"\s*(\d+)",
    re.IGNORECASE,
)


class Kind(enum.Enum):
    """What a response means for the batch that received it."""

    SUCCESS = "success"  # a 2xx the operation can read: map it key by key
    RATE_LIMITED = "rate_limited"  # 429 on the rolling window: wait, then send again
    DAILY_LIMIT = "daily_limit"  # 429 DAILY: nothing more succeeds today
    UNAUTHORIZED = "unauthorized"  # 401: stop the run
    FORBIDDEN = "forbidden"  # 403: stop the run
    TOO_LARGE = "too_large"  # 400 about the batch size: shrink and send again
    REJECTED = "rejected"  # 4xx for the whole batch: split to isolate the bad keys
    FATAL = "fatal"  # the request itself cannot work (unknown object type, wrong URL)
    TRANSIENT = "transient"  # 5xx, network, unreadable body: back off and send again
    LOCKED = "locked"  # 423: a record is locked by a sync for about 2 s: wait, send again
    MIGRATING = "migrating"  # 477: the account is being migrated: wait Retry-After, or stop


#: Shortest wait after a 423 Locked (HubSpot's locks last about 2 s).
LOCKED_WAIT = 2.0
#: Longest Retry-After of a 477 that a run waits for; beyond it, the run stops.
MIGRATION_WAIT_LIMIT = 60.0


def classify(response: ApiResponse, *, empty_ok: bool = False) -> Kind:
    """Decide what a response means for its batch.

    ``empty_ok``: the operation's endpoint may answer 2xx with no body (v4 removals answer
    204), which then means success; otherwise a 2xx without a readable JSON object proves
    nothing and is retried.

    Examples
    --------
    >>> classify(ApiResponse(status=207, body={"results": []})).name
    'SUCCESS'
    >>> classify(ApiResponse(status=429, body={"policyName": "DAILY"})).name
    'DAILY_LIMIT'
    >>> classify(ApiResponse(status=204), empty_ok=True).name
    'SUCCESS'
    """
    status, body = response.status, response.body
    if status == 0 or status >= 500 or status == 408:
        return Kind.TRANSIENT
    if 200 <= status < 300:
        if isinstance(body, dict):
            return Kind.SUCCESS
        empty = body is None and not response.text and not response.error
        return Kind.SUCCESS if empty_ok and empty else Kind.TRANSIENT
    if status == 429:
        policy = str(body.get("policyName", "")) if isinstance(body, dict) else ""
        message = str(body.get("message", "")) if isinstance(body, dict) else ""
        if policy.upper() == "DAILY" or "daily limit" in message.lower():
            return Kind.DAILY_LIMIT
        return Kind.RATE_LIMITED
    if status == 423:
        return Kind.LOCKED
    if status == 477:
        return Kind.MIGRATING
    if status == 401:
        return Kind.UNAUTHORIZED
    if status == 403:
        return Kind.FORBIDDEN
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    category = str(body.get("category", "")) if isinstance(body, dict) else ""
    if status == 400:
        if message.startswith("Unable to infer object type"):
            return Kind.FATAL
        if _TOO_LARGE.search(message) and _SIZE_WORDS.search(message):
            return Kind.TOO_LARGE
        return Kind.REJECTED
    if status in (409, 422) or (status == 404 and category == "OBJECT_NOT_FOUND"):
        return Kind.REJECTED
    return Kind.FATAL


@dataclass(frozen=True)
class Step:
    """What a worker does after an attempt: ``"done"``, ``"hold"`` (429: every worker waits,
    then this batch is sent again), ``"backoff"`` (a failure: wait ``delay`` seconds, send
    again) or ``"wait"`` (not a failure: wait ``delay`` seconds, send again)."""

    action: str
    delay: float = 0.0


def next_step(
    kind: Kind,
    *,
    failures: int,
    waits: int,
    max_attempts: int,
    max_rate_limit_waits: int,
    backoff: Callable[[int], float],
    retry_after: float | None = None,
) -> Step:
    """Whether to send a batch again after an attempt answered ``kind``.

    ``failures`` counts the attempts so far (this one included) that were transient
    failures, ``waits`` the 429s and 477s. ``backoff(failures)`` gives the wait before the next
    attempt; it is asked only when there is one.

    Examples
    --------
    >>> next_step(Kind.TRANSIENT, failures=1, waits=0, max_attempts=5,
    ...           max_rate_limit_waits=30, backoff=lambda n: 0.5 * n)
    Step(action='backoff', delay=0.5)
    >>> next_step(Kind.TRANSIENT, failures=5, waits=0, max_attempts=5,
    ...           max_rate_limit_waits=30, backoff=lambda n: 0.5 * n).action
    'done'
    """
    if kind is Kind.RATE_LIMITED:
        return Step("hold") if waits < max_rate_limit_waits else Step("done")
    if kind is Kind.TRANSIENT and failures < max_attempts:
        return Step("backoff", backoff(failures))
    if kind is Kind.LOCKED and failures < max_attempts:
        return Step("backoff", max(LOCKED_WAIT, backoff(failures)))
    if kind is Kind.MIGRATING and waits < max_rate_limit_waits:
        wait = LOCKED_WAIT if retry_after is None else retry_after
        if wait <= MIGRATION_WAIT_LIMIT:
            return Step("wait", wait)
    return Step("done")


def size_limit_from(message: str, current: int) -> int:
    """The largest batch size a too-large rejection allows, or half the current size.

    Examples
    --------
    >>> size_limit_from("Batch size 150 exceeds the maximum of 100 inputs.", 150)
    100
    >>> size_limit_from("Too many inputs", 100)
    50
    """
    for match in _SIZE_LIMIT.finditer(message):
        limit = int(match.group(1))
        if 0 < limit < current:
            return limit
    return max(1, current // 2)


def error_of(response: ApiResponse) -> ErrorInfo:
    """The error a whole response carries, its correlation ID taken from the headers when
    the body has none (HTML error pages)."""
    info = parse_error(
        response.body if response.body is not None else response.text,
        http_status=response.status,
    )
    if info.correlation_id is None and response.correlation_id:
        info = dataclasses.replace(info, correlation_id=response.correlation_id)
    return info


def give_up_info(
    kind: Kind, response: ApiResponse, *, attempts: int, rate_limited: int
) -> ErrorInfo:
    """Why a batch failed after every retry: the last answer, worded for a person."""
    if kind is Kind.RATE_LIMITED:
        info = error_of(response)
        return ErrorInfo(
            RATE_LIMIT,
            f"Still rate limited after {counted(rate_limited, 'wait')}: {info.message}",
            http_status=429,
            correlation_id=info.correlation_id,
            detail=info.detail,
            retryable=True,
        )
    if response.status == 0:
        if response.lost:
            return ErrorInfo(
                NETWORK,
                f"No answer after {counted(attempts, 'attempt')} ({response.error}); the "
                "request may have reached HubSpot, so this row may or may not be done. Sending "
                "it again is harmless.",
                retryable=True,
            )
        return ErrorInfo(
            NETWORK,
            f"No answer after {counted(attempts, 'attempt')}: {response.error}",
            retryable=True,
        )
    if not isinstance(response.body, dict):  # an HTML page or other text: show a snippet
        return ErrorInfo(
            SERVER_ERROR if response.status >= 500 else BAD_RESPONSE,
            f"{describe(response)} (after {counted(attempts, 'attempt')})",
            http_status=response.status,
            correlation_id=response.correlation_id,
            detail=response.text[:4000] or None,
            retryable=True,
        )
    info = error_of(response)
    category = info.category or (SERVER_ERROR if response.status >= 500 else BAD_RESPONSE)
    return ErrorInfo(
        category,
        f"HTTP {response.status} after {counted(attempts, 'attempt')}: "
        f"{info.message or describe(response)}",
        http_status=response.status,
        correlation_id=info.correlation_id,
        detail=info.detail,
        retryable=True,
    )


def fatal_error(kind: Kind, response: ApiResponse) -> tuple[FatalApiError, ErrorInfo]:
    """The exception a run raises after an answer no request can get past, and its info."""
    info = error_of(response)
    body = response.body if isinstance(response.body, dict) else {}
    common: dict[str, Any] = {
        "status": response.status,
        "category": info.category,
        "correlation_id": info.correlation_id,
        "body": body,
    }
    error: FatalApiError
    if kind is Kind.UNAUTHORIZED and info.category == "EXPIRED_AUTHENTICATION":
        error = AuthenticationError(
            f"HubSpot says the access token expired (401 EXPIRED_AUTHENTICATION: "
            f"{info.message}). HubSpot answers this for a malformed private-app token too: "
            "check that the whole token was copied (private-app tokens start with 'pat-'), or "
            "get a fresh OAuth access token.",
            **common,
        )
    elif kind is Kind.UNAUTHORIZED:
        error = AuthenticationError(
            f"HubSpot refused the access token (401 {info.category or ''}: {info.message}). "
            "Check that the token is current and belongs to this portal; private-app "
            "tokens are shown under Settings > Integrations > Private Apps.",
            **common,
        )
    elif kind is Kind.FORBIDDEN:
        scopes = required_scopes(body)
        error = MissingScopesError(
            f"HubSpot refused the request (403 {info.category or ''}): the token lacks "
            f"the scopes {', '.join(scopes) or '(not named)'}. Add them to the private "
            "app (or OAuth grant) and use the new token.",
            scopes=scopes,
            **common,
        )
    else:
        error = FatalApiError(
            f"HubSpot cannot process these requests ({response.status}: "
            f"{info.message or describe(response)}). Check the object types, base_url "
            "and api_version.",
            **common,
        )
    return error, info


def required_scopes(body: dict[str, Any]) -> list[str]:
    """The scopes a 403 body names, under ``requiredScopes`` or ``missingScopes``."""
    scopes: list[str] = []
    for holder in [body, *[e for e in body.get("errors") or [] if isinstance(e, dict)]]:
        context = holder.get("context")
        if isinstance(context, dict):
            for key in ("requiredScopes", "missingScopes"):
                value = context.get(key)
                if isinstance(value, list):
                    scopes.extend(str(v) for v in value if str(v) not in scopes)
    return scopes


def describe(response: ApiResponse) -> str:
    """A short description of an answer for messages: the status, or what went wrong."""
    if response.status == 0:
        return response.error or "no response"
    if response.body is None and response.text:
        snippet = " ".join(response.text.split())[:200]
        return f"HTTP {response.status} with a body that is not JSON: {snippet!r}"
    return f"HTTP {response.status}"
