"""What the tests share (imported by name: tests/ is on sys.path): test doubles, and the one
place that starts, calls and inspects the sandbox for the library's and the command's tests.

The sandbox's own tests (tests/sandbox/) keep their helpers, which need no client.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import hubassoc_pandas  # noqa: F401  (registers the accessor)
from hubassoc_pandas.sandbox import Sandbox
from hubassoc_pandas.transport.backoff import Backoff

#: Records of the default sandbox.
CONTACTS = range(1, 20_001)
COMPANIES = range(1, 10_001)
#: Records of the sandbox the command-line tests use.
SMALL = {"contacts": range(1, 101), "companies": range(1, 101)}
#: A client ``rate_limit`` far above what a test run sends, for runs against a sandbox that
#: sets no limit when pacing is not what the test checks (the default, 100 requests per 10 s,
#: would only make them wait).
UNPACED = (1_000, 1.0)


# -- starting a sandbox ---------------------------------------------------------------------


def start_hub(**options: Any) -> Sandbox:
    """A started sandbox: contacts 1..20000 and companies 1..10000, no rate limit, unless
    ``options`` say otherwise. The caller closes it."""
    options.setdefault("records", {"contacts": CONTACTS, "companies": COMPANIES})
    options.setdefault("rate_limit", None)
    return Sandbox(**options).start()


@contextmanager
def running_hub(**options: Any) -> Iterator[Sandbox]:
    """:func:`start_hub` as a context manager that closes the sandbox."""
    hub = start_hub(**options)
    try:
        yield hub
    finally:
        hub.close()


def build_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` rows of distinct (contact_id, company_id) pairs that exist in the default sandbox.

    Examples
    --------
    >>> build_frame(3, seed=1).shape
    (3, 2)
    """
    rng = np.random.default_rng(seed)
    contacts = rng.choice(np.arange(1, len(CONTACTS) + 1), size=n, replace=n > len(CONTACTS))
    companies = rng.integers(1, len(COMPANIES) + 1, size=n)
    frame = pd.DataFrame({"contact_id": contacts, "company_id": companies})
    frame = frame.drop_duplicates(ignore_index=True)
    while len(frame) < n:  # top up the rare duplicate draws
        extra = pd.DataFrame(
            {
                "contact_id": rng.integers(1, len(CONTACTS) + 1, size=n - len(frame)),
                "company_id": rng.integers(1, len(COMPANIES) + 1, size=n - len(frame)),
            }
        )
        frame = pd.concat([frame, extra]).drop_duplicates(ignore_index=True)
    return frame


# -- calling it through the library ---------------------------------------------------------


def associate_at(
    url: str,
    token: str | None,
    frame: pd.DataFrame,
    from_type: str = "contacts",
    to_type: str = "companies",
    *,
    from_col: Hashable = "contact_id",
    to_col: Hashable = "company_id",
    **options: Any,
) -> pd.DataFrame:
    """``frame.hubassoc.associate`` against whatever listens at ``url`` (a closed port, say),
    with ``token`` and no progress bar unless ``options`` say otherwise."""
    options.setdefault("progress", False)
    return frame.hubassoc.associate(  # type: ignore[no-any-return]
        from_type, to_type, from_col=from_col, to_col=to_col, token=token, base_url=url, **options
    )


def associate_on(
    hub: Sandbox,
    frame: pd.DataFrame,
    from_type: str = "contacts",
    to_type: str = "companies",
    *,
    from_col: Hashable = "contact_id",
    to_col: Hashable = "company_id",
    **options: Any,
) -> pd.DataFrame:
    """``frame.hubassoc.associate`` against ``hub``: its token and URL, no progress bar,
    unless ``options`` say otherwise (``token=None`` reads the environment)."""
    return call_on(
        hub, "associate", frame, from_type, to_type, from_col=from_col, to_col=to_col, **options
    )


def disassociate_on(
    hub: Sandbox,
    frame: pd.DataFrame,
    from_type: str = "contacts",
    to_type: str = "companies",
    *,
    from_col: str = "contact_id",
    to_col: str = "company_id",
    **options: Any,
) -> pd.DataFrame:
    """``frame.hubassoc.disassociate`` against ``hub``, like :func:`associate_on`."""
    return call_on(
        hub, "disassociate", frame, from_type, to_type, from_col=from_col, to_col=to_col, **options
    )


def call_on(
    hub: Sandbox, method: str, frame: pd.DataFrame, *args: Any, **options: Any
) -> pd.DataFrame:
    """``frame.hubassoc.<method>(*args, **options)`` against ``hub``: its token and URL, no
    progress bar, unless ``options`` say otherwise."""
    options.setdefault("token", hub.token)
    options.setdefault("base_url", hub.url)
    options.setdefault("progress", False)
    return getattr(frame.hubassoc, method)(*args, **options)  # type: ignore[no-any-return]


