"""Settings refused up front: every spelling of a rate limit, a timeout or a backoff with a
non-finite or non-positive part raises ConfigError before any request, saying what to fix.
Table-driven, through the parsers and through ``df.hubassoc.associate``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hubassoc_testkit import JsonAnswer, JsonPortal, associate_argv, write_csv

import hubassoc_pandas  # noqa: F401  (registers the accessor)
from hubassoc_pandas import Backoff, ConfigError, HubSpotClient, RateLimit, Timeout
from hubassoc_pandas.cli import main
from hubassoc_pandas.engine.rate_limit import parse_rate_limit
from hubassoc_pandas.engine.settings import make_settings
from hubassoc_pandas.sandbox import Sandbox

INF, NAN = float("inf"), float("nan")

# what each message must say, beyond naming the argument and its value
SECONDS = "the seconds must be a finite number above 0"
REQUESTS = "the requests must be a whole number above 0"
MARGIN = "the margin must be from 0 up to 1"
HOW = "Give requests per 10 s (e.g. 190), a (requests, seconds) pair such as (100, 10)"

BAD_RATE_LIMITS: list[tuple[str, Any, str]] = [
    # a number of requests per 10 s
    ("number inf", INF, REQUESTS),
    ("number -inf", -INF, REQUESTS),
    ("number nan", NAN, REQUESTS),
    ("number 0", 0, REQUESTS),
    ("number -5", -5, REQUESTS),
    ("number 12.5", 12.5, REQUESTS),
    ("numpy inf", np.float64(INF), REQUESTS),
    ("numpy 0", np.int64(0), REQUESTS),
    ("bool", True, REQUESTS),
    # a (requests, seconds) pair
    ("tuple seconds inf", (100, INF), SECONDS),
    ("tuple seconds nan", (100, NAN), SECONDS),
    ("tuple seconds 0", (100, 0), SECONDS),
    ("tuple seconds -1", (100, -1), SECONDS),
    ("tuple requests inf", (INF, 10), REQUESTS),
    ("tuple requests nan", (NAN, 10), REQUESTS),
    ("tuple requests 0", (0, 10), REQUESTS),
    ("tuple requests 2.5", (2.5, 10), REQUESTS),
    ("tuple numpy nan", (100, np.float64(NAN)), SECONDS),
    ("tuple of texts", ("100", "10"), REQUESTS),
    ("list seconds inf", [100, INF], SECONDS),
    ("list seconds nan", [100, NAN], SECONDS),
    ("list of three", [1, 2, 3], REQUESTS),
    # a "requests/seconds" text
    ("text seconds inf", "100/inf", SECONDS),
    ("text seconds nan", "100/nan", SECONDS),
    ("text seconds Infinity", "100/Infinity", SECONDS),
    ("text seconds 0", "100/0", SECONDS),
    ("text seconds -1", "100/-1", SECONDS),
    ("text seconds words", "100/ten", SECONDS),
    ("text inf", "inf", REQUESTS),
    ("text nan", "nan", REQUESTS),
    ("text requests inf", "inf/10", REQUESTS),
    ("text requests nan", "nan/10", REQUESTS),
    ("text requests 0", "0/10", REQUESTS),
    ("text requests -5", "-5/10", REQUESTS),
    ("text requests 12.5", "12.5/10", REQUESTS),
    ("text words", "fast", REQUESTS),
    # a RateLimit
    ("RateLimit seconds inf", RateLimit(100, INF), SECONDS),
    ("RateLimit seconds nan", RateLimit(100, NAN), SECONDS),
    ("RateLimit seconds 0", RateLimit(100, 0.0), SECONDS),
    ("RateLimit requests 0", RateLimit(0, 10.0), REQUESTS),
    ("RateLimit requests -1", RateLimit(-1, 10.0), REQUESTS),
    ("RateLimit requests inf", RateLimit(INF, 10.0), REQUESTS),  # type: ignore[arg-type]
    ("RateLimit requests 12.5", RateLimit(12.5, 10.0), REQUESTS),  # type: ignore[arg-type]
    ("RateLimit margin nan", RateLimit(100, 10.0, NAN), MARGIN),
    ("RateLimit margin 1", RateLimit(100, 10.0, 1.0), MARGIN),
    ("RateLimit margin -0.1", RateLimit(100, 10.0, -0.1), MARGIN),
]

GOOD_RATE_LIMITS: list[tuple[Any, RateLimit]] = [
    (190, RateLimit(190, 10.0)),
    (190.0, RateLimit(190, 10.0)),
    (np.int64(190), RateLimit(190, 10.0)),
    ((50, 1), RateLimit(50, 1.0)),
    ([50, 1.5], RateLimit(50, 1.5)),
    ((np.int32(50), np.float32(2)), RateLimit(50, 2.0)),
    ("100/10", RateLimit(100, 10.0)),
    (" 100 / 2.5 ", RateLimit(100, 2.5)),
    ("250", RateLimit(250, 10.0)),
    ("1e2/10", RateLimit(100, 10.0)),
    (RateLimit(7, 2.0), RateLimit(7, 2.0)),
    (RateLimit(7, 2.0, margin=0.0), RateLimit(7, 2.0, margin=0.0)),
]

TIMEOUT_RANGE = "both timeouts must be seconds above 0 and at most 3600, finite"
TIMEOUT_SHAPE = "give seconds as a number (e.g. 30), or a (connect, read) pair"

BAD_TIMEOUTS: list[tuple[str, Any, str]] = [
    ("number inf", INF, TIMEOUT_RANGE),
    ("number nan", NAN, TIMEOUT_RANGE),
    ("number -1", -1, TIMEOUT_RANGE),
    ("number 0", 0, TIMEOUT_RANGE),
    ("number over an hour", 3601, TIMEOUT_RANGE),
    ("numpy nan", np.float64(NAN), TIMEOUT_RANGE),
    ("bool", True, TIMEOUT_SHAPE),
    ("tuple read inf", (5, INF), TIMEOUT_RANGE),
    ("tuple connect nan", (NAN, 60), TIMEOUT_RANGE),
    ("tuple read 0", (5, 0), TIMEOUT_RANGE),
    ("list read -1", [5, -1], TIMEOUT_RANGE),
    ("tuple of one", (5,), TIMEOUT_SHAPE),
    ("tuple of three", (1, 2, 3), TIMEOUT_SHAPE),
    ("tuple with a bool", (True, 5), TIMEOUT_SHAPE),
    ("tuple of texts", ("5", "60"), TIMEOUT_SHAPE),
    ("Timeout read nan", Timeout(5, NAN), TIMEOUT_RANGE),
    ("Timeout connect inf", Timeout(INF, 60), TIMEOUT_RANGE),
    ("Timeout connect 0", Timeout(0, 60), TIMEOUT_RANGE),
    ("Timeout read -1", Timeout(5, -1), TIMEOUT_RANGE),
    ("Timeout of texts", Timeout("5", 60), TIMEOUT_SHAPE),  # type: ignore[arg-type]
    # texts are not a spelling of a timeout in Python (the command line reads its own)
    ("text", "10", TIMEOUT_SHAPE),
    ("text inf", "inf", TIMEOUT_SHAPE),
    ("text nan", "nan", TIMEOUT_SHAPE),
]

GOOD_TIMEOUTS: list[tuple[Any, Timeout]] = [
    (None, Timeout(10.0, 60.0)),
    (30, Timeout(30.0, 30.0)),
    (2.5, Timeout(2.5, 2.5)),
    (np.float64(3), Timeout(3.0, 3.0)),
    ((5, 60), Timeout(5.0, 60.0)),
    ([5, 60], Timeout(5.0, 60.0)),
    (Timeout(5, 60), Timeout(5, 60)),
]

BACKOFF_RANGE = "base and cap must be finite seconds above 0, with cap >= base"
BACKOFF_SHAPE = "give a hubassoc_pandas.Backoff(base=, cap=)"

BAD_BACKOFFS: list[tuple[str, Any, str]] = [
    ("base inf", Backoff(base=INF), BACKOFF_RANGE),
    ("base nan", Backoff(base=NAN), BACKOFF_RANGE),
    ("cap inf", Backoff(cap=INF), BACKOFF_RANGE),
    ("cap nan", Backoff(cap=NAN), BACKOFF_RANGE),
    ("base 0", Backoff(base=0.0), BACKOFF_RANGE),
    ("base -1", Backoff(base=-1.0), BACKOFF_RANGE),
    ("cap 0", Backoff(base=0.5, cap=0.0), BACKOFF_RANGE),
    ("cap below base", Backoff(base=5.0, cap=1.0), BACKOFF_RANGE),
    ("numpy inf", Backoff(cap=np.float64(INF)), BACKOFF_RANGE),
    ("base a bool", Backoff(base=True), BACKOFF_RANGE),
    ("base a text", Backoff(base="1"), BACKOFF_RANGE),  # type: ignore[arg-type]
    ("rng not callable", Backoff(rng=0.5), "rng must be a function"),  # type: ignore[arg-type]
    ("a number", 2.0, BACKOFF_SHAPE),
    ("a pair", (0.5, 30), BACKOFF_SHAPE),
    ("a text", "0.5", BACKOFF_SHAPE),
]

GOOD_BACKOFFS: list[Any] = [None, Backoff(), Backoff(1, 8), Backoff(np.float64(1), 8)]


def shown(value: Any) -> str:
    """A test ID for a value (a Backoff without its random source's address)."""
    if isinstance(value, Backoff):
        return f"Backoff(base={value.base!r}, cap={value.cap!r})"
    return repr(value)


def expected(argument: str, value: Any, says: str) -> str:
    """The pattern a refusal must match: the argument and its value, and what to fix."""
    return re.escape(f"{argument}={shown(value)}") + ".*" + re.escape(says)


CASES = (
    [("rate_limit", label, value, says) for label, value, says in BAD_RATE_LIMITS]
    + [("timeout", label, value, says) for label, value, says in BAD_TIMEOUTS]
    + [("backoff", label, value, says) for label, value, says in BAD_BACKOFFS]
)
IDS = [f"{argument}: {label}" for argument, label, _, _ in CASES]


# -- the parsers ------------------------------------------------------------------------------

PARSERS = {
    "rate_limit": parse_rate_limit,
    "timeout": Timeout.of,
    "backoff": Backoff.of,
}


@pytest.mark.parametrize(("argument", "label", "value", "says"), CASES, ids=IDS)
def test_the_parser_refuses_it(argument: str, label: str, value: Any, says: str) -> None:
    with pytest.raises(ConfigError, match=expected(argument, value, says)):
        PARSERS[argument](value)


def test_every_rate_limit_message_shows_the_spellings() -> None:
    for _, value, _ in BAD_RATE_LIMITS:
        with pytest.raises(ConfigError, match=re.escape(HOW)):
            parse_rate_limit(value)


@pytest.mark.parametrize(
    ("value", "limit"), GOOD_RATE_LIMITS, ids=[repr(v) for v, _ in GOOD_RATE_LIMITS]
)
def test_every_rate_limit_spelling_is_read(value: Any, limit: RateLimit) -> None:  # fmt: skip
    parsed = parse_rate_limit(value)
    assert parsed == limit
    assert type(parsed.requests) is int and type(parsed.period) is float


@pytest.mark.parametrize(
    ("value", "timeout"), GOOD_TIMEOUTS, ids=[repr(v) for v, _ in GOOD_TIMEOUTS]
)
def test_every_timeout_spelling_is_read(value: Any, timeout: Timeout) -> None:  # fmt: skip
    assert Timeout.of(value) == timeout


@pytest.mark.parametrize("value", GOOD_BACKOFFS, ids=shown)
def test_every_backoff_spelling_is_read(value: Any) -> None:
    backoff = Backoff.of(value)
    assert backoff is value or (value is None and backoff == Backoff())


@pytest.mark.parametrize(("argument", "label", "value", "says"), CASES, ids=IDS)
def test_make_settings_refuses_it(argument: str, label: str, value: Any, says: str) -> None:
    with pytest.raises(ConfigError, match=expected(argument, value, says)):
        make_settings("contacts", "companies", **{argument: value})


@pytest.mark.parametrize(("label", "value", "says"), BAD_TIMEOUTS, ids=[c[0] for c in BAD_TIMEOUTS])
def test_a_client_refuses_a_bad_timeout(label: str, value: Any, says: str) -> None:  # fmt: skip
    with pytest.raises(ConfigError, match=expected("timeout", value, says)):
        HubSpotClient("a-token", base_url="http://127.0.0.1:9", timeout=value)


# -- the public call, before any request ------------------------------------------------------


@pytest.fixture(scope="module")
def portal() -> Iterator[JsonPortal]:
    def answer(body: Any, number: int) -> JsonAnswer:
        raise AssertionError("nothing may be sent")

    with JsonPortal(answer) as server:
        yield server


FRAME = pd.DataFrame({"contact_id": [1, 2], "company_id": [3, 4]})


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "live"])
@pytest.mark.parametrize(("argument", "label", "value", "says"), CASES, ids=IDS)
def test_associate_refuses_it_before_any_request(
    portal: JsonPortal, argument: str, label: str, value: Any, says: str, dry_run: bool
) -> None:
    with pytest.raises(ConfigError, match=expected(argument, value, says)):
        FRAME.hubassoc.associate(
            "contacts", "companies", from_col="contact_id", to_col="company_id",
            token="a-token", base_url=portal.url, dry_run=dry_run, progress=False,
            **{argument: value},
        )  # fmt: skip
    assert portal.bodies == []


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        *[("rate_limit", value) for value, _ in GOOD_RATE_LIMITS],
        *[("timeout", value) for value, _ in GOOD_TIMEOUTS],
        *[("backoff", value) for value in GOOD_BACKOFFS],
    ],
    ids=shown,
)
def test_associate_takes_every_good_spelling(argument: str, value: Any) -> None:
    results = FRAME.hubassoc.associate(
        "contacts", "companies", from_col="contact_id", to_col="company_id",
        dry_run=True, progress=False, **{argument: value},
    )  # fmt: skip
    assert (results["status"] == "not_sent").all()


# -- the command line ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--rate-limit", "100/inf"], "--rate-limit '100/inf' is not usable: " + SECONDS),
        (["--rate-limit", "100/nan"], "--rate-limit '100/nan' is not usable: " + SECONDS),
        (["--rate-limit", "inf/10"], "--rate-limit 'inf/10' is not usable: " + REQUESTS),
        (["--rate-limit", "0"], "--rate-limit '0' is not usable: " + REQUESTS),
        (["--timeout", "inf"], "--timeout inf: " + TIMEOUT_RANGE),
        (["--timeout", "nan"], "--timeout nan: " + TIMEOUT_RANGE),
        (["--timeout", "5,inf"], "--timeout (5.0, inf): " + TIMEOUT_RANGE),
        (["--timeout", "0"], "--timeout 0.0: " + TIMEOUT_RANGE),
    ],
)
def test_the_command_line_refuses_it_before_any_request(
    cli_hub: Sandbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    said: str,
) -> None:
    source = write_csv(tmp_path / "in.csv", [1], [2])
    assert main(associate_argv(source, *extra)) == 2
    assert said in capsys.readouterr().err
    assert cli_hub.requests == []
