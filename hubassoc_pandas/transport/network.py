"""Where requests go and whether they got there: loopback hosts, proxies, CA bundles, and
reading a transport failure. Pure apart from reading the environment.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import (
    ConnectTimeoutError,
    LocationParseError,
    MaxRetryError,
    ProxyError,
    SSLError,
)

from hubassoc_pandas.errors import ConfigError, InsecureTransportError

__all__ = ["ca_bundle", "is_loopback", "may_have_reached", "proxies_for", "without_credentials"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def proxies_for(base_url: str, proxies: dict[str, str] | None = None) -> dict[str, str]:
    """The proxies for ``base_url``: the ones given, else the environment's (``NO_PROXY``
    honoured). A plain-HTTP (loopback) base URL is never sent through a proxy elsewhere,
    since the token would cross the network in clear text.

    Examples
    --------
    >>> proxies_for("https://api.hubapi.com", {"https": "http://127.0.0.1:3128"})
    {'https': 'http://127.0.0.1:3128'}
    """
    if proxies is not None and not isinstance(proxies, dict):
        raise ConfigError(
            f"proxies={proxies!r}: give a dict such as {{'https': 'http://host:3128'}}."
        )
    chosen = dict(proxies) if proxies is not None else requests.utils.get_environ_proxies(base_url)
    chosen = {k: v for k, v in chosen.items() if k in ("http", "https", "all") and v}
    if urlsplit(base_url).scheme == "http":
        for url in chosen.values():
            host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
            if not is_loopback(host):
                raise InsecureTransportError(
                    f"Refusing to send the access token over plain HTTP through the proxy "
                    f"{without_credentials(url)!r}: use an https:// base_url, or list the host "
                    "in NO_PROXY."
                )
    return chosen


def ca_bundle(verify: bool | str | None = None) -> bool | str:
    """Certificate checking: ``verify`` if given, else ``REQUESTS_CA_BUNDLE`` or
    ``CURL_CA_BUNDLE``, else True (the bundled certificates)."""
    if verify is None:
        verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    if isinstance(verify, str):
        path = os.path.expanduser(verify)
        if not os.path.exists(path):
            raise ConfigError(
                f"The CA bundle {verify!r} does not exist; give the path of a PEM file or "
                "directory (verify=, REQUESTS_CA_BUNDLE)."
            )
        return path
    if not isinstance(verify, bool):
        raise ConfigError(f"verify={verify!r}: give True, False or a CA bundle path.")
    return verify


def without_credentials(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = parts.hostname or ""
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a port: left out rather than shown
        port = ""
    return f"{parts.scheme}://{host}{port}"


def may_have_reached(exc: BaseException) -> bool:
    """Whether a request that failed with ``exc`` may have reached the server.

    A failure to connect (refused, name not resolved, connect timeout, TLS handshake, proxy)
    sent nothing; a dropped connection, a read timeout or a body cut short happened after
    sending, or may have.

    Examples
    --------
    >>> from urllib3.exceptions import NewConnectionError, ProtocolError, ReadTimeoutError
    >>> may_have_reached(NewConnectionError(None, "refused"))
    False
    >>> may_have_reached(ProtocolError("Connection aborted.", ConnectionResetError()))
    True
    >>> may_have_reached(ReadTimeoutError(None, "/crm", "timed out"))
    True
    """
    if isinstance(exc, MaxRetryError) and exc.reason is not None:
        return may_have_reached(exc.reason)
    return not isinstance(
        exc,
        ConnectTimeoutError  # NewConnectionError and NameResolutionError are ones
        | ProxyError
        | SSLError
        | ssl.SSLError
        | LocationParseError,
    )
