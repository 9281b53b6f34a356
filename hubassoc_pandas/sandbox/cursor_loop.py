"""The ``cursor_loop`` fault: page cursors that go round in a circle, A -> B -> A -> ...

batch/read: each from-ID the rule concerns (its ``ids``, or every from-ID of the request) is
answered as usual, but its ``paging.next.after`` is :data:`LOOP` A; sent back A, it is
answered its first page again with B; sent B, its first page with A; and so on, for ever.
Search: the same with the body's ``after`` and the answer's ``paging``. Other endpoints are
answered as usual. The cursors are opaque text, as HubSpot's are; the real endpoints would
refuse them, so they are taken out of the request before it is answered.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any

from .call import Call, Endpoint, Reply

__all__ = ["LOOP", "answer_looping", "next_cursor"]

#: The two cursors of the loop (base64 of ``loop-a`` and ``loop-b``).
LOOP = ("bG9vcC1h", "bG9vcC1i")


def next_cursor(sent: Any) -> str:
    """The cursor answered to a page asked for with ``sent``.

    Examples
    --------
    >>> next_cursor(None) == LOOP[0], next_cursor(LOOP[0]) == LOOP[1], next_cursor(LOOP[1])
    (True, True, 'bG9vcC1h')
    """
    return LOOP[1] if sent == LOOP[0] else LOOP[0]


def answer_looping(
    call: Call, endpoint: Endpoint, ids: Collection[str] | None, answer: Callable[[], Reply]
) -> Reply:
    """Answer ``call`` with ``answer()`` (the endpoint as usual), its cursors looping."""
    if endpoint.name == "read":
        return _read(call, ids, answer)
    if endpoint.name == "search":
        return _search(call, answer)
    return answer()


def _read(call: Call, ids: Collection[str] | None, answer: Callable[[], Reply]) -> Reply:
    inputs = call.inputs or []
    sent = {str(from_id): after for from_id, after in inputs}
    call.inputs = [(f, None if after in LOOP else after) for f, after in inputs]
    reply = answer()
    body = _body(reply)
    results = body.get("results") if body is not None else None
    if body is None or not isinstance(results, list):
        return reply
    for result in results:
        source = result.get("from") if isinstance(result, dict) else None
        from_id = str(source.get("id")) if isinstance(source, dict) else None
        if from_id is not None and (ids is None or from_id in ids):
            result["paging"] = {"next": {"after": next_cursor(sent.get(from_id))}}
    return call.json(reply.status, body)


def _search(call: Call, answer: Callable[[], Reply]) -> Reply:
    payload = call.payload
    sent = payload.get("after") if isinstance(payload, dict) else None
    if isinstance(payload, dict) and sent in LOOP:
        call.payload = {name: value for name, value in payload.items() if name != "after"}
    reply = answer()
    body = _body(reply)
    if body is None or not isinstance(body.get("results"), list):
        return reply
    body["paging"] = {"next": {"after": next_cursor(sent)}}
    return call.json(reply.status, body)


def _body(reply: Reply) -> dict[str, Any] | None:
    """A success reply's JSON object, or None."""
    if not 200 <= reply.status < 300 or not reply.body:
        return None
    try:
        body = json.loads(reply.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
