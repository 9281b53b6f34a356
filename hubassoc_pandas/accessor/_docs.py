"""The documentation of the parameters several public methods share, written once.

A method's docstring names the shared entries it takes on a line ``@shared name name ...``
inside its Parameters section; :func:`shared_docs` replaces that line with the entries, at
its indentation, so ``help()``, Jupyter's Shift-Tab and the API reference show every
parameter in full.

Examples
--------
>>> @shared_docs
... def f(token=None):
...     '''Do it.
...
...     Parameters
...     ----------
...     @shared token
...     '''
>>> "HUBSPOT_ACCESS_TOKEN" in f.__doc__
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

__all__ = ["SHARED", "shared_docs"]

F = TypeVar("F", bound=Callable[..., object])

#: Each shared parameter's numpy-style entry, unindented.
SHARED: dict[str, str] = {
    "token": """token : str, optional
    Access token; default ``HUBSPOT_ACCESS_TOKEN``. Sent only in the Authorization header
    (and only over HTTPS, except to a loopback address); never shown in any output.""",
    "base_url": """base_url : str, optional
    Default ``HUBSPOT_BASE_URL``, else ``https://api.hubapi.com``.""",
    "progress": """progress : bool or Progress
    Show a tqdm progress bar (default True), or report to an object with ``advance()``,
    ``note()`` and ``close()`` (see :class:`hubassoc_pandas.progress.Progress`).""",
    "dry_run": """dry_run : bool
    Check and plan only; send nothing (default False).""",
    "journal": """journal : path, optional
    SQLite file recording each batch as it is decided; a second call with it skips what
    it confirmed. A journal belongs to one run: its portal, object types and operation.""",
    "client": """client : HubSpotClient, optional
    A ready client (its token, base URL and API version are used).""",
    "api_version": """api_version : str
    ``"2026-03"`` (default), another date version, or ``"v4"`` for the legacy path.""",
    "max_workers": """max_workers : int
    Requests in flight at once (default 16), all paced by one rate limiter.""",
    "rate_limit": """rate_limit : int, tuple or str, optional
    Default None: start at 100 requests per 10 s and follow HubSpot's
    ``X-HubSpot-RateLimit-*`` headers. A value (requests per 10 s, ``(requests, seconds)``
    or ``"requests/seconds"``) is a ceiling the headers may lower but never raise: use it
    to leave room for other integrations sharing the app.""",
    "max_attempts": """max_attempts : int
    Attempts per batch on 5xx and network failures (default 5).""",
    "timeout": """timeout : float or (connect, read)
    Seconds (default 10 to connect, 60 to read).""",
    "backoff": """backoff : Backoff, optional
    Waits between attempts after 5xx and network failures (default: from 0.5 s, doubling,
    capped at 30 s, with jitter).""",
    "id_property": """from_id_property, to_id_property : str, optional
    The property that column holds instead of record IDs: ``"email"``, a property with
    unique values, or ``"domain"`` (companies). Each distinct key is looked up once;
    ``from_id``/``to_id`` show the IDs found (see :mod:`hubassoc_pandas.jobs.keys`).""",
    "on_ambiguous": """on_ambiguous : {"fail", "oldest"}
    A key several records have (a domain): fail its rows (KEY_AMBIGUOUS), or take the
    oldest record (the earliest createdate, then the lowest ID).""",
    "label": """label : str, int or (str, int), optional
    An association label: its name as HubSpot shows it (any case), its type ID, or a
    ``(category, type_id)`` pair, looked up once among the
    :func:`hubassoc_pandas.labels` of this direction. An unknown or ambiguous label raises
    ConfigError, listing the labels, before anything is written.""",
    "label_col": """label_col : str, optional
    The column of each row's label, in the forms ``label`` takes. An empty cell means the
    unlabelled default; a label that does not exist makes its row ``invalid``
    (``INVALID_LABEL``) and the other rows go ahead.""",
}

_MARK = "@shared"


def shared_docs(function: F) -> F:
    """Expand the ``@shared`` lines of ``function``'s docstring (see the module)."""
    doc = function.__doc__
    if not doc or _MARK not in doc:
        return function
    lines = []
    for line in doc.splitlines():
        stripped = line.strip()
        if not stripped.startswith(_MARK):
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        for name in stripped[len(_MARK) :].split():
            if name not in SHARED:
                raise KeyError(f"no shared parameter entry {name!r}")
            lines.extend(indent + entry if entry else "" for entry in SHARED[name].splitlines())
    function.__doc__ = "\n".join(lines)
    return function
