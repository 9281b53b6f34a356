"""Request handling for the sandbox: a request in, a :class:`Reply` out. No sockets here.

The order in which a request to the endpoint is judged:

1. route (unknown path: 404; a method other than POST: 405),
2. authentication (401),
3. rate limits (DAILY, then the rolling window: 429),
4. fault rules,
5. object types (400 without category), scopes (403),
6. body (400 malformed JSON, no ``inputs`` list, malformed input, too many inputs),
7. the inputs one by one: malformed IDs, silent pairs, missing records (per-input errors, or
   one 400 for the whole batch), association limits; the rest are stored.

Every reply carries the rate-limit headers (when enabled) and any configured latency.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .bodies import (
    AUTH_MESSAGE,
    error_body,
    html_page,
    iso_now,
    json_bytes,
    rate_limit_body,
    scopes_body,
)
from .faults import Fault, FaultPlan
from .log import RequestLog, RequestRecord
from .objects import ObjectTypes, default_association_type_id
from .options import DEFAULT_RECORDS, DEMO_TOKEN, SandboxOptions
from .state import AssociationStore, DailyCounter, RecordSet, RollingWindow

__all__ = ["App", "Reply", "Request", "parse_route"]

_VERSION = re.compile(r"^\d{4}-\d{2}$")
_DIGITS = re.compile(r"^[0-9]{1,19}$")
_JSON = "application/json;charset=utf-8"
_HTML = "text/html; charset=utf-8"


@dataclass
class Request:
    """An HTTP request as the app sees it.

    Attributes
    ----------
    method, path : str
        Method and raw path (with any query string).
    headers : Mapping[str, str]
        Request headers as received.
    body : bytes
        The request body.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass
