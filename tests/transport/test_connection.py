"""The client's connections over real sockets on 127.0.0.1: what a failure says about whether
the request got there, bodies read whole (gzip too), and connections kept alive."""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from hubassoc_pandas.errors import ConfigError
from hubassoc_pandas.transport.client import HubSpotClient
from hubassoc_pandas.transport.network import may_have_reached

TOKEN = "pat-na1-connection-secret"

Handler = Callable[[socket.socket, bytes], None]


class RawServer:
    """A one-thread HTTP server on 127.0.0.1 that hands each request to ``handler``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.accepted = 0
        self.requests: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            with conn:
                conn.settimeout(5)
                while not self._stop.is_set():
                    request = _read_request(conn)
                    if request is None:
                        break
                    self.requests.append(request)
                    self.handler(conn, request)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()


def _read_request(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = conn.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


def _answer(body: bytes, *, extra: bytes = b"", length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + extra
        + b"Content-Length: "
        + str(size).encode()
        + b"\r\n\r\n"
        + body
    )


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], RawServer]]:
    servers: list[RawServer] = []

    def start(handler: Handler) -> RawServer:
        servers.append(RawServer(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _client(url: str, timeout: float = 5.0) -> HubSpotClient:
    return HubSpotClient(TOKEN, base_url=url, timeout=timeout)


def test_a_refused_connection_never_reached_the_server() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with _client(f"http://127.0.0.1:{port}") as client:
        response = client.post("crm/x", {"inputs": []})
    assert (response.status, response.lost) == (0, False)
    assert "NewConnectionError" in (response.error or "")
    assert TOKEN not in (response.error or "")


def test_a_connection_closed_after_the_request_may_have_reached_it(serve: Callable) -> None:
    server = serve(lambda conn, request: conn.shutdown(socket.SHUT_RDWR))
    with _client(server.url) as client:
        response = client.post("crm/x", {"inputs": []})
    assert (response.status, response.lost) == (0, True)
    assert len(server.requests) == 1 and TOKEN not in (response.error or "")


def test_a_body_cut_short_may_have_reached_it(serve: Callable) -> None:
    def short(conn: socket.socket, request: bytes) -> None:
        conn.sendall(_answer(b'{"status":"COMP', length=100))
        conn.shutdown(socket.SHUT_RDWR)

    server = serve(short)
    with _client(server.url) as client:
        response = client.post("crm/x", {"inputs": []})
    assert (response.status, response.lost, response.body) == (0, True, None)
    assert "ProtocolError" in (response.error or "")


def test_a_read_timeout_may_have_reached_it(serve: Callable) -> None:
    release = threading.Event()
    server = serve(lambda conn, request: release.wait(5))
    try:
        with _client(server.url, timeout=0.3) as client:
            response = client.post("crm/x", {"inputs": []})
    finally:
        release.set()
    assert (response.status, response.lost) == (0, True)
    assert "ReadTimeoutError" in (response.error or "")


def test_a_gzip_answer_is_read_whole_and_connections_are_kept_alive(serve: Callable) -> None:
    payload = b'{"status":"COMPLETE","results":[' + b",".join([b'{"n":1}'] * 5000) + b"]}"
    packed = gzip.compress(payload)

    def zipped(conn: socket.socket, request: bytes) -> None:
        conn.sendall(_answer(packed, extra=b"Content-Encoding: gzip\r\nX-Request-Id: r-1\r\n"))

    server = serve(zipped)
    with _client(server.url) as client:
        answers = [client.post("crm/x", {"inputs": [i]}) for i in range(3)]
    assert [a.status for a in answers] == [200, 200, 200]
    assert all(len(a.body["results"]) == 5000 for a in answers)
    assert answers[0].correlation_id == "r-1"
    assert server.accepted == 1  # one connection for the three requests
    head = server.requests[0].split(b"\r\n\r\n")[0].lower()
    assert b"authorization: bearer " + TOKEN.lower().encode() in head
    assert b"accept-encoding: gzip" in head and b"content-type: application/json" in head
    assert server.requests[2].endswith(b'{"inputs":[2]}')


def test_a_base_url_with_a_path_keeps_it(serve: Callable) -> None:
    server = serve(lambda conn, request: conn.sendall(_answer(b"{}")))
    with _client(server.url + "/gateway/") as client:
        assert client.get("/crm/x?after=5").status == 200
    assert server.requests[0].startswith(b"GET /gateway/crm/x?after=5 HTTP/1.1")


#: (failure, whether the request may have reached the server)
FAILURES = [
    (NewConnectionError(None, "refused"), False),
    (NameResolutionError("api.example", None, socket.gaierror()), False),
    (ConnectTimeoutError(None, "connect timed out"), False),
    (ProxyError("Unable to connect to proxy", OSError()), False),
    (SSLError("handshake failed"), False),
    (ssl.SSLError("bad certificate"), False),
    (MaxRetryError(None, "/crm", NewConnectionError(None, "refused")), False),
    (ReadTimeoutError(None, "/crm", "read timed out"), True),
    (ProtocolError("Connection aborted.", ConnectionResetError()), True),
    (MaxRetryError(None, "/crm", ProtocolError("Connection aborted.")), True),
    (DecodeError("gzip cut short"), True),
    (ConnectionResetError(), True),
]


@pytest.mark.parametrize(("failure", "reached"), FAILURES)
def test_what_a_failure_says_about_whether_the_request_got_there(
    failure: BaseException, reached: bool
) -> None:
    assert may_have_reached(failure) is reached


TLS = Path(__file__).resolve().parent / "tls"  # a self-signed certificate for 127.0.0.1


@pytest.fixture
def https_url() -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 answering ``{}`` to anything, with the test certificate."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS / "loopback-cert.pem", TLS / "loopback-key.pem")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_https_checks_the_certificate_against_the_bundle_given(https_url: str) -> None:
    bundle = str(TLS / "loopback-cert.pem")
    with HubSpotClient(TOKEN, base_url=https_url, verify=bundle) as client:
        answers = [client.post("crm/x", {"inputs": []}) for _ in range(2)]
    assert [(a.status, a.body) for a in answers] == [(200, {}), (200, {})]
    with HubSpotClient(TOKEN, base_url=https_url) as client:  # the bundled authorities
        refused = client.post("crm/x", {"inputs": []})
    assert (refused.status, refused.lost) == (0, False)  # the handshake failed: nothing sent
    assert "SSLError" in (refused.error or "") and TOKEN not in (refused.error or "")


@pytest.mark.parametrize(
    "proxy", ["::bad::", "http://", "socks5://user:secret@127.0.0.1:1080"], ids=str
)
def test_a_proxy_that_cannot_be_used_is_refused_when_the_client_is_made(proxy: str) -> None:
    with pytest.raises(ConfigError) as caught:
        HubSpotClient(TOKEN, base_url="https://api.hubapi.com", proxies={"https": proxy})
    message = str(caught.value)
    assert "proxy cannot be used" in message and "http://proxy.example.com:3128" in message
    assert "secret" not in message and TOKEN not in message
