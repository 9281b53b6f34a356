"""The pooled connections to one base URL, and one exchange on them.

requests' adapter picks the pool (proxies, TLS, certificates, and the ``Proxy-Authorization``
of a proxy URL with credentials), once per client; each request is then one urllib3
``urlopen`` on that pool, with the answer's body read in one call. The session-level work
requests does for every request (merging settings, cookies, hooks, reading the body in 10 kB
chunks) costs about a millisecond per 2,000-pair batch and buys this client nothing: it sends
no cookies, follows no redirect and retries nothing itself.

Failures are urllib3's exceptions (or ``OSError``), raised as they come;
:func:`~hubassoc_pandas.transport.network.may_have_reached` reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool

__all__ = ["Connections", "Exchange"]


@dataclass(frozen=True)
class Exchange:
    """What came back: the status, the headers (case-insensitive) and the whole body."""

    status: int
    headers: Mapping[str, str]
    content: bytes


class Connections:
    """Keep-alive connections to ``base_url``, at most ``pool_size`` of them.

    Parameters
    ----------
    base_url : str
        Checked already (see :func:`~hubassoc_pandas.transport.client.resolve_base_url`).
    proxies : dict
        Scheme -> proxy URL, as requests takes them.
    verify : bool or str
        Certificate checking: True, False, or a CA bundle path.
    pool_size : int
        Connections kept open.
    timeout : tuple of float
        Seconds to connect and to wait for the answer.

    Examples
    --------
    >>> pool = Connections("http://127.0.0.1:9", proxies={}, verify=True, pool_size=2,
    ...                    timeout=(1.0, 1.0))
    >>> pool.url("crm/x")
    '/crm/x'
    >>> pool.close()
    """

    def __init__(
        self,
        base_url: str,
        *,
        proxies: Mapping[str, str],
        verify: bool | str,
        pool_size: int,
        timeout: tuple[float, float],
    ) -> None:
        self._adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        probe = requests.PreparedRequest()
        probe.prepare(method="GET", url=f"{base_url}/")
        pool = self._adapter.get_connection_with_tls_context(probe, verify, dict(proxies))
        if not isinstance(pool, HTTPConnectionPool):  # requests' adapter makes no other kind
            raise TypeError(f"unexpected connection pool {type(pool).__name__}")
        self._pool = pool
        # through a plain-HTTP proxy the request line names the whole URL, else the path
        self._prefix = self._adapter.request_url(probe, dict(proxies)).rstrip("/")
        self._timeout = urllib3.Timeout(connect=timeout[0], read=timeout[1])

    def url(self, path: str) -> str:
        """What the request line names for ``path`` (below the base URL)."""
        return f"{self._prefix}/{path.lstrip('/')}"

    def send(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> Exchange:
        """Send one request and read its whole answer; urllib3's exceptions propagate."""
        response = self._pool.urlopen(
            method,
            self.url(path),
            body=body,
            headers=headers,
            retries=False,
            redirect=False,
            assert_same_host=False,
            timeout=self._timeout,
            preload_content=False,
            decode_content=True,
        )
        try:
            content = response.read()
        finally:
            response.release_conn()
        return Exchange(response.status, response.headers, content)

    def close(self) -> None:
        """Close every pooled connection."""
        self._adapter.close()
