"""The sandbox's front door: a request in, a :class:`~.call.Reply` out. No sockets here.

Every request is judged in this order, whatever its endpoint:

1. route (unknown path: 404; a method the endpoint does not answer: 405),
2. authentication (401 INVALID_AUTHENTICATION, or EXPIRED_AUTHENTICATION for a malformed
   token: see :mod:`~hubassoc_pandas.sandbox.auth`),
3. rate limits (DAILY, then the endpoint's meter: the enforced association window and the
   advertised ten-secondly window, or for search its own secondly limit: 429),
4. fault rules (see :mod:`~hubassoc_pandas.sandbox.faults`),
5. object types (400 without category), scopes (403),
6. the endpoint's handler (one module per endpoint under ``endpoints/``): body checks, caps
   and the inputs one by one.

Every answer carries ``X-HubSpot-Correlation-Id`` and ``X-Request-Id`` (HTML pages included),
the rate-limit headers when enabled (not on proxy pages), and any configured latency.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from .auth import bearer, expired_body, is_malformed
from .bodies import AUTH_MESSAGE, error_body, iso_now, json_bytes, rate_limit_body, scopes_body
from .call import JSON, Call, Endpoint, Reply, Request
from .cursor_loop import answer_looping
from .endpoints import ENDPOINTS
from .fault_replies import FAULT_REPLIES
from .faults import named_in
from .meters import RollingWindow
from .portal import Portal
from .routes import match_route
from .tables import GrowingTable

__all__ = ["Gateway"]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, item in headers.items():
        if key.lower() == lowered:
            return item
    return None


def _parse_json(body: bytes) -> tuple[Any, str | None]:
    """Parse a JSON body; return ``(value, None)`` or ``(raw text, error text)``."""
    try:
        return json.loads(body), None
    except (ValueError, UnicodeDecodeError) as exc:
        return body.decode("utf-8", "replace"), str(exc)


class Gateway:
    """Routes, authenticates, meters and misbehaves; hands the rest to an endpoint handler.

    Parameters
    ----------
    portal : Portal
        The state every request reads and changes.
    """

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.endpoints: dict[str, Endpoint] = dict(ENDPOINTS)
        self.tails: dict[tuple[str, ...], str] = {}

    def add_endpoint(self, tail: str, endpoint: Endpoint) -> None:
        """Answer ``.../{from}/{to}/<tail>`` (both versions) with ``endpoint``."""
        parts = tuple(part for part in tail.strip("/").split("/") if part)
        if not parts:
            raise ValueError("an endpoint needs a path tail, e.g. 'batch/echo'")
        if match_route("/crm/associations/2026-03/a/b/" + "/".join(parts)) is not None:
            raise ValueError(f"{tail!r} is already a sandbox endpoint")
        self.endpoints[endpoint.name] = endpoint
        self.tails[parts] = endpoint.name

    def rate_headers(self, now: float) -> list[tuple[str, str]]:
        """``X-HubSpot-RateLimit-*`` headers as things stand (call under the lock)."""
        portal = self.portal
        if not portal.options.rate_limit_headers:
            return []
        headers: list[tuple[str, str]] = []
        window = portal.window
        if window is not None:
            headers += [
                ("X-HubSpot-RateLimit-Max", str(window.limit)),
                ("X-HubSpot-RateLimit-Remaining", str(window.remaining(now))),
                ("X-HubSpot-RateLimit-Interval-Milliseconds", str(round(window.seconds * 1000))),
            ]
        daily = portal.daily
        if daily.limit is not None:
            headers += [
                ("X-HubSpot-RateLimit-Daily", str(daily.limit)),
                ("X-HubSpot-RateLimit-Daily-Remaining", str(daily.remaining())),
            ]
        return headers

    def handle(self, request: Request) -> Reply:
        """Answer one request (thread-safe)."""
        requested_at = iso_now()
        correlation = str(uuid.uuid4())
        ids = [("X-HubSpot-Correlation-Id", correlation), ("X-Request-Id", str(uuid.uuid4()))]
        route = match_route(request.path, self.tails)
        payload, parse_error = _parse_json(request.body) if request.body else (None, "empty body")
        endpoint = None if route is None else self.endpoints.get(route.name)
        inputs = None
        if endpoint is not None and parse_error is None:
            inputs = endpoint.parse(payload)
        size = 0 if endpoint is None or inputs is None else endpoint.size(inputs)
        extra: dict[str, Any] = {"request_body": payload, "inputs": size}
        if route is None or endpoint is None:
            body = error_body(
                f"Unable to find a handler for {request.method} {request.path}",
                "NOT_FOUND",
                correlation_id=correlation,
            )
            return self._plain(404, body, ids, extra)
        if request.method.upper() != endpoint.method:
            body = error_body(
                f"Method {request.method} is not allowed; use {endpoint.method}",
                "METHOD_NOT_ALLOWED",
                correlation_id=correlation,
            )
            return self._plain(405, body, [("Allow", endpoint.method), *ids], extra)
        call = Call(
            self.portal,
            route,
            payload,
            parse_error,
            inputs,
            correlation,
            ids,
            requested_at,
            extra=extra,
            body_size=len(request.body),
        )
        return self._admit(call, endpoint, request)

    def _plain(
        self, status: int, body: Any, headers: list[tuple[str, str]], extra: dict[str, Any]
    ) -> Reply:
        with self.portal.lock:
            headers = [*headers, *self.rate_headers(time.monotonic())]
        return Reply(
            status,
            [("Content-Type", JSON), *headers],
            json_bytes(body),
            response_body=body,
            **extra,
        )

    def _admit(self, call: Call, endpoint: Endpoint, request: Request) -> Reply:
        """Count, authenticate, meter and pick a fault; then answer."""
        portal = self.portal
        token = bearer(_header(request.headers, "Authorization"))
        now = time.monotonic()
        with portal.lock:
            options = portal.options
            portal.request_number += 1
            number = portal.request_number
            log = portal.log
            log.endpoint_requests += 1
            log.inputs += call.extra["inputs"]
            if endpoint.sent_pairs is not None and call.inputs is not None:
                route_types = (call.route.types[0], call.route.types[1])
                sends = log.pair_sends.get(route_types)
                if sends is None:
                    sends = log.pair_sends[route_types] = GrowingTable()
                for f, t in endpoint.sent_pairs(call.inputs):
                    sends.increment(f"{f}\t{t}")
            delay = options.latency + options.latency_per_input * call.extra["inputs"]
            if options.latency_jitter:
                delay += portal.rng.uniform(0.0, options.latency_jitter)
            call.extra["delay"] = delay
            refusal = self._refuse(call, endpoint, token, now)
            if refusal is not None:
                return refusal
            fault = portal.plan.pick(
                number, request.path, portal.rng, endpoint.name, lambda: named_in(call.payload)
            )
            call.headers = [*call.headers, *self.rate_headers(now)]
            retry = 1
            if fault is not None:
                log.faults[fault.kind] += 1
                if fault.kind in ("429", "429_daily") and portal.window is not None:
                    retry = portal.window.retry_after(now)
                if fault.kind == "477":
                    retry = fault.retry_after if fault.retry_after is not None else 3600
        if fault is not None:
            call.extra["fault"] = fault.kind
            if fault.kind == "cursor_loop":
                answer = functools.partial(self._answer, call, endpoint, token)
                return answer_looping(call, endpoint, fault.ids, answer)
            if fault.kind != "close_after_commit":
                return FAULT_REPLIES[fault.kind](call, endpoint, fault, retry)
        reply = self._answer(call, endpoint, token)
        if fault is not None:
            reply.action = "close"
        return reply

    def _refuse(
        self, call: Call, endpoint: Endpoint, token: str | None, now: float
    ) -> Reply | None:
        """A 401 or 429 for this call, or None when it may go on (call under the lock)."""
        portal = self.portal
        if token is None or token not in portal.tokens:
            call.headers = [*call.headers, *self.rate_headers(now)]
            if token is not None and is_malformed(token):
                return call.json(401, expired_body(None, call.correlation_id))
            body = error_body(
                AUTH_MESSAGE, "INVALID_AUTHENTICATION", correlation_id=call.correlation_id
            )
            return call.json(401, body)
        if portal.daily.limit is not None and portal.daily.remaining() <= 0:
            call.headers = [*call.headers, *self.rate_headers(now)]
            return call.json(429, self._limit_body(call, "DAILY"))
        refused = self._meter(endpoint, now)
        if refused is not None:
            window, policy, retry = refused
            call.headers = [*call.headers, *self.rate_headers(now)]
            if retry:
                call.headers.append(("Retry-After", str(window.retry_after(now))))
            return call.json(429, self._limit_body(call, policy))
        portal.daily.try_acquire()
        return None

    def _meter(self, endpoint: Endpoint, now: float) -> tuple[RollingWindow, str, bool] | None:
        """Count the call in its endpoint's windows; the one that refuses it, if any.

        Search has its own secondly window. Batch association calls pass the enforced
        association window (when one is set) and the advertised ten-secondly window; others
        only the latter. A call refused by one window is not counted in the other.
        """
        portal = self.portal
        options = portal.options
        if endpoint.meter == "search":
            window = portal.search_window
            if window is not None and not window.try_acquire(now):
                return window, "SECONDLY", options.search_retry_after
            return None
        enforced = portal.enforced_window if endpoint.meter == "associations" else None
        if enforced is not None and not enforced.try_acquire(now):
            return enforced, "TEN_SECONDLY_ROLLING", options.retry_after
        window = portal.window
        if window is not None and not window.try_acquire(now):
            if enforced is not None:
                enforced.release()
            return window, "TEN_SECONDLY_ROLLING", options.retry_after
        return None

    def _limit_body(self, call: Call, policy: str) -> dict[str, Any]:
        return rate_limit_body(policy, self.portal.options.rate_limit_group, call.correlation_id)

    def _answer(self, call: Call, endpoint: Endpoint, token: str | None) -> Reply:
        """Check object types and scopes, then let the endpoint's handler answer."""
        portal = self.portal
        types = portal.types
        canonical: list[str] = []
        for raw in call.route.types:
            found = types.resolve(raw)
            if found is None:
                return call.error(400, f"Unable to infer object type from: {raw}")
            canonical.append(found)
        call.types = tuple(canonical)
        scopes = portal.tokens.get(token or "")
        if scopes is not None:
            needed = dict.fromkeys(types.scope(name, endpoint.access) for name in canonical)
            lacking = [scope for scope in needed if scope not in scopes]
            if lacking:
                body = scopes_body(lacking, portal.options.scopes_key, call.correlation_id)
                return call.json(403, body)
        return endpoint.handle(call)
