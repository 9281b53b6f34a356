"""What each fault kind answers: one small callable per kind, looked up by name.

Each takes the call, its endpoint, the fault rule and the Retry-After value the rate-limit
window suggests, and returns the :class:`~.call.Reply` to send. ``close_after_commit`` and
``cursor_loop`` have no entry: the gateway lets the endpoint answer (then drops the
connection, or makes its cursors loop: see :mod:`~.cursor_loop`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .auth import expired_body
from .bodies import html_page, iso_now, rate_limit_body, too_large_body
from .call import Call, Endpoint, Reply
from .endpoints.batch import id_text
from .faults import Fault

__all__ = ["FAULT_REPLIES"]

_HTML = "text/html; charset=utf-8"

FaultReply = Callable[[Call, Endpoint, Fault, int], Reply]


def _json_500(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    return call.error(500, "Internal error", "INTERNAL_ERROR", subCategory="crm.INTERNAL_ERROR")


def _proxy_page(status: int) -> FaultReply:
    def reply(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
        # Proxy pages come from in front of HubSpot: no rate-limit headers, but the IDs.
        headers = [("Content-Type", _HTML), *call.id_headers]
        return Reply(status, headers, html_page(status), **call.extra)

    return reply


def _hang(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    call.extra["delay"] = call.extra["delay"] + fault.hang_seconds
    return _proxy_page(504)(call, endpoint, fault, retry)


def _close(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    return Reply(0, [], b"", action="close", **call.extra)


def _too_many(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    options = call.portal.options
    if options.retry_after:
        call.headers = [*call.headers, ("Retry-After", str(retry))]
    body = rate_limit_body("TEN_SECONDLY_ROLLING", options.rate_limit_group, call.correlation_id)
    return call.json(429, body)


def _daily(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    body = rate_limit_body("DAILY", call.portal.options.rate_limit_group, call.correlation_id)
    return call.json(429, body)


def _non_json(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    page = b"<html><body><h1>Request accepted</h1></body></html>\n"
    headers = [("Content-Type", _HTML), *call.headers]
    return Reply(200, headers, page, response_body=page.decode(), **call.extra)


def _too_large(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    options = call.portal.options
    maximum = getattr(options, endpoint.cap_option) if endpoint.cap_option else 100
    return call.json(400, too_large_body(call.extra["inputs"], maximum, call.correlation_id))


def _bad_request(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    return call.error(
        400, "Invalid input JSON: the request could not be processed.", "VALIDATION_ERROR"
    )


def _batch_body(call: Call, results: list[Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "COMPLETE", "results": results, "errors": []}
    if call.portal.options.optional_batch_fields:
        body["requestedAt"] = call.requested_at
    body["startedAt"] = call.requested_at
    body["completedAt"] = iso_now()
    if call.portal.options.optional_batch_fields:
        body["links"] = {}
    return body


def _empty_2xx(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    status = endpoint.success_status(call)
    if status == 204:
        return call.empty(204)
    return call.json(status, _batch_body(call, []))


def _with_body(status: int) -> int:
    """A success status that can carry a body (a 204 cannot: 200 instead)."""
    return 200 if status == 204 else status


def _empty_object(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    return call.json(_with_body(endpoint.success_status(call)), {})


def _unfinished(state: str) -> FaultReply:
    def reply(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
        body = {"status": state, "results": [], "startedAt": call.requested_at}
        if call.portal.options.optional_batch_fields:
            body["requestedAt"] = call.requested_at
        return call.json(_with_body(endpoint.success_status(call)), body)

    return reply


def _num_errors(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    body = {**_batch_body(call, []), "numErrors": max(1, call.extra["inputs"])}
    del body["errors"]
    return call.json(_with_body(endpoint.success_status(call)), body)


def _some_errors(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    """207 naming only the first input in ``errors``, while ``numErrors`` counts them all."""
    payload = call.payload if isinstance(call.payload, dict) else {}
    inputs = payload.get("inputs") if isinstance(payload.get("inputs"), list) else []
    first = inputs[0] if inputs and isinstance(inputs[0], dict) else {}
    targets = first.get("to")
    to_ids = [id_text(t) for t in (targets if isinstance(targets, list) else [targets])]
    from_id = id_text(first.get("from"))
    error: dict[str, Any] = {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "message": f"Input 0 (from {from_id}) could not be processed.",
        "context": {"fromObjectId": [from_id], "toObjectId": [t for t in to_ids if t]},
    }
    body = {**_batch_body(call, []), "errors": [error]}
    body["numErrors"] = max(1, call.extra["inputs"])
    return call.json(207, body)


def _truncated(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    body = endpoint.preview(call) if endpoint.preview is not None else _batch_body(call, [])
    reply = call.json(200, body)
    reply.action = "truncate"
    return reply


def _locked(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    return call.error(
        423,
        "A record in this request is locked by a high-volume sync; try again in a few seconds.",
        "LOCKED",
    )


def _migrating(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    call.headers = [*call.headers, ("Retry-After", str(retry))]
    return call.error(
        477,
        "This account is being migrated to another data center; try again later.",
        "MIGRATION_IN_PROGRESS",
    )


def _expired(call: Call, endpoint: Endpoint, fault: Fault, retry: int) -> Reply:
    return call.json(401, expired_body(1, call.correlation_id))


FAULT_REPLIES: dict[str, FaultReply] = {
    "500_json": _json_500,
    "502_html": _proxy_page(502),
    "503_html": _proxy_page(503),
    "504_html": _proxy_page(504),
    "hang": _hang,
    "close": _close,
    "truncated": _truncated,
    "non_json": _non_json,
    "429": _too_many,
    "429_daily": _daily,
    "empty_2xx": _empty_2xx,
    "400_too_large": _too_large,
    "400_json": _bad_request,
    "423": _locked,
    "477": _migrating,
    "401_expired": _expired,
    "empty_object_2xx": _empty_object,
    "pending_2xx": _unfinished("PENDING"),
    "processing_2xx": _unfinished("PROCESSING"),
    "num_errors_2xx": _num_errors,
    "207_some_errors": _some_errors,
}
