"""The access token appears nowhere but the Authorization header: not in logs, warnings,
progress output, reprs, results, attrs, journals or exception messages and tracebacks."""

from __future__ import annotations

import io
import json
import logging
import traceback
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from hubassoc_testkit import associate_on, running_hub

from hubassoc_pandas.engine.journal import Journal, identity_of
from hubassoc_pandas.errors import AuthenticationError, InsecureTransportError
from hubassoc_pandas.sandbox import Fault
from hubassoc_pandas.transport.client import HubSpotClient

TOKEN = "pat-na1-7d1e4c2b-aa90-4f6e-b3c1-9e0d5f7a2c44"
WRONG = "pat-na1-0c9b8a7f-dead-beef-cafe-123456789abc"
FRAGMENTS = [TOKEN, WRONG, "7d1e4c2b", "9e0d5f7a2c44", "0c9b8a7f", "123456789abc"]


def leaks(text: str) -> list[str]:
    return [f for f in FRAGMENTS if f in text]


def test_a_failing_run_never_shows_the_token(
    make_frame: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    logger = logging.getLogger("hubassoc_pandas")
    logger.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    journal = tmp_path / "run.sqlite"
    frame = make_frame(600, seed=3)
    frame["company_id"] = frame["company_id"].astype(object)
    frame.loc[[1, 2], "company_id"] = 40_000_000  # missing
    frame.loc[[3], "company_id"] = "not-an-id"
    faults = [
        Fault("500_json", on_requests=[1, 2, 3, 4, 5, 6]),
        Fault("502_html", on_requests=[7]),
        Fault("close", on_requests=[8]),
        Fault("truncated", on_requests=[9]),
        Fault("429", on_requests=[10]),
        Fault("429_daily", on_requests=[20]),
    ]
    try:
        with (
            running_hub(tokens={TOKEN: None}, rate_limit=(50, 1.0), faults=faults) as hub,
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            url = hub.url
            results = associate_on(
                hub, frame, token=TOKEN, journal=journal, batch_size=25, max_workers=2,
                max_attempts=2, rate_limit=(50, 1.0), progress=True,
            )  # fmt: skip
            with pytest.raises(AuthenticationError) as refused:
                associate_on(hub, frame, token=WRONG, progress=True)
            client = HubSpotClient(TOKEN, base_url=hub.url)
            seen += [repr(client), str(client), repr(hub.requests)]
            client.close()
            seen += [json.dumps(r.headers) for r in hub.requests]
    finally:
        logger.removeHandler(handler)
    statuses = set(results["status"])
    assert {"failed", "not_sent", "associated", "invalid"} <= statuses, statuses
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)
    error = refused.value
    assert error.results is not None
    seen += [
        stream.getvalue(),
        caplog.text,
        *[str(w.message) for w in caught],
        *capsys.readouterr(),
        results.to_string(),
        results.to_csv(),
        repr(results.attrs),
        json.dumps(results.attrs),
        str(error),
        repr(error),
        repr(error.body),
        error.results.to_csv(),
        "".join(traceback.format_exception(error)),
        repr(Journal(journal, identity_of("contacts", "companies", url))),
    ]
    assert "associating" in seen[-12] + seen[-11]  # the progress bar was captured
    assert len(stream.getvalue()) > 100  # debug logging was on
    for part in ("", "-wal", "-shm"):
        path = Path(f"{journal}{part}")
        if path.exists():
            seen.append(path.read_bytes().decode("latin-1"))
    found = [(i, leaks(text)) for i, text in enumerate(seen) if leaks(text)]
    assert not found


@pytest.mark.parametrize(
    "url", ["http://example.com", "http://10.0.0.5:8080", "http://api.hubapi.com/", "http://[::2]"]
)
def test_plain_http_to_another_host_is_refused_before_sending(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_traffic(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a request was attempted")

    monkeypatch.setattr(requests.Session, "send", no_traffic)
    monkeypatch.setattr(requests.Session, "request", no_traffic)
    frame = pd.DataFrame({"contact_id": [1, 2], "company_id": [3, 4]})
    with pytest.raises(InsecureTransportError) as refused:
        frame.hubassoc.associate(
            "contacts", "companies", from_col="contact_id", to_col="company_id",
            token=TOKEN, base_url=url, progress=False,
        )  # fmt: skip
    assert not leaks(str(refused.value))
    with pytest.raises(InsecureTransportError):
        HubSpotClient(TOKEN, base_url=url)


def test_client_attributes_never_show_the_token() -> None:
    import pickle

    from hubassoc_pandas import HubSpotClient

    secret = "pat-na1-client-attribute-secret"
    client = HubSpotClient(secret, base_url="http://127.0.0.1:9")
    try:
        shown = repr(client) + repr(vars(client)) + str(vars(client))
        assert secret not in shown
        with pytest.raises(TypeError):
            pickle.dumps(client._authorization)
    finally:
        client.close()


def test_the_option_objects_never_show_or_pickle_the_token() -> None:
    import dataclasses
    import pickle

    from hubassoc_pandas.options import Connection, PairJob, RunOptions

    token = "pat-na1-0b5e-secret-option-token"
    connection = Connection.of(token, "http://127.0.0.1:9")
    job = PairJob("c", "co", connection, RunOptions.of("contacts", "companies"))
    assert connection.token == token  # kept for the client, and only there
    for text in (repr(connection), str(job), repr(dataclasses.replace(job, from_col="x"))):
        assert token not in text
    for copy in (pickle.dumps, dataclasses.asdict):  # a copy of it cannot be made either
        with pytest.raises(TypeError, match="cannot be pickled"):
            copy(job)
