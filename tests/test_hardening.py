"""Where people work and things break: lost answers, dead endpoints, journals that cannot be
written, proxies, CA bundles and ~/.netrc. Real sockets on 127.0.0.1 throughout."""

from __future__ import annotations

import http.client
import re
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import pytest
from hubassoc_testkit import (
    JsonAnswer,
    JsonPortal,
    RecordingBackoff,
    RecordingProgress,
    associate_at,
    associate_on,
    disassociate_on,
    retry_on,
    stored_pairs,
)

import hubassoc_pandas  # noqa: F401  (registers the accessor)
from hubassoc_pandas import Backoff
from hubassoc_pandas.engine import journal as journal_module
from hubassoc_pandas.errors import (
    AuthenticationError,
    ConfigError,
    FatalApiError,
    InsecureTransportError,
    JournalError,
)
from hubassoc_pandas.sandbox import Fault, Sandbox
from hubassoc_pandas.transport.client import HubSpotClient


def test_an_answer_lost_after_sending_ends_unconfirmed_whatever_max_attempts(
    hub: Sandbox, make_frame: Any, fast_backoff: RecordingBackoff
) -> None:
    hub.configure(faults=[Fault("close_after_commit", rate=1.0)])
    results = associate_on(hub, make_frame(40), max_attempts=2, batch_size=10, backoff=fast_backoff)
    assert (results["status"] == "unconfirmed").all()
    assert results["retryable"].all() and (results["error_category"] == "NETWORK").all()
    assert results["error_message"].str.contains("may have reached HubSpot").all()
    # HubSpot did store them: reporting them failed would have been wrong
    assert len(stored_pairs(hub)) == 40
    hub.configure(faults=[])
    fixed = retry_on(hub, results)
    assert (fixed["status"] == "associated").all()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_dead_endpoint_stops_the_run_at_once_with_every_row_not_sent(make_frame: Any) -> None:
    frame = make_frame(20_000)
    with pytest.warns(RuntimeWarning, match="could not be reached"):
        results = associate_at(
            f"http://127.0.0.1:{closed_port()}", "any-token", frame, batch_size=10, max_workers=4
        )
    assert len(results) == 20_000 and (results["status"] == "not_sent").all()
    assert (results["error_category"] == "NETWORK").all() and results["retryable"].all()
    assert results["error_message"].str.contains("could not be reached").all()
    record = results.attrs["hubassoc"]
    assert record["stopped"] == "NETWORK"
    assert record["requests"] <= 3 * 4  # a few attempts, not 2,000 batches x 5 attempts


def test_a_journal_that_cannot_be_written_stops_the_run_and_keeps_every_row(
    hub: Sandbox, make_frame: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "LOCK_WAIT", 0.2)
    path = tmp_path / "run.db"
    holder: list[sqlite3.Connection] = []

    class LockAfterFirstBatch(RecordingProgress):
        def advance(self, rows: int, counts: dict[str, int]) -> None:
            super().advance(rows, counts)
            if rows and not holder:  # another process takes the journal and keeps it
                other = sqlite3.connect(path, isolation_level=None)
                other.execute("BEGIN EXCLUSIVE")
                holder.append(other)

    frame = make_frame(600)
    with pytest.raises(JournalError, match="could not be written") as caught:
        associate_on(hub, frame, journal=path, batch_size=50, max_workers=1,
                     progress=LockAfterFirstBatch())  # fmt: skip
    results = caught.value.results
    assert results is not None and len(results) == 600
    assert results.index.equals(frame.index)
    # batch 1 was journaled; batch 2 was answered (kept in the results) but could not be
    # journaled, so the run stopped there; nothing else was sent
    assert (results["status"] == "associated").sum() == 100
    rest = results[results["status"] != "associated"]
    assert (rest["status"] == "not_sent").all() and (rest["error_category"] == "JOURNAL").all()
    assert results.attrs["hubassoc"]["stopped"] == "JOURNAL"
    holder[0].execute("ROLLBACK")
    holder[0].close()
    # the journal still holds batch 1, so a second call resumes from it
    again = associate_on(hub, frame, journal=path, batch_size=50)
    assert (again["status"] == "associated").all()
    assert again.attrs["hubassoc"]["resumed_pairs"] == 50