def retry_on(hub: Sandbox, results: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """``results.hubassoc.retry`` against ``hub`` (its token, no progress bar by default)."""
    options.setdefault("token", hub.token)
    options.setdefault("progress", False)
    return results.hubassoc.retry(**options)  # type: ignore[no-any-return]


# -- what it saw and holds ------------------------------------------------------------------


def endpoint_requests(hub: Sandbox) -> list[Any]:
    """The requests to the batch endpoint, in order."""
    return [r for r in hub.requests if "batch/associate" in r.path]


def sent_pairs(hub: Sandbox, since: int = 0) -> list[tuple[str, str]]:
    """Every (from, to) pair sent, request by request, from request number ``since`` on
    (inputs naming one target, or a list of them as removals do)."""
    return [
        (i["from"]["id"], target["id"])
        for r in hub.requests[since:]
        if isinstance(r.body, dict)
        for i in r.body.get("inputs", [])
        for target in (i["to"] if isinstance(i["to"], list) else [i["to"]])
    ]


def stored_pairs(
    hub: Sandbox, from_type: str = "contacts", to_type: str = "companies"
) -> set[tuple[str, str]]:
    """The associations the sandbox holds."""
    return hub.associated_pairs(from_type, to_type)


def associated_pairs(results: pd.DataFrame) -> set[tuple[str, str]]:
    """The (from_id, to_id) pairs of the rows a results frame says are associated."""
    done = results[results["status"] == "associated"]
    return set(zip(done["from_id"], done["to_id"], strict=True))


# -- the command line against it ------------------------------------------------------------


def hub_env(hub: Sandbox) -> dict[str, str]:
    """The environment of a command run against ``hub``: its token and base URL."""
    return {**os.environ, "HUBSPOT_ACCESS_TOKEN": hub.token, "HUBSPOT_BASE_URL": hub.url}


def write_csv(path: Path, contacts: list[object], companies: list[object]) -> Path:
    """A CSV input of columns c (contact IDs) and co (company IDs)."""
    pd.DataFrame({"c": contacts, "co": companies}).to_csv(path, index=False)
    return path


def associate_argv(
    source: Path | str,
    *extra: str,
    types: tuple[str, str] = ("contacts", "companies"),
    columns: tuple[str, str] = ("c", "co"),
    command: str = "associate",
) -> list[str]:
    """``hubassoc associate`` arguments for a file of columns c (contacts) and co (companies)."""
    return [
        command,
        str(source),
        "--from",
        types[0],
        "--to",
        types[1],
        "--from-col",
        columns[0],
        "--to-col",
        columns[1],
        *extra,
    ]


def start_cli(argv: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """``hubassoc`` in a child process, as a user's script would run it."""
    return subprocess.Popen(
        [sys.executable, "-m", "hubassoc_pandas.cli", *argv],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    """Poll ``condition`` while ``process`` runs; fail if it ends first or 30 s pass."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)


# -- test doubles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordingBackoff(Backoff):
    """A :class:`Backoff` that records the attempt numbers it was asked about."""

    asked: list[int] = field(default_factory=list)

    def delay(self, attempt: int) -> float:
        self.asked.append(attempt)
        return super().delay(attempt)


class RecordingProgress:
    """A progress sink that records rows, counts and notes; raises Ctrl-C after ``stop_after``
    rows (once)."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.rows = 0
        self.counts: dict[str, int] = {}
        self.notes: list[str] = []
        self.closed = False
        self.stop_after = stop_after

    def advance(self, rows: int, counts: dict[str, int]) -> None:
        self.rows += rows
        self.counts = counts
        if self.stop_after is not None and self.rows >= self.stop_after:
            self.stop_after = None
            raise KeyboardInterrupt

    def note(self, text: str | None) -> None:
        if text:
            self.notes.append(text)

    def close(self) -> None:
        self.closed = True


# -- labels -----------------------------------------------------------------------------------


def requests_to(hub: Sandbox, tail: str, since: int = 0) -> list[Any]:
    """The requests whose path ends with ``tail`` (e.g. ``"/batch/create"``), in order."""
    return [r for r in hub.requests[since:] if r.path.endswith(tail)]


def sent_typed(hub: Sandbox, tail: str, since: int = 0) -> list[tuple[str, str, str, int]]:
    """Every (from, to, category, type ID) sent to the typed endpoint ending with ``tail``."""
    return [
        (i["from"]["id"], i["to"]["id"], t["associationCategory"], t["associationTypeId"])
        for r in requests_to(hub, tail, since)
        for i in r.body["inputs"]
        for t in i["types"]
    ]


def label_id(
    hub: Sandbox, label: str, from_type: str = "contacts", to_type: str = "companies"
) -> int:
    """The type ID of ``label`` in ``from_type -> to_type`` in this sandbox."""
    return hub.label_type_id(from_type, to_type, label)


# -- keys other than IDs --------------------------------------------------------------------


def objects_requests(hub: Sandbox, tail: str, since: int = 0) -> list[Any]:
    """The requests to an objects endpoint (``"batch/read"`` or ``"search"``), in order."""
    return [r for r in hub.requests[since:] if "/objects/" in r.path and r.path.endswith(tail)]


def looked_up(hub: Sandbox, since: int = 0) -> list[str]:
    """Every value sent to objects batch/read (``idProperty`` lookups), request by request."""
    return [i["id"] for r in objects_requests(hub, "batch/read", since) for i in r.body["inputs"]]


def searched_domains(hub: Sandbox, since: int = 0) -> list[str]:
    """Every domain an answered companies search asked for in its ``domain`` filters (first
    pages only)."""
    return [
        value
        for r in objects_requests(hub, "search", since)
        if "after" not in r.body and r.status == 200
        for group in r.body["filterGroups"]
        for f in group["filters"]
        if f["propertyName"] == "domain"
        for value in f["values"]
    ]


def with_emails(hub: Sandbox, emails: dict[int, str]) -> None:
    """Give contacts (created if need be) these emails."""
    hub.add_records("contacts", list(emails), [{"email": e} for e in emails.values()])


def with_domains(hub: Sandbox, companies: dict[int, dict[str, str]]) -> None:
    """Give companies (created if need be) these properties (``domain``, ...)."""
    hub.add_records("companies", list(companies), list(companies.values()))


# -- reading what exists ------------------------------------------------------------------


def read_on(
    hub: Sandbox,
    frame: pd.DataFrame,
    from_type: str = "contacts",
    to_type: str = "companies",
    *,
    from_col: str = "contact_id",
    **options: Any,
) -> pd.DataFrame:
    """``frame.hubassoc.read`` against ``hub``, like :func:`associate_on`."""
    return call_on(hub, "read", frame, from_type, to_type, from_col=from_col, **options)


def fail_requests(
    hub: Sandbox, after: int, count: int, *, kind: str = "500_json", path: str = "batch/read"
) -> None:
    """Make ``count`` requests to ``path``, starting with the ``after``-th next request to the
    sandbox (1: the very next one), answer with fault ``kind``."""
    from hubassoc_pandas.sandbox import Fault

    base = int(hub.stats()["endpoint_requests"])
    numbers = range(base + after, base + after + count)
    hub.configure(faults=[Fault(kind, on_requests=numbers, paths=[path])])


def read_requests(hub: Sandbox) -> list[Any]:
    """The batch/read requests the sandbox received, in order."""
    return [
        r for r in hub.requests if "/associations/" in r.path and r.path.endswith("/batch/read")
    ]


# -- keys in every operation --------------------------------------------------------------


class StopWhileLookingUp(RecordingProgress):
    """Ctrl-C once the lookups have decided ``after`` rows (read from their phase's notes)."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after

    def note(self, text: str | None) -> None:
        found = re.search(r"resolving .*: ([\d,]+) of", text or "")
        if found and self.after and int(found.group(1).replace(",", "")) >= self.after:
            self.after = 0
            raise KeyboardInterrupt
        super().note(text)


def sync_on_hub(
    hub: Sandbox,
    frame: pd.DataFrame,
    from_type: str = "contacts",
    to_type: str = "companies",
    *,
    from_col: str = "contact_id",
    to_col: str = "company_id",
    **options: Any,
) -> pd.DataFrame:
    """``frame.hubassoc.sync`` against ``hub``, like :func:`associate_on` (a dry run unless
    ``dry_run=False``)."""
    return call_on(
        hub, "sync", frame, from_type, to_type, from_col=from_col, to_col=to_col, **options
    )


def association_writes(hub: Sandbox, since: int = 0) -> list[Any]:
    """The requests that create or remove associations, in order."""
    return [
        r
        for r in hub.requests[since:]
        if "/associations/" in r.path and not r.path.endswith("/batch/read")
    ]


# -- a JSON endpoint of the test's own ------------------------------------------------------

#: What a :class:`JsonPortal` answers: (HTTP status, JSON body, extra headers).
JsonAnswer = tuple[int, Any, dict[str, str]]


class JsonPortal:
    """A small JSON endpoint on 127.0.0.1 for answers the sandbox does not give: each POST's
    body is read as JSON, kept in :attr:`bodies` (in arrival order) and answered with
    ``answer(body, number)`` (``number`` counts requests from 1). Closes as a context manager.

    Examples
    --------
    >>> with JsonPortal(lambda body, number: (200, {"n": number}, {})) as portal:
    ...     portal.url.startswith("http://127.0.0.1:")
    True
    """

    def __init__(self, answer: Callable[[Any, int], JsonAnswer]) -> None:
        self.bodies: list[Any] = []
        lock = threading.Lock()
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                with lock:
                    portal.bodies.append(body)
                    number = len(portal.bodies)
                status, payload, headers = answer(body, number)
                data = json.dumps(payload, separators=(",", ":")).encode()
                self.send_response(status)
                for key, value in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop answering and free the port."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> JsonPortal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
