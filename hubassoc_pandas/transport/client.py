"""The client every request goes through: any path, one request method, over one pool of
connections (:mod:`.connection`).

The access token lives in one private attribute and travels only in the Authorization header
of requests to an HTTPS URL, or to plain HTTP on a loopback address. It never appears in a
repr, a log record or an exception raised here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import numbers
import os
import re
import time
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import requests
import urllib3

from hubassoc_pandas._version import __version__
from hubassoc_pandas.errors import ConfigError, InsecureTransportError
from hubassoc_pandas.transport.connection import Connections
from hubassoc_pandas.transport.network import (
    ca_bundle,
    is_loopback,
    may_have_reached,
    proxies_for,
    without_credentials,
)
from hubassoc_pandas.transport.responses import ApiResponse
from hubassoc_pandas.transport.wire import Prepared

__all__ = ["DEFAULT_API_VERSION", "DEFAULT_BASE_URL", "HubSpotClient", "Timeout", "resolve_token"]

logger = logging.getLogger("hubassoc_pandas")

DEFAULT_BASE_URL = "https://api.hubapi.com"
DEFAULT_API_VERSION = "2026-03"
TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"
BASE_URL_ENV = "HUBSPOT_BASE_URL"
_KEPT_HEADERS = (
    "retry-after",
    "content-type",
    "x-hubspot-correlation-id",
    "x-hubspot-request-id",
    "x-request-id",
)
_TOKEN_CHARACTERS = re.compile(r"[\x21-\x7e]+")
_TEXT_LIMIT = 2000
#: Longest connect or read timeout accepted, in seconds.
MAX_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Timeout:
    """Seconds to wait for a connection and for the response.

    Examples
    --------
    >>> Timeout.of(30)
    Timeout(connect=30.0, read=30.0)
    """

    connect: float = 10.0
    read: float = 60.0

    @classmethod
    def of(cls, value: Timeout | float | tuple[float, float] | None) -> Timeout:
        """Read the ``timeout=`` argument: seconds, a (connect, read) pair, or a Timeout.

        Each spelling is held to the same rule: numbers of seconds above 0 and at most
        ``MAX_TIMEOUT`` (3,600 s), finite; anything else (text included) raises ConfigError
        saying what to fix.

        Examples
        --------
        >>> Timeout.of((5, 60))
        Timeout(connect=5.0, read=60.0)
        >>> Timeout.of(Timeout(5, float("nan")))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        hubassoc_pandas.errors.ConfigError: timeout=Timeout(connect=5, read=nan): both ...
        """
        if value is None:
            return cls()
        if isinstance(value, Timeout):
            parts = [value.connect, value.read]
        elif isinstance(value, tuple | list):
            parts = list(value)
        else:
            parts = [value, value]
        if len(parts) != 2 or not all(
            isinstance(p, numbers.Real) and not isinstance(p, bool | np.bool_) for p in parts
        ):
            raise ConfigError(
                f"timeout={value!r}: give seconds as a number (e.g. 30), or a (connect, read) "
                "pair of numbers such as (5, 60)."
            )
        connect, read = (float(p) for p in parts)
        if not all(math.isfinite(t) and 0 < t <= MAX_TIMEOUT for t in (connect, read)):
            raise ConfigError(
                f"timeout={value!r}: both timeouts must be seconds above 0 and at most "
                f"{MAX_TIMEOUT:.0f}, finite (e.g. 30, or (5, 60))."
            )
        if isinstance(value, Timeout) and (value.connect, value.read) == (connect, read):
            return value
        return cls(connect, read)


def resolve_token(token: str | None) -> str:
    """The token to use: the argument, else ``HUBSPOT_ACCESS_TOKEN``; ConfigError if neither."""
    value = token if token is not None else os.environ.get(TOKEN_ENV)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"No HubSpot access token: pass token=... or set the {TOKEN_ENV} environment "
            "variable to a private-app or OAuth access token with the CRM write scopes."
        )
    value = value.strip()
    if not _TOKEN_CHARACTERS.fullmatch(value):
        raise ConfigError(
            "The access token contains spaces, control or non-ASCII characters; copy it "
            "again from HubSpot (a stray newline or quote is the usual cause)."
        )
    return value


def resolve_base_url(base_url: str | None) -> str:
    """The base URL to use, checked: the argument, else ``HUBSPOT_BASE_URL``, else HubSpot's.

    Plain ``http://`` is refused unless the host is a loopback address, so the token is never
    sent in clear text over a network.

    Examples
    --------
    >>> resolve_base_url("http://127.0.0.1:8080/")
    'http://127.0.0.1:8080'
    """
    value = base_url if base_url is not None else os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    if not isinstance(value, str):
        raise ConfigError(f"base_url must be text such as {DEFAULT_BASE_URL!r}.")
    parts = urlsplit(value.strip())
    shown = without_credentials(value.strip()) if "@" in value else value
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"base_url={shown!r} is not an http(s) URL; use e.g. {DEFAULT_BASE_URL!r}."
        )
    try:
        parts.port  # noqa: B018  (raises for a port out of range)
    except ValueError:
        raise ConfigError(
            f"base_url={shown!r} has a port out of range: give a port from 1 to 65535."
        ) from None
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InsecureTransportError(
            f"Refusing to send the access token over plain HTTP to {parts.hostname!r}: use "
            "https:// (plain http:// is allowed only for loopback addresses such as 127.0.0.1)."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError("base_url must not carry credentials, a query or a fragment.")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


class HubSpotClient:
    """Sends requests to HubSpot's API; it knows no endpoint (operations give the paths).

    Parameters
    ----------
    token : str, optional
        The access token; default ``HUBSPOT_ACCESS_TOKEN``.
    base_url : str, optional
        Checked with :func:`~hubassoc_pandas.transport.client.resolve_base_url`.
    api_version : str
        ``"2026-03"`` (or another date version) or ``"v4"`` for the legacy path.
    timeout : Timeout, float or (float, float), optional
        Connect and read timeouts: a Timeout, seconds for both, or a (connect, read) pair
        (checked by :meth:`Timeout.of`); default 10 s and 60 s.
    pool_size : int
        Connections kept open; at least the number of requests in flight.
    proxies : dict, optional
        ``{"https": "http://proxy:3128"}``; default: ``HTTPS_PROXY``/``HTTP_PROXY`` from the
        environment, except hosts listed in ``NO_PROXY``. A proxy URL that cannot be used
        (no host, a bad port, a scheme requests does not support) raises ConfigError here.
    verify : bool or str, optional
        Certificate checking: True, or a CA bundle path; default ``REQUESTS_CA_BUNDLE`` or
        ``CURL_CA_BUNDLE`` from the environment, else the bundled certificates.

    ``~/.netrc`` is never read: the Authorization header always carries the token.

    Examples
    --------
    >>> client = HubSpotClient("secret", base_url="http://127.0.0.1:9")
    >>> client
    HubSpotClient(base_url='http://127.0.0.1:9', api_version='2026-03')
    >>> client.close()
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        api_version: str = DEFAULT_API_VERSION,
        timeout: Timeout | float | tuple[float, float] | None = None,
        pool_size: int = 16,
        proxies: dict[str, str] | None = None,
        verify: bool | str | None = None,
    ) -> None:
        self.base_url = resolve_base_url(base_url)
        self.api_version = check_api_version(api_version)
        self.timeout = Timeout.of(timeout)
        self._authorization = Secret(f"Bearer {resolve_token(token)}")
        self._proxies = proxies_for(self.base_url, proxies)  # no ~/.netrc is ever read
        self._verify = ca_bundle(verify)
        try:
            self._connections = Connections(
                self.base_url,
                proxies=self._proxies,
                verify=self._verify,
                pool_size=max(1, pool_size),
                timeout=(self.timeout.connect, self.timeout.read),
            )
        except (requests.RequestException, urllib3.exceptions.HTTPError, ValueError) as exc:
            shown = self.proxies  # without credentials
            raise ConfigError(
                f"proxies={shown!r}: this proxy cannot be used ({type(exc).__name__}); give "
                "an http:// or https:// proxy URL with a host, such as "
                "'http://proxy.example.com:3128'."
            ) from None
        self._headers = {
            **requests.utils.default_headers(),
            "User-Agent": f"hubassoc_pandas/{__version__}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def __repr__(self) -> str:
        return f"HubSpotClient(base_url={self.base_url!r}, api_version={self.api_version!r})"

    def __enter__(self) -> HubSpotClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self._connections.close()

    def token_fingerprint(self) -> str:
        """A one-way fingerprint of the token; see :func:`token_fingerprint`."""
        return token_fingerprint(self._authorization.reveal().removeprefix("Bearer "))

    @property
    def proxies(self) -> dict[str, str]:
        """The proxies requests go through (credentials in them are not shown)."""
        return {scheme: without_credentials(url) for scheme, url in self._proxies.items()}

    @property
    def verify(self) -> bool | str:
        """Certificate checking in force: True, or the CA bundle path."""
        return self._verify

    def post(self, path: str, payload: Any) -> ApiResponse:
        """POST ``payload`` as JSON to ``path`` (below the base URL); see :meth:`request`.

        A :class:`~hubassoc_pandas.transport.wire.Prepared` payload is sent as it is and its answer
        read with its own reader.
        """
        return self.request("POST", path, payload)

    def get(self, path: str) -> ApiResponse:
        """GET ``path`` (below the base URL); see :meth:`request`."""
        return self.request("GET", path)

    def request(self, method: str, path: str, payload: Any = None) -> ApiResponse:
        """Send one request and return what came back; network failures become status 0.

        Never raises for a transport failure or an unreadable body: the engine decides what
        an answer means (:mod:`hubassoc_pandas.engine.policy`).
        """
        url = f"{self.base_url}/{path.lstrip('/')}"
        if isinstance(payload, Prepared):
            data: bytes | None = payload.data
            read = payload.read
        else:
            data = None if payload is None else json.dumps(payload, separators=(",", ":")).encode()
            read = json.loads
        headers = {**self._headers, "Authorization": self._authorization.reveal()}
        started = time.monotonic()
        try:
            exchange = self._connections.send(method, path, data, headers)
        except (
            urllib3.exceptions.HTTPError,
            HTTPException,
            OSError,
            ValueError,
        ) as exc:
            elapsed = time.monotonic() - started
            secret = self._authorization.reveal()
            reason = f"{type(exc).__name__}: {_describe(exc)}".replace(secret, "Bearer ***")
            logger.debug("%s %s failed after %.2fs: %s", method, url, elapsed, reason)
            return ApiResponse(status=0, error=reason, elapsed=elapsed, lost=may_have_reached(exc))
        elapsed = time.monotonic() - started
        content = exchange.content
        body: Any = None
        text = ""
        try:
            body = read(content) if content else None
        except ValueError:
            text = content[:_TEXT_LIMIT].decode("utf-8", "replace")
        kept = {
            key: value
            for key, value in exchange.headers.items()
            if key.lower().startswith("x-hubspot-ratelimit") or key.lower() in _KEPT_HEADERS
        }
        logger.debug("%s %s -> %s in %.3fs", method, url, exchange.status, elapsed)
        return ApiResponse(
            status=exchange.status, headers=kept, body=body, text=text, elapsed=elapsed
        )


def token_fingerprint(token: str) -> str:
    """A salted one-way fingerprint that tells tokens apart without revealing them.

    Examples
    --------
    >>> len(token_fingerprint("secret")), token_fingerprint("a") == token_fingerprint("b")
    (16, False)
    """
    return hashlib.sha256(b"hubassoc-token\0" + token.encode()).hexdigest()[:16]


class Secret:
    """Holds a credential; its repr, str and pickled form never show it."""

    __slots__ = ("__value",)

    def __init__(self, value: str) -> None:
        self.__value = value

    def reveal(self) -> str:
        return self.__value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a credential cannot be pickled")


def check_api_version(version: str) -> str:
    """Accept ``"v4"`` or a date version such as ``"2026-03"``."""
    if version == "v4" or (isinstance(version, str) and re.fullmatch(r"20\d\d-\d\d", version)):
        return version
    raise ConfigError(
        f"api_version={version!r}: use a date version such as '2026-03' or 'v4' (legacy path)."
    )


def _describe(exc: Exception) -> str:
    """A short, token-free description of a transport failure."""
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."
