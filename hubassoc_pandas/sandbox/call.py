"""What the gateway and the endpoint handlers pass around: a request, a reply, a call.

A :class:`Call` is one routed, authenticated request on its way to a handler: the parsed body,
the canonical object types, the headers every answer carries (rate limits, correlation), and
helpers that build replies with them. An :class:`Endpoint` is what a handler module declares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .bodies import error_body, json_bytes

if TYPE_CHECKING:
    from .portal import Portal
    from .routes import Route

__all__ = ["JSON", "Call", "Endpoint", "Reply", "Request"]

JSON = "application/json;charset=utf-8"


@dataclass
class Request:
    """An HTTP request as the sandbox sees it.

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
class Call:
    """One request on its way through the sandbox.

    Attributes
    ----------
    portal : Portal
        The sandbox's state and settings.
    route : Route
        The endpoint, version and object types as sent.
    payload : Any
        The body parsed as JSON (None without a body; the raw text when unparsable).
    parse_error : str or None
        Why the body is not JSON, if it is not.
    inputs : list or None
        The endpoint's parsed inputs (None when the body has no usable ``inputs`` list).
    correlation_id : str
        Sent in ``X-HubSpot-Correlation-Id`` and in every JSON error body.
    id_headers : list[tuple[str, str]]
        ``X-HubSpot-Correlation-Id`` and ``X-Request-Id``: on every answer, proxy pages too.
    headers : list[tuple[str, str]]
        Headers every JSON answer to this call carries (the ID headers, then the rate-limit
        headers once the gateway has metered the call).
    requested_at : str
        ISO time the request arrived.
    types : tuple[str, ...]
        Canonical object types (set by the gateway before the handler runs).
    extra : dict
        Fields copied onto every :class:`Reply` (request body, input count, delay, fault).
    body_size : int
        Length of the request body in bytes.
    """

    portal: Portal
    route: Route
    payload: Any
    parse_error: str | None
    inputs: list[Any] | None
    correlation_id: str
    id_headers: list[tuple[str, str]]
    requested_at: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    types: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    body_size: int = 0

    @property
    def v4(self) -> bool:
        """Whether the call came through a legacy v4 path."""
        return self.route.version == "v4"

    def __post_init__(self) -> None:
        if not self.headers:
            self.headers = list(self.id_headers)

    def json(self, status: int, body: Any) -> Reply:
        """A JSON reply with this call's headers."""
        return Reply(
            status,
            [("Content-Type", JSON), *self.headers],
            json_bytes(body),
            response_body=body,
            **self.extra,
        )

    def encoded(self, status: int, body: bytes) -> Reply:
        """A JSON reply whose body is already encoded."""
        return Reply(status, [("Content-Type", JSON), *self.headers], body, **self.extra)

    def error(self, status: int, message: str, category: str | None = None, **extra: Any) -> Reply:
        """A whole-request error in HubSpot's shape, carrying this call's correlation ID."""
        body = error_body(message, category, correlation_id=self.correlation_id, **extra)
        return self.json(status, body)

    def empty(self, status: int = 204) -> Reply:
        """A reply with no body (v4's 204)."""
        return Reply(status, list(self.headers), b"", **self.extra)


@dataclass(frozen=True)
class Endpoint:
    """What a handler module tells the gateway about its endpoint.

    Attributes
    ----------
    name : str
        The route name (see :mod:`~hubassoc_pandas.sandbox.routes`).
    method : str
        The HTTP method it answers (others get 405).
    access : str
        ``"write"`` or ``"read"``: the scope the object types need.
    meter : str
        Which rate limit counts it: ``"associations"`` (the ten-secondly window and the
        enforced association limit), ``"general"`` (the window only) or ``"search"`` (the
        secondly search limit only). All count against the daily limit.
    parse : Callable[[Any], list | None]
        The body's inputs, parsed once (None when there is no usable ``inputs`` list).
    size : Callable[[list], int]
        How many inputs a parsed list counts as (caps, latency per input, the log).
    handle : Callable[[Call], Reply]
        Answers a call that passed routing, auth, limits, faults, types and scopes.
    success_status : Callable[[Call], int]
        The status of a success answer (used by the ``empty_2xx`` fault).
    cap_option : str or None
        The :class:`SandboxOptions` field holding the endpoint's input cap, if it has one.
    preview : Callable[[Call], Any] or None
        A success body for the ``truncated`` fault (stores nothing).
    sent_pairs : Callable[[list], Iterable[tuple]] or None
        ``(from, to)`` of each input, counted in :meth:`Sandbox.stats` as pairs sent.
    """

    name: str
    method: str
    access: str
    meter: str
    parse: Callable[[Any], list[Any] | None]
    size: Callable[[list[Any]], int]
    handle: Callable[[Call], Reply]
    success_status: Callable[[Call], int]
    cap_option: str | None = None
    preview: Callable[[Call], Any] | None = None
    sent_pairs: Callable[[list[Any]], Iterable[tuple[Any, Any]]] | None = None