class ForwardingProxy:
    """An HTTP proxy on 127.0.0.1 that forwards absolute-form requests and counts them."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                proxy.seen.append(self.path)
                target = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                upstream = http.client.HTTPConnection(target.hostname or "", target.port)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                upstream.request("POST", target.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy() -> Iterator[ForwardingProxy]:
    server = ForwardingProxy()
    yield server
    server.close()


@pytest.fixture
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def test_the_environment_proxy_is_used_and_no_proxy_honoured(
    hub: Sandbox, make_frame: Any, proxy: ForwardingProxy, clean_proxy_env: pytest.MonkeyPatch
) -> None:
    clean_proxy_env.setenv("HTTP_PROXY", proxy.url)
    results = associate_on(hub, make_frame(30), batch_size=10)
    assert (results["status"] == "associated").all()
    assert len(proxy.seen) == 3 and all(p.startswith(hub.url) for p in proxy.seen)
    clean_proxy_env.setenv("NO_PROXY", "127.0.0.1")
    associate_on(hub, make_frame(30, seed=3), batch_size=10)
    assert len(proxy.seen) == 3  # bypassed


def test_an_explicit_proxy_is_used(hub: Sandbox, proxy: ForwardingProxy, make_frame: Any) -> None:
    client = HubSpotClient(hub.token, base_url=hub.url, proxies={"http": proxy.url})
    with client:
        results = make_frame(20).hubassoc.associate(
            "contacts", "companies", from_col="contact_id", to_col="company_id",
            client=client, progress=False,
        )  # fmt: skip
    assert (results["status"] == "associated").all() and len(proxy.seen) == 1


def test_plain_http_through_a_proxy_elsewhere_is_refused_before_sending(
    clean_proxy_env: pytest.MonkeyPatch,
) -> None:
    clean_proxy_env.setenv("HTTP_PROXY", "http://user:secret@proxy.corp.example:3128")
    with pytest.raises(InsecureTransportError) as caught:
        HubSpotClient("a-token", base_url="http://127.0.0.1:9")
    assert "proxy.corp.example" in str(caught.value) and "secret" not in str(caught.value)


def test_the_ca_bundle_comes_from_the_environment_or_the_argument(
    tmp_path: Path, clean_proxy_env: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "corp-ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    clean_proxy_env.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert HubSpotClient("t", base_url="https://api.hubapi.com").verify == str(bundle)
    assert HubSpotClient("t", base_url="https://api.hubapi.com", verify=False).verify is False
    clean_proxy_env.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="CA bundle"):
        HubSpotClient("t", base_url="https://api.hubapi.com")


def test_a_netrc_entry_never_replaces_the_token(
    hub: Sandbox, make_frame: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-the-token\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(netrc))
    results = associate_on(hub, make_frame(20))
    assert (results["status"] == "associated").all()  # a Basic header would have been a 401


BAD_SETTINGS = [
    ({"rate_limit": float("inf")}, "rate_limit"),
    ({"rate_limit": (10, float("nan"))}, "rate_limit"),
    ({"rate_limit": (10, float("inf"))}, "rate_limit"),
    ({"rate_limit": (0, 10)}, "rate_limit"),
    ({"rate_limit": 12.5}, "whole number"),
    ({"timeout": float("nan")}, "timeout"),
    ({"timeout": float("inf")}, "timeout"),
    ({"timeout": (5, 0)}, "timeout"),
    ({"timeout": "10"}, "timeout"),
    ({"backoff": Backoff(base=-1.0)}, "backoff"),
    ({"backoff": Backoff(cap=float("nan"))}, "backoff"),
    ({"backoff": Backoff(base=5.0, cap=1.0)}, "cap >= base"),
    ({"backoff": 2.0}, "Backoff"),
    ({"progress": "yes"}, "progress"),
    ({"dry_run": "no"}, "dry_run"),
    ({"to_col": "a"}, "both 'a'"),
    ({"from_col": ["a"]}, "one column name"),
    ({"base_url": "http://127.0.0.1:99999"}, "port out of range"),
    ({"base_url": 5}, "base_url"),
    ({"journal": "/no/such/folder/run.db"}, "does not exist"),
]


@pytest.mark.parametrize(("change", "message"), BAD_SETTINGS)
def test_bad_settings_are_refused_before_anything_is_sent(
    hub: Sandbox, change: dict[str, Any], message: str, tmp_path: Path
) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    arguments: dict[str, Any] = {"from_col": "a", "to_col": "b", **change}
    with pytest.raises(ConfigError, match=re.escape(message)):
        associate_on(hub, frame, **arguments)
    assert hub.requests == []


def test_journal_paths_are_checked_and_home_expanded(
    hub: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    columns = {"from_col": "a", "to_col": "b"}
    with pytest.raises(ConfigError, match="is a folder"):
        associate_on(hub, frame, journal=tmp_path, **columns)
    not_a_journal = tmp_path / "notes.txt"
    not_a_journal.write_text("shopping list\n" * 100)
    with pytest.raises(ConfigError, match="not a hubassoc journal"):
        associate_on(hub, frame, journal=not_a_journal, **columns)
    assert hub.requests == []
    monkeypatch.setenv("HOME", str(tmp_path))
    results = associate_on(hub, frame, journal="~/run.db", **columns)
    assert (tmp_path / "run.db").exists() and (results["status"] == "associated").all()


def test_credentials_in_a_base_url_are_never_echoed() -> None:
    frame = pd.DataFrame({"a": [1], "b": [2]})
    for url in ("ftp://admin:hunter2@host.example/", "https://admin:hunter2@api.hubapi.com"):
        with pytest.raises(ConfigError) as caught:
            frame.hubassoc.associate(
                "contacts", "companies", from_col="a", to_col="b", token="t", base_url=url,
                dry_run=True, progress=False,
            )  # fmt: skip
        assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("operation", ["associate", "disassociate"])
def test_retry_takes_a_results_frame_read_back_from_csv(
    hub: Sandbox, make_frame: Any, tmp_path: Path, operation: str
) -> None:
    frame = make_frame(30)
    associate_on(hub, frame)
    hub.configure(faults=[Fault("500_json", on_requests=[2])])
    call = associate_on if operation == "associate" else disassociate_on
    results = call(hub, frame, batch_size=10, max_attempts=1)
    assert (results["status"] == "failed").sum() == 10
    path = tmp_path / "results.csv"
    results.to_csv(path, index=False)
    read_back = pd.read_csv(path)
    with pytest.raises(ConfigError, match="from_type= and to_type="):
        retry_on(hub, read_back, base_url=hub.url)
    fixed = retry_on(hub, read_back, from_type="contacts", to_type="companies", base_url=hub.url)
    success = "associated" if operation == "associate" else "removed"
    assert (fixed["status"] == success).all() and fixed.attrs["hubassoc"]["operation"] == operation
    assert fixed["attempts"].dtype == "Int64" and fixed["retryable"].dtype == "boolean"
    expected = set() if operation == "disassociate" else {
        (str(f), str(t)) for f, t in zip(frame["contact_id"], frame["company_id"], strict=True)
    }  # fmt: skip
    assert stored_pairs(hub) == expected


def test_retry_refuses_a_frame_whose_operation_cannot_be_told(hub: Sandbox) -> None:
    frame = pd.DataFrame({"contact_id": [50_000_000], "company_id": [1]})
    failed = associate_on(hub, frame)
    failed.attrs = {}
    with pytest.raises(ConfigError, match="operation='associate' or operation='disassociate'"):
        retry_on(hub, failed, from_type="contacts", to_type="companies", base_url=hub.url)


def test_the_input_attrs_are_kept_and_multiindex_columns_survive(
    hub: Sandbox, make_frame: Any
) -> None:
    frame = make_frame(10)
    frame.attrs = {"source": "crm-export-2026-11"}
    results = associate_on(hub, frame)
    assert results.attrs["source"] == "crm-export-2026-11" and "hubassoc" in results.attrs
    wide = pd.DataFrame(
        {("ids", "contact"): frame["contact_id"], ("ids", "company"): frame["company_id"],
         ("meta", "owner"): ["ann"] * 10},
    )  # fmt: skip
    out = associate_on(hub, wide, from_col=("ids", "contact"), to_col=("ids", "company"))
    assert (out["status"] == "associated").all()
    assert out[("meta", "owner")].tolist() == ["ann"] * 10
    assert ("ids", "contact") in out.columns


def test_an_object_type_unknown_by_name_is_left_to_hubspot(hub: Sandbox) -> None:
    frame = pd.DataFrame({"contact_id": [1, 2], "company_id": [3, 4]})
    with pytest.raises(FatalApiError, match="Unable to infer object type") as caught:
        associate_on(hub, frame, "contacts", "Widgets")
    assert hub.requests and "/contacts/widgets/" in hub.requests[0].path
    results = caught.value.results
    assert results is not None and (results["status"] == "not_sent").all()
    assert (results["error_category"] == "FATAL").all()


def test_a_proxy_page_gets_the_correlation_id_from_the_headers(
    hub: Sandbox, make_frame: Any, fast_backoff: RecordingBackoff
) -> None:
    hub.configure(faults=[Fault("502_html", rate=1.0)])
    results = associate_on(hub, make_frame(5), max_attempts=1, backoff=fast_backoff)
    assert (results["status"] == "failed").all()
    sent = hub.requests[-1]
    header = {k.lower(): v for k, v in sent.response_headers.items()}["x-hubspot-correlation-id"]
    assert header and (results["correlation_id"] == header).all()


def test_a_423_locked_waits_at_least_two_seconds_and_sends_again(
    hub: Sandbox, make_frame: Any, fast_backoff: RecordingBackoff
) -> None:
    hub.configure(faults=[Fault("423", on_requests=[1])])
    results = associate_on(hub, make_frame(20), backoff=fast_backoff)
    assert (results["status"] == "associated").all() and (results["attempts"] == 2).all()
    first, second = hub.requests[0], hub.requests[1]
    assert first.status == 423
    assert second.started - first.started >= 2.0  # a lock lasts about 2 s, not the backoff


def test_a_short_migration_is_waited_for(hub: Sandbox, make_frame: Any) -> None:
    hub.configure(faults=[Fault("477", on_requests=[1], retry_after=1)])
    results = associate_on(hub, make_frame(20))
    assert (results["status"] == "associated").all()
    assert hub.requests[1].started - hub.requests[0].started >= 1.0


def test_a_long_migration_stops_the_run_like_the_daily_limit(hub: Sandbox, make_frame: Any) -> None:
    hub.configure(faults=[Fault("477", on_requests=[2])])  # Retry-After: an hour
    with pytest.warns(RuntimeWarning, match="migrating"):
        results = associate_on(hub, make_frame(300), batch_size=50, max_workers=1)
    done = results["status"] == "associated"
    assert done.sum() == 50
    rest = results[~done]
    assert (rest["status"] == "not_sent").all() and (rest["error_category"] == "MIGRATION").all()
    assert rest["retryable"].all() and rest["error_message"].str.contains("3600").all()
    assert results.attrs["hubassoc"]["stopped"] == "MIGRATION"


def test_an_expired_or_malformed_token_says_what_to_check(hub: Sandbox, make_frame: Any) -> None:
    hub.configure(faults=[Fault("401_expired", rate=1.0)])
    with pytest.raises(AuthenticationError, match="malformed private-app token") as caught:
        associate_on(hub, make_frame(10))
    assert "expired" in str(caught.value) and hub.token not in str(caught.value)
    assert caught.value.results is not None and len(caught.value.results) == 10


ABSURD_HEADERS = [
    {"X-HubSpot-RateLimit-Max": "1e30", "X-HubSpot-RateLimit-Remaining": "-1e20"},
    {"X-HubSpot-RateLimit-Max": "inf", "X-HubSpot-RateLimit-Remaining": "nan"},
    {"X-HubSpot-RateLimit-Max": "1", "X-HubSpot-RateLimit-Interval-Milliseconds": "86400000"},
    {"X-HubSpot-RateLimit-Max": "100000", "X-HubSpot-RateLimit-Remaining": "0",
     "X-HubSpot-RateLimit-Interval-Milliseconds": "0"},
    {"X-HubSpot-RateLimit-Max": "50", "X-HubSpot-RateLimit-Remaining": "-7",
     "X-HubSpot-RateLimit-Interval-Milliseconds": "ten seconds"},
]  # fmt: skip


def echo_answer(headers: dict[str, str]) -> Callable[[Any, int], JsonAnswer]:
    """Answers associate/default by confirming every pair, with the headers it is given."""

    def answer(body: Any, number: int) -> JsonAnswer:
        results = [{"from": i["from"], "to": i["to"]} for i in body["inputs"]]
        return 200, {"status": "COMPLETE", "results": results}, headers

    return answer


@pytest.mark.timeout(60)
@pytest.mark.parametrize("headers", ABSURD_HEADERS)
def test_absurd_rate_limit_headers_cannot_hang_or_crash_a_run(
    headers: dict[str, str], make_frame: Any
) -> None:
    with JsonPortal(echo_answer(headers)) as portal:
        results = associate_at(portal.url, "a-token", make_frame(3_000), batch_size=300)
    assert (results["status"] == "associated").all()
    assert len(portal.bodies) == 10
