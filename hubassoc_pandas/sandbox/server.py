"""The sandbox's HTTP server and its public handle, :class:`Sandbox`."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import sys
import threading
import time
from collections.abc import Collection, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from .app import App, Reply, Request
from .faults import Fault
from .log import RequestRecord
from .options import DEMO_TOKEN, SandboxOptions

__all__ = ["Sandbox"]

_REASONS = {
    200: "OK",
    201: "Created",
    207: "Multi-Status",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _check_loopback(host: str) -> str:
    """Return the address to bind, refusing anything that is not a loopback address."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"the sandbox only listens on loopback addresses, not {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"the sandbox only listens on loopback addresses, not {host!r}")
    return host


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.connections.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request is normal here; anything else is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        """Shut every open connection, waking handler threads blocked on them."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def open_connections(self) -> int:
        with self.connections_lock:
            return len(self.connections)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sandbox-hubspot/1"
    sys_version = ""
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are recorded in the sandbox's own log instead."""

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        started = time.time()
        app = self.server.app
        body = self._read_body()
        headers = dict(self.headers.items())
        app.enter()
        reply: Reply | None = None
        recorded = False
        try:
            reply = app.handle(Request(self.command, self.path, headers, body))
            if reply.delay > 0 and self.server.stopping.wait(reply.delay):
                reply.action = "close"
            # Logged before the answer goes out, so a client that has its answer always finds
            # the request in the log.
            sent = None if reply.action == "close" else reply.status
            self._record(started, headers, reply, sent)
            recorded = True
            self._send(reply)
        except OSError:
            self.close_connection = True
        finally:
            if not recorded:
                self._record(started, headers, reply, None)

    def _send(self, reply: Reply) -> None:
        if reply.action == "close":
            self.close_connection = True
            return
        lines = [
            f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}",
            f"Date: {self.date_time_string()}",
            f"Server: {self.server_version}",
            *(f"{name}: {value}" for name, value in reply.headers),
            f"Content-Length: {len(reply.body)}",
        ]
        payload = reply.body
        if reply.action == "truncate":
            payload = payload[: len(payload) // 2]
            self.close_connection = True
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD":
            payload = b""
        self.wfile.write(head + payload)

    def _record(
        self, started: float, headers: dict[str, str], reply: Reply | None, sent: int | None
    ) -> None:
        app = self.server.app
        for name in list(headers):
            if name.lower() == "authorization":
                headers[name] = "Bearer ***"
        keep = app.options.log_bodies
        response_body: Any = None
        if keep and reply is not None and sent is not None:
            response_body = reply.response_body
            if response_body is None and reply.body:
                response_body = reply.body.decode("utf-8", "replace")
                if dict(reply.headers).get("Content-Type", "").startswith("application/json"):
                    response_body = json.loads(response_body)
        app.record(
            RequestRecord(
                method=self.command,
                path=self.path,
                headers=headers,
                body=reply.request_body if keep and reply is not None else None,
                status=sent,
                response_headers=dict(reply.headers)
                if reply is not None and sent is not None
                else {},
                response_body=response_body,
                started=started,
                ended=time.time(),
                inputs=reply.inputs if reply is not None else 0,
                fault=reply.fault if reply is not None else None,
            )
        )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class Sandbox:
    """A local emulator of HubSpot's batch "associate default" endpoint, on 127.0.0.1.

    It answers ``POST /crm/associations/{version}/{from}/{to}/batch/associate/default`` and
    the legacy ``POST /crm/v4/associations/{from}/{to}/batch/associate/default`` as the
    public contract describes, and can play every documented variant (status codes, error
    shapes, result directions, rate limits) and fault (5xx, proxy pages, hangs, dropped
    connections, truncated bodies).

    Parameters
    ----------
    records : Mapping[str, Iterable[int | str]] or None
        Object type (any accepted form) -> existing IDs; ranges are kept as ranges. None seeds
        contacts, companies, deals and tickets with IDs 1..100_000.
    tokens : Mapping[str, Collection[str] | None] or None
        Token -> granted scopes (None: all scopes). None accepts only :data:`DEMO_TOKEN`.
    custom_object_types : Mapping[str, str] or None
        Custom type ID -> name, e.g. ``{"2-3453": "p_cars"}``.
    host, port : str, int
        Where to listen; only loopback hosts are accepted. Port 0 picks a free port.
    portal_id : int
        Portal ID: ``p<portal_id>_<name>`` names custom types; mixed into custom association
        type IDs.
    max_batch_size : int
        Larger batches get a 400 VALIDATION_ERROR, "Batch size N exceeds the maximum of M
        inputs."
    missing_ids : {"per_input", "batch_400"}
        A non-existent record ID is a per-input OBJECT_NOT_FOUND error, or a 400 for the whole
        batch (category ``batch_400_category``) naming the missing IDs.
    batch_400_names_ids : bool
        Whether that 400 names the missing IDs (in its message and context); False sends
        only "One or more object IDs do not exist."
    batch_400_category : {"VALIDATION_ERROR", "OBJECT_NOT_FOUND"}
        Category of the whole-batch 400 for missing IDs.
    error_context : {"from_to", "ids", "message"}
        How per-input errors name the IDs: ``{"fromObjectId": [...], "toObjectId": [...]}``
        (only the failing sides), ``{"ids": [...]}``, or only in ``message``.
    group_errors : bool
        Merge per-input errors of the same kind into one error whose context lists every ID.
    results_direction : {"both", "one"}
        List each confirmed pair twice (from->to and to->from with the reverse type ID) or once.
    success_status, partial_status : int
        Status when a batch has no per-input errors (200/201), and when it has some
        (200/201/207).
    silent_pairs : Collection[tuple[str, str]] or None
        ``(from_id, to_id)`` pairs that are neither confirmed nor refused, and not stored.
    association_limits : Mapping[tuple[str, str], int] or None
        ``{(from_type, to_type): N}``: a from-record holds at most N associations of that type
        pair; the excess are per-input VALIDATION_ERROR errors with subCategory
        ``crm.associations.ASSOCIATION_LIMIT_EXCEEDED`` and are not stored.
    association_type_ids : Mapping[tuple[str, str], int] or None
        Override the reported default association type ID of a pair.
    scopes_key : {"requiredScopes", "missingScopes"}
        Key naming the missing scopes in a 403's ``errors[0].context``.
    rate_limit : tuple[int, float] or None
        ``(max requests, window seconds)``, a rolling window over all endpoint requests.
    rate_limit_headers : bool
        Send ``X-HubSpot-RateLimit-*`` headers on every response.
    daily_limit : int or None
        After this many requests in the sandbox's day (until :meth:`reset` or :meth:`new_day`),
        429 with policyName DAILY.
    retry_after : bool
        Whether ten-secondly 429s carry ``Retry-After`` (whole seconds).
    rate_limit_group : str
        ``groupName`` in 429 bodies.
    latency, latency_per_input, latency_jitter : float
        Seconds added per request, per input, and uniformly at random in ``[0, jitter]``.
    faults : Iterable[Fault]
        Fault rules, see :class:`Fault`.
    seed : int
        Seeds every random choice (faults, jitter, result order).
    log_bodies : bool
        Keep request and response bodies in :attr:`requests`.

    Examples
    --------
    >>> import requests
    >>> with Sandbox(records={"contacts": range(1, 11), "companies": range(1, 11)}) as hub:
    ...     response = requests.post(
    ...         hub.url + "/crm/associations/2026-03/contacts/companies/batch/associate/default",
    ...         json={"inputs": [{"from": {"id": "1"}, "to": {"id": "2"}}]},
    ...         headers={"Authorization": f"Bearer {hub.token}"},
    ...     )
    ...     hub.associated_pairs("contacts", "companies")
    {('1', '2')}
    """

    def __init__(
        self,
        records: Mapping[str, Iterable[int | str]] | None = None,
        tokens: Mapping[str, Collection[str] | None] | None = None,
        custom_object_types: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        portal_id: int = 123,
        max_batch_size: int = 1000,
        missing_ids: str = "per_input",
        batch_400_category: str = "VALIDATION_ERROR",
        batch_400_names_ids: bool = True,
        error_context: str = "from_to",
        group_errors: bool = False,
        results_direction: str = "both",
        success_status: int = 200,
        partial_status: int = 207,
        silent_pairs: Collection[tuple[str, str]] | None = None,
        association_limits: Mapping[tuple[str, str], int] | None = None,
        association_type_ids: Mapping[tuple[str, str], int] | None = None,
        scopes_key: str = "requiredScopes",
        rate_limit: tuple[int, float] | None = (100, 10.0),
        rate_limit_headers: bool = True,
        daily_limit: int | None = None,
        retry_after: bool = True,
        rate_limit_group: str = "sandbox-app",
        latency: float = 0.0,
        latency_per_input: float = 0.0,
        latency_jitter: float = 0.0,
        faults: Iterable[Fault] = (),
        seed: int = 0,
        log_bodies: bool = True,
    ) -> None:
        self.host = _check_loopback(host)
        self._requested_port = int(port)
        options = SandboxOptions().updated(
            {
                "records": records,
                "tokens": tokens,
                "custom_object_types": custom_object_types,
                "portal_id": portal_id,
                "max_batch_size": max_batch_size,
                "missing_ids": missing_ids,
                "batch_400_category": batch_400_category,
                "batch_400_names_ids": batch_400_names_ids,
                "error_context": error_context,
                "group_errors": group_errors,
                "results_direction": results_direction,
                "success_status": success_status,
                "partial_status": partial_status,
                "silent_pairs": silent_pairs,
                "association_limits": association_limits,
                "association_type_ids": association_type_ids,
                "scopes_key": scopes_key,
                "rate_limit": rate_limit,
                "rate_limit_headers": rate_limit_headers,
                "daily_limit": daily_limit,
                "retry_after": retry_after,
                "rate_limit_group": rate_limit_group,
                "latency": latency,
                "latency_per_input": latency_per_input,
                "latency_jitter": latency_jitter,
                "faults": tuple(faults),
                "seed": seed,
                "log_bodies": log_bodies,
            }
        )
        self._app = App(options)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Start listening (in a daemon thread); return self. Starting twice is a no-op."""
        if self._server is not None:
            return self
        server = _Server((self.host, self._requested_port), self._app)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"hubspot-sandbox-{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def close(self, wait: float = 2.0) -> None:
        """Stop listening and drop open connections, promptly even if a request is hanging.

        Parameters
        ----------
        wait : float
            Seconds to wait at most for connection threads to finish.
        """
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        server.stopping.set()
        server.shutdown()
        server.drop_connections()
        server.server_close()
        if thread is not None:
            thread.join(wait)
        deadline = time.monotonic() + wait
        while server.open_connections() and time.monotonic() < deadline:
            time.sleep(0.005)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- what clients need ---------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port listened on (RuntimeError before :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() or use it in a with block")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL for clients, e.g. ``http://127.0.0.1:PORT``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def token(self) -> str:
        """A token accepted with all scopes (the demo token by default)."""
        tokens = self._app.tokens
        for token, scopes in tokens.items():
            if scopes is None:
                return token
        return next(iter(tokens), DEMO_TOKEN)

    @property
    def options(self) -> SandboxOptions:
        """The current settings (read-only view; change them with :meth:`configure`)."""
        return self._app.options

    # -- inspection ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of the request log, oldest first."""
        with self._app.lock:
            return list(self._app.log.records)

    def stats(self) -> dict[str, Any]:
        """Traffic summary.

        Returns
        -------
        dict
            ``requests`` (all requests), ``endpoint_requests``, ``by_status`` (status code as
            text -> count), ``rate_limited`` (429s), ``dropped_connections``, ``faults`` (kind ->
            count), ``inputs`` (inputs received), ``distinct_pairs_sent``,
            ``pairs_sent_more_than_once``, ``repeat_sends``, ``associations_stored``,
            ``max_in_flight`` (most requests handled at once).
        """
        return self._app.stats()

    def associated_pairs(self, from_type: str, to_type: str) -> set[tuple[str, str]]:
        """Stored default associations ``from_type -> to_type`` as ``(from_id, to_id)``.

        Associations are two-way: pairs stored through ``companies -> contacts`` calls appear
        here reversed.
        """
        return self._app.associated_pairs(from_type, to_type)

    def association_type_id(self, from_type: str, to_type: str) -> int:
        """The default association type ID the sandbox reports for ``from_type -> to_type``."""
        app = self._app
        return app.association_type_id(app.resolve_type(from_type), app.resolve_type(to_type))

    # -- changes -------------------------------------------------------------------------

    def configure(self, **changes: Any) -> None:
        """Change any constructor option except ``host`` and ``port``, at runtime.

        ``records`` replaces every record; ``rate_limit`` restarts the rolling window;
        ``faults`` restarts fault counters.
        """
        if "host" in changes or "port" in changes:
            raise TypeError("host and port cannot change while the sandbox exists")
        if "faults" in changes and changes["faults"] is not None:
            changes["faults"] = tuple(changes["faults"])
        self._app.configure(changes)

    def add_records(self, object_type: str, ids: Iterable[int | str]) -> None:
        """Make more records of ``object_type`` exist (a range stays a range)."""
        self._app.add_records(object_type, ids)

    def reset(self) -> None:
        """Clear associations, the request log, rate-limit windows, the daily counter and
        fault counters; configuration and records stay."""
        self._app.reset()

    def new_day(self) -> None:
        """Start a new sandbox day: the daily request counter starts again."""
        self._app.new_day()