class Reply:
    """What to send back, and how.

    ``action`` is ``"send"`` (a normal answer), ``"close"`` (close the connection without
    answering) or ``"truncate"`` (declare the full ``Content-Length``, send part of the body,
    close). The server waits ``delay`` seconds before acting.
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    action: str = "send"
    delay: float = 0.0
    response_body: Any = None
    request_body: Any = None
    inputs: int = 0
    fault: str | None = None


@dataclass
class _Outcome:
    """Per-input verdicts of one batch."""

    confirmed: list[tuple[int, int]] = field(default_factory=list)
    problems: list[tuple[str, str, str, tuple[str, ...], str]] = field(default_factory=list)
    missing: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)


def parse_route(path: str) -> tuple[str, str] | None:
    """Return ``(fromObjectType, toObjectType)`` if ``path`` is the endpoint, else None.

    Examples
    --------
    >>> parse_route("/crm/associations/2026-03/contacts/companies/batch/associate/default")
    ('contacts', 'companies')
    >>> parse_route("/crm/v4/associations/0-1/0-2/batch/associate/default")
    ('0-1', '0-2')
    """
    parts = path.split("?", 1)[0].strip("/").split("/")
    if len(parts) != 8 or parts[5:] != ["batch", "associate", "default"] or parts[0] != "crm":
        return None
    if parts[1] == "associations" and _VERSION.match(parts[2]):
        return unquote(parts[3]), unquote(parts[4])
    if parts[1] == "v4" and parts[2] == "associations":
        return unquote(parts[3]), unquote(parts[4])
    return None


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


_Texts = list[tuple[str | None, str | None]]


def _pair_texts(payload: Any) -> _Texts | None:
    """``(from id, to id)`` of each input as text (None where absent), or None without a list."""
    if not isinstance(payload, dict):
        return None
    inputs = payload.get("inputs")
    if not isinstance(inputs, list):
        return None
    texts: _Texts = []
    append = texts.append
    for item in inputs:
        if isinstance(item, dict):
            append((_id_text(item.get("from")), _id_text(item.get("to"))))
        else:
            append((None, None))
    return texts


def _id_text(value: Any) -> str | None:
    """The ID of one side of an input as text, or None when it is absent."""
    if value.__class__ is not dict:
        return None
    value = value.get("id")
    if value.__class__ is str:
        return value
    if value is None:
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


class App:
    """The sandbox's state and request handling, behind one lock.

    Parameters
    ----------
    options : SandboxOptions
        Validated settings.
    """

    def __init__(self, options: SandboxOptions) -> None:
        self.lock = threading.Lock()
        self.store = AssociationStore()
        self.log = RequestLog()
        self.request_number = 0
        self.options = options
        self.records: dict[str, RecordSet] = {}
        self.types = ObjectTypes(options.custom_object_types, options.portal_id)
        self.window: RollingWindow | None = None
        self.daily = DailyCounter(options.daily_limit)
        self.plan = FaultPlan(options.faults)
        self.rng = random.Random(options.seed)
        self._apply(options, set(SandboxOptions.names()))

    # -- configuration -------------------------------------------------------------------

    def configure(self, changes: Mapping[str, Any]) -> None:
        """Apply new settings (validated first; nothing changes on error)."""
        with self.lock:
            options = self.options.updated(changes)
            self._apply(options, set(changes))

    def _apply(self, options: SandboxOptions, changed: set[str]) -> None:
        types = self.types
        if changed & {"custom_object_types", "portal_id"}:
            types = ObjectTypes(options.custom_object_types, options.portal_id)
        records = self.records
        if "records" in changed:
            source = DEFAULT_RECORDS if options.records is None else options.records
            records = {}
            for name, ids in source.items():
                records.setdefault(self._resolve_or_raise(types, name), RecordSet()).add(ids)
        tokens = options.tokens if options.tokens is not None else {DEMO_TOKEN: None}
        self.tokens: dict[str, frozenset[str] | None] = {
            token: None if scopes is None else frozenset(scopes) for token, scopes in tokens.items()
        }
        self.silent: set[tuple[int, int]] = set()
        for pair in options.silent_pairs or ():
            f, t = (str(x) for x in pair)
            if _DIGITS.match(f) and _DIGITS.match(t):
                self.silent.add((int(f), int(t)))
        self.limits = {
            (self._resolve_or_raise(types, a), self._resolve_or_raise(types, b)): int(n)
            for (a, b), n in (options.association_limits or {}).items()
        }
        self.type_ids: dict[tuple[str, str], int] = {
            (self._resolve_or_raise(types, a), self._resolve_or_raise(types, b)): int(n)
            for (a, b), n in (options.association_type_ids or {}).items()
        }
        if "rate_limit" in changed:
            rate = options.rate_limit
            self.window = None if rate is None else RollingWindow(int(rate[0]), float(rate[1]))
        self.daily.limit = options.daily_limit
        if "faults" in changed:
            self.plan = FaultPlan(options.faults)
        if "seed" in changed:
            self.rng = random.Random(options.seed)
        self.types, self.records, self.options = types, records, options

    @staticmethod
    def _resolve_or_raise(types: ObjectTypes, name: str) -> str:
        canonical = types.resolve(str(name))
        if canonical is None:
            raise ValueError(f"unknown object type: {name!r}")
        return canonical

    def resolve_type(self, name: str) -> str:
        """The canonical name of an object type (ValueError if unknown)."""
        return self._resolve_or_raise(self.types, name)

    def add_records(self, object_type: str, ids: Any) -> None:
        """Make more records of ``object_type`` exist."""
        with self.lock:
            canonical = self.resolve_type(object_type)
            self.records.setdefault(canonical, RecordSet()).add(ids)

    def reset(self) -> None:
        """Clear associations, the log, rate-limit counters and fault counters."""
        with self.lock:
            self.store.clear()
            self.log.clear()
            self.request_number = 0
            if self.window is not None:
                self.window.clear()
            self.daily.clear()
            self.plan.reset()
            self.rng = random.Random(self.options.seed)

    def new_day(self) -> None:
        """Reset the daily request counter only."""
        with self.lock:
            self.daily.clear()

    def association_type_id(self, from_type: str, to_type: str) -> int:
        """The default association type ID reported for ``from_type -> to_type``."""
        key = (from_type, to_type)
        if key in self.type_ids:
            return self.type_ids[key]
        reverse = (to_type, from_type)
        if reverse in self.type_ids:
            return self.type_ids[reverse] + (0 if from_type == to_type else 1)
        custom = self.types.is_custom(from_type) or self.types.is_custom(to_type)
        return default_association_type_id(from_type, to_type, self.options.portal_id, custom)

    # -- request handling ----------------------------------------------------------------

    def _rate_headers(self, now: float) -> list[tuple[str, str]]:
        """Rate-limit headers (call under the lock)."""
        if not self.options.rate_limit_headers:
            return []
        headers: list[tuple[str, str]] = []
        if self.window is not None:
            headers += [
                ("X-HubSpot-RateLimit-Max", str(self.window.limit)),
                ("X-HubSpot-RateLimit-Remaining", str(self.window.remaining(now))),
                (
                    "X-HubSpot-RateLimit-Interval-Milliseconds",
                    str(round(self.window.seconds * 1000)),
                ),
            ]
        if self.daily.limit is not None:
            headers += [
                ("X-HubSpot-RateLimit-Daily", str(self.daily.limit)),
                ("X-HubSpot-RateLimit-Daily-Remaining", str(self.daily.remaining())),
            ]
        return headers

    def _json(self, status: int, body: Any, headers: list[tuple[str, str]], **kw: Any) -> Reply:
        return Reply(
            status, [("Content-Type", _JSON), *headers], json_bytes(body), response_body=body, **kw
        )

    def handle(self, request: Request) -> Reply:
        """Answer one request (thread-safe)."""
        requested_at = iso_now()
        route = parse_route(request.path)
        payload, parse_error = _parse_json(request.body) if request.body else (None, "empty body")
        inputs = _pair_texts(payload) if parse_error is None else None
        n_inputs = len(inputs) if inputs is not None else 0
        extra: dict[str, Any] = {"request_body": payload, "inputs": n_inputs}
        if route is None:
            with self.lock:
                headers = self._rate_headers(time.monotonic())
            body = error_body(
                f"Unable to find a handler for {request.method} {request.path}", "NOT_FOUND"
            )
            return self._json(404, body, headers, **extra)
        if request.method.upper() != "POST":
            with self.lock:
                headers = self._rate_headers(time.monotonic())
            body = error_body(
                f"Method {request.method} is not allowed; use POST", "METHOD_NOT_ALLOWED"
            )
            return self._json(405, body, [("Allow", "POST"), *headers], **extra)

        token = _bearer(_header(request.headers, "Authorization"))
        now = time.monotonic()
        with self.lock:
            options = self.options
            self.request_number += 1
            number = self.request_number
            self.log.endpoint_requests += 1
            self.log.inputs += n_inputs
            if inputs is not None:
                self._count_pairs(route, inputs)
            delay = options.latency + options.latency_per_input * n_inputs
            if options.latency_jitter:
                delay += self.rng.uniform(0.0, options.latency_jitter)
            extra["delay"] = delay
            scopes: frozenset[str] | None = frozenset()
            if token is None or token not in self.tokens:
                headers = self._rate_headers(now)
                return self._json(
                    401, error_body(AUTH_MESSAGE, "INVALID_AUTHENTICATION"), headers, **extra
                )
            scopes = self.tokens[token]
            if self.daily.limit is not None and self.daily.remaining() <= 0:
                headers = self._rate_headers(now)
                body = rate_limit_body(True, options.rate_limit_group)
                return self._json(429, body, headers, **extra)
            if self.window is not None and not self.window.try_acquire(now):
                headers = self._rate_headers(now)
                if options.retry_after:
                    headers.append(("Retry-After", str(self.window.retry_after(now))))
                body = rate_limit_body(False, options.rate_limit_group)
                return self._json(429, body, headers, **extra)
            self.daily.try_acquire()
            fault = self.plan.pick(number, request.path, self.rng)
            headers = self._rate_headers(now)
            if fault is not None:
                self.log.faults[fault.kind] += 1
                if fault.kind in ("429", "429_daily") and self.window is not None:
                    retry = self.window.retry_after(now)
                else:
                    retry = 1
        if fault is not None:
            extra["fault"] = fault.kind
            if fault.kind != "close_after_commit":
                return self._fault_reply(fault, headers, retry, requested_at, route, inputs, extra)

        reply = self._process(
            route, scopes, payload, parse_error, inputs, headers, requested_at, extra
        )
        if fault is not None:
            reply.action = "close"
        return reply

    def _count_pairs(self, route: tuple[str, str], inputs: _Texts) -> None:
        sends = self.log.pair_sends
        a, b = route
        for f, t in inputs:
            sends[(a, b, str(f), str(t))] += 1

    def _fault_reply(
        self,
        fault: Fault,
        headers: list[tuple[str, str]],
        retry: int,
        requested_at: str,
        route: tuple[str, str],
        inputs: _Texts | None,
        extra: dict[str, Any],
    ) -> Reply:
        kind = fault.kind
        options = self.options
        if kind == "500_json":
            body = error_body("Internal error", "INTERNAL_ERROR", subCategory="crm.INTERNAL_ERROR")
            return self._json(500, body, headers, **extra)
        # Proxy pages come from in front of HubSpot: no HubSpot rate-limit headers.
        if kind.endswith("_html"):
            status = int(kind[:3])
            return Reply(status, [("Content-Type", _HTML)], html_page(status), **extra)
        if kind == "hang":
            extra["delay"] = extra["delay"] + fault.hang_seconds
            return Reply(504, [("Content-Type", _HTML)], html_page(504), **extra)
        if kind == "close":
            return Reply(0, [], b"", action="close", **extra)
        if kind == "429":
            if options.retry_after:
                headers = [*headers, ("Retry-After", str(retry))]
            return self._json(
                429, rate_limit_body(False, options.rate_limit_group), headers, **extra
            )
        if kind == "429_daily":
            return self._json(
                429, rate_limit_body(True, options.rate_limit_group), headers, **extra
            )
        if kind == "non_json":
            page = b"<html><body><h1>Request accepted</h1></body></html>\n"
            return Reply(
                200, [("Content-Type", _HTML), *headers], page, response_body=page.decode(), **extra
            )
        if kind == "400_too_large":
            body = self._too_large(extra["inputs"])
            return self._json(400, body, headers, **extra)
        if kind == "400_json":
            body = error_body(
                "Invalid input JSON: the request could not be processed.", "VALIDATION_ERROR"
            )
            return self._json(400, body, headers, **extra)
        results: list[dict[str, Any]] = []
        if kind == "truncated" and inputs:
            type_id = self.association_type_id(*self._canonical_route(route))
            results = [_result_entry(str(f), str(t), type_id) for f, t in inputs[:50]]
        body = {
            "status": "COMPLETE",
            "results": results,
            "errors": [],
            "requestedAt": requested_at,
            "startedAt": requested_at,
            "completedAt": iso_now(),
            "links": {},
        }
        status = 200 if kind == "truncated" else options.success_status
        action = "truncate" if kind == "truncated" else "send"
        reply = self._json(status, body, headers, **extra)
        reply.action = action
        return reply

    def _canonical_route(self, route: tuple[str, str]) -> tuple[str, str]:
        a, b = self.types.resolve(route[0]), self.types.resolve(route[1])
        return (a or route[0], b or route[1])

    def _too_large(self, size: int) -> dict[str, Any]:
        maximum = self.options.max_batch_size
        return error_body(
            f"Batch size {size} exceeds the maximum of {maximum} inputs.",
            "VALIDATION_ERROR",
            context={"maxInputs": [str(maximum)], "inputs": [str(size)]},
        )

    def _process(
        self,
        route: tuple[str, str],
        scopes: frozenset[str] | None,
        payload: Any,
        parse_error: str | None,
        inputs: _Texts | None,
        headers: list[tuple[str, str]],
        requested_at: str,
        extra: dict[str, Any],
    ) -> Reply:
        types = self.types
        options = self.options
        from_type, to_type = types.resolve(route[0]), types.resolve(route[1])
        for raw, canonical in ((route[0], from_type), (route[1], to_type)):
            if canonical is None:
                body = error_body(f"Unable to infer object type from: {raw}")
                return self._json(400, body, headers, **extra)
        assert from_type is not None and to_type is not None
        if scopes is not None:
            needed = list(dict.fromkeys([types.write_scope(from_type), types.write_scope(to_type)]))
            lacking = [scope for scope in needed if scope not in scopes]
            if lacking:
                return self._json(403, scopes_body(lacking, options.scopes_key), headers, **extra)
        if parse_error is not None:
            body = error_body(f"Invalid JSON input: {parse_error}", "VALIDATION_ERROR")
            return self._json(400, body, headers, **extra)
        if inputs is None:
            body = error_body(
                "Invalid input JSON: the body must be an object with an 'inputs' array.",
                "VALIDATION_ERROR",
            )
            return self._json(400, body, headers, **extra)
        if len(inputs) > options.max_batch_size:
            return self._json(400, self._too_large(len(inputs)), headers, **extra)
        pairs: list[tuple[str, str]] = []
        for index, (f, t) in enumerate(inputs):
            if f is None or t is None:
                absent = "from" if f is None else "to"
                body = error_body(
                    f"Invalid input JSON: inputs[{index}].{absent}.id is required.",
                    "VALIDATION_ERROR",
                )
                return self._json(400, body, headers, **extra)
            pairs.append((f, t))
        started_at = iso_now()
        with self.lock:
            outcome = self._judge(from_type, to_type, pairs)
            if outcome.missing and options.missing_ids == "batch_400":
                body = self._missing_batch_body(from_type, to_type, outcome)
                return self._json(400, body, headers, **extra)
            self._commit(from_type, to_type, outcome)
            # IDs here are validated integers, so results are written as JSON text directly:
            # serialising them is the hot path of a busy sandbox.
            tail = _RESULT_TAIL % self.association_type_id(from_type, to_type)
            results = [
                f'{{"from":{{"id":"{f}"}},"to":{{"id":"{t}{tail}' for f, t in outcome.confirmed
            ]
            if options.results_direction == "both":
                tail = _RESULT_TAIL % self.association_type_id(to_type, from_type)
                results += [
                    f'{{"from":{{"id":"{t}"}},"to":{{"id":"{f}{tail}' for f, t in outcome.confirmed
                ]
            self.rng.shuffle(results)
        errors = self._errors(from_type, to_type, outcome)
        parts = ['{"status":"COMPLETE","results":[', ",".join(results), "]"]
        if errors:
            parts += [',"errors":', json.dumps(errors, separators=(",", ":"))]
            parts += [',"numErrors":', str(len(errors))]
        parts.append(
            f',"requestedAt":"{requested_at}","startedAt":"{started_at}",'
            f'"completedAt":"{iso_now()}","links":{{}}}}'
        )
        status = options.partial_status if errors else options.success_status
        encoded = "".join(parts).encode()
        return Reply(status, [("Content-Type", _JSON), *headers], encoded, **extra)

    def _judge(self, from_type: str, to_type: str, pairs: list[tuple[str, str]]) -> _Outcome:
        """Sort inputs into confirmable pairs and problems (call under the lock)."""
        outcome = _Outcome()
        empty = RecordSet()
        from_has = self.records.get(from_type, empty).has
        to_has = self.records.get(to_type, empty).has
        silent = self.silent
        seen: set[tuple[int, int]] = set()
        confirmed = outcome.confirmed
        for f, t in pairs:
            f_ok = _is_id(f)
            t_ok = _is_id(t)
            if not (f_ok and t_ok):
                bad = ("from",) if t_ok else ("to",) if f_ok else ("from", "to")
                outcome.problems.append(("invalid", f, t, bad, ""))
                continue
            key = (int(f), int(t))
            if key in silent:
                continue
            f_in = from_has(key[0])
            t_in = to_has(key[1])
            if not (f_in and t_in):
                absent = ("to",) if f_in else ("from",) if t_in else ("from", "to")
                outcome.missing.append((str(key[0]), str(key[1]), absent))
                continue
            if key not in seen:
                seen.add(key)
                confirmed.append(key)
        return outcome

    def _commit(self, from_type: str, to_type: str, outcome: _Outcome) -> None:
        """Store confirmable pairs, turning those over an association limit into problems."""
        limit = self.limits.get((from_type, to_type))
        stored = []
        for f, t in outcome.confirmed:
            if limit is not None:
                existing = self.store.targets(from_type, to_type, f)
                if (existing is None or t not in existing) and len(existing or ()) >= limit:
                    outcome.problems.append(("limit", str(f), str(t), ("from", "to"), str(limit)))
                    continue
            self.store.add(from_type, to_type, f, t)
            stored.append((f, t))
        outcome.confirmed = stored
        for f_text, t_text, absent in outcome.missing:
            outcome.problems.append(("missing", f_text, t_text, absent, ""))

    def _context(self, f: str, t: str, sides: tuple[str, ...]) -> dict[str, list[str]] | None:
        style = self.options.error_context
        if style == "message":
            return None
        if style == "ids":
            return {"ids": [f if side == "from" else t for side in sides]}
        context: dict[str, list[str]] = {}
        if "from" in sides:
            context["fromObjectId"] = [f]
        if "to" in sides:
            context["toObjectId"] = [t]
        return context

    def _errors(self, from_type: str, to_type: str, outcome: _Outcome) -> list[dict[str, Any]]:
        if not outcome.problems:
            return []
        names = {"from": self.types.singular(from_type), "to": self.types.singular(to_type)}
        errors: list[dict[str, Any]] = []
        groups: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
        for kind, f, t, sides, detail in outcome.problems:
            ids = {"from": f, "to": t}
            error: dict[str, Any] = {"status": "error"}
            if kind == "invalid":
                error["category"] = "VALIDATION_ERROR"
                error["subCategory"] = "crm.associations.INVALID_IDENTIFIER"
                error["message"] = " ".join(
                    f"Invalid {names[s]} ID '{ids[s]}': IDs must be positive whole numbers."
                    for s in sides
                )
            elif kind == "missing":
                error["category"] = "OBJECT_NOT_FOUND"
                error["message"] = " ".join(
                    f"No {names[s]} with ID {ids[s]} exists." for s in sides
                )
            else:
                error["category"] = "VALIDATION_ERROR"
                error["subCategory"] = "crm.associations.ASSOCIATION_LIMIT_EXCEEDED"
                error["message"] = (
                    f"Association limit exceeded: {names['from']} {f} already has the maximum of "
                    f"{detail} associations to {to_type}; not associated with {names['to']} {t}."
                )
            context = self._context(f, t, sides)
            if context is not None:
                error["context"] = context
            if self.options.group_errors:
                group = groups.get((kind, sides))
                if group is not None:
                    group["message"] += " " + error["message"]
                    for key, values in (context or {}).items():
                        group["context"][key] = list(dict.fromkeys(group["context"][key] + values))
                    continue
                groups[(kind, sides)] = error
            errors.append(error)
        return errors

    def _missing_batch_body(
        self, from_type: str, to_type: str, outcome: _Outcome
    ) -> dict[str, Any]:
        missing_from = list(dict.fromkeys(f for f, _, sides in outcome.missing if "from" in sides))
        missing_to = list(dict.fromkeys(t for _, t, sides in outcome.missing if "to" in sides))
        parts = []
        if missing_from:
            parts.append(f"{from_type} {', '.join(missing_from)}")
        if missing_to:
            parts.append(f"{to_type} {', '.join(missing_to)}")
        message = f"One or more object IDs do not exist: {'; '.join(parts)}."
        style = self.options.error_context
        extra: dict[str, Any] = {}
        if style == "ids":
            extra["context"] = {"ids": missing_from + missing_to}
        elif style == "from_to":
            context = {}
            if missing_from:
                context["fromObjectId"] = missing_from
            if missing_to:
                context["toObjectId"] = missing_to
            extra["context"] = context
        if not self.options.batch_400_names_ids:
            return error_body(
                "One or more object IDs do not exist.", self.options.batch_400_category
            )
        return error_body(message, self.options.batch_400_category, **extra)

    # -- log -----------------------------------------------------------------------------

    def enter(self) -> None:
        """Count a request as in flight."""
        with self.lock:
            self.log.in_flight += 1
            self.log.max_in_flight = max(self.log.max_in_flight, self.log.in_flight)

    def record(self, record: RequestRecord) -> None:
        """Append a finished request to the log and update the counters."""
        with self.lock:
            log = self.log
            log.in_flight -= 1
            log.total += 1
            if record.status is None:
                log.dropped += 1
            else:
                log.by_status[record.status] += 1
            log.records.append(record)

    def stats(self) -> dict[str, Any]:
        """A JSON-serialisable summary of the traffic so far."""
        with self.lock:
            return self.log.stats(self.store.count())

    def associated_pairs(self, from_type: str, to_type: str) -> set[tuple[str, str]]:
        """Stored associations ``from_type -> to_type`` as ``(from_id, to_id)`` strings."""
        with self.lock:
            return self.store.pairs(self.resolve_type(from_type), self.resolve_type(to_type))


def _bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _is_id(text: str) -> bool:
    """Whether ``text`` is an object ID: 1 to 19 ASCII digits."""
    return text.isdigit() and text.isascii() and len(text) < 20


_RESULT_TAIL = (
    '"},"associationSpec":{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":%d}}'
)


def _result_entry(f: str, t: str, type_id: int) -> dict[str, Any]:
    return {
        "from": {"id": f},
        "to": {"id": t},
        "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id},
    }
