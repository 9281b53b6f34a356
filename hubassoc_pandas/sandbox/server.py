"""The sandbox's HTTP server: threads, keep-alive connections, the request log. No logic."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from .call import Reply, Request
from .gateway import Gateway
from .log import RequestRecord

__all__ = ["Listener", "Server", "check_loopback"]

_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    207: "Multi-Status",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    423: "Locked",
    477: "Migration in Progress",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def check_loopback(host: str) -> str:
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


class Server(ThreadingHTTPServer):
    """A threading HTTP server answering through a :class:`Gateway`."""

    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.gateway = gateway
        self.portal = gateway.portal
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
    server: Server

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
        portal = self.server.portal
        body = self._read_body()
        headers = dict(self.headers.items())
        portal.enter()
        reply: Reply | None = None
        recorded = False
        try:
            reply = self.server.gateway.handle(Request(self.command, self.path, headers, body))
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
        portal = self.server.portal
        for name in list(headers):
            if name.lower() == "authorization":
                headers[name] = "Bearer ***"
        keep = portal.options.log_bodies
        sent_body = keep and reply is not None and sent is not None and reply.action != "close"
        portal.record(
            RequestRecord(
                method=self.command,
                path=self.path,
                headers=headers,
                body=reply.request_body if keep and reply is not None else None,
                status=sent,
                response_headers=dict(reply.headers)
                if reply is not None and sent is not None
                else {},
                response_raw=reply.body if sent_body and reply is not None else None,
                started=started,
                ended=time.time(),
                inputs=reply.inputs if reply is not None else 0,
                fault=reply.fault if reply is not None else None,
            )
        )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class Listener:
    """Serves a :class:`Gateway` on a loopback address from a daemon thread.

    Parameters
    ----------
    host, port : str, int
        Where to listen (loopback only; port 0 picks a free port).
    gateway : Gateway
        Answers every request.
    """

    def __init__(self, host: str, port: int, gateway: Gateway) -> None:
        self.host = check_loopback(host)
        self._requested_port = int(port)
        self._gateway = gateway
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Self:
        """Start listening (in a daemon thread); return self. Starting twice is a no-op."""
        if self._server is not None:
            return self
        server = Server((self.host, self._requested_port), self._gateway)
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

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

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
