"""Fault rules: scripted or random misbehaviour of the sandbox's endpoints.

A :class:`Fault` fires either on chosen request numbers (1-based, counting every request to
any endpoint since the last reset, those refused for auth or rate limits included) or at
random with probability ``rate`` from the sandbox's seeded random generator; ``times`` caps
how often it fires; ``paths``, ``endpoints`` and ``ids`` narrow the requests it may fire on.
The first rule that fires wins. Faults apply to every endpoint alike.

Kinds
-----
``500_json``
    500 with HubSpot's JSON error body.
``502_html``, ``503_html``, ``504_html``
    A proxy's HTML error page (``text/html``).
``hang``
    Waits ``hang_seconds`` before answering, then answers 504 with a proxy's HTML page (a
    client with a shorter read timeout sees a timeout). Other connections are unaffected and
    closing the sandbox ends the wait at once.
``close``
    Reads the request, then closes the connection without any response.
``close_after_commit``
    Processes the batch normally (the associations ARE stored), then closes the connection
    without a response: a lost response to a processed request.
``truncated``
    200 whose ``Content-Length`` is larger than the body sent, then the connection closes.
``non_json``
    200 with an HTML body instead of JSON.
``429``
    A forced ten-secondly 429 (with ``Retry-After`` when the sandbox sends it).
``429_daily``
    A forced DAILY 429.
``empty_2xx``
    The success status with empty ``results`` and no errors.
``400_too_large``
    The over-large-batch 400, whatever the batch size.
``400_json``
    A 400 VALIDATION_ERROR for the whole request that names no ID (a refusal of the request
    itself, not of particular pairs).
``423``
    423 Locked: a record is locked by a high-volume sync (HubSpot's locks last about 2 s; a
    client should wait at least that long before re-sending). No ``Retry-After``.
``477``
    477 Migration in Progress, with ``Retry-After`` of ``retry_after`` seconds (default 3600:
    a migration can take hours).
``401_expired``
    401 EXPIRED_AUTHENTICATION, "The OAuth token used to make this call expired 1 day(s)
    ago.", for a token that worked until now.
``empty_object_2xx``
    The success status (200 where it is 204) with the body ``{}``.
``pending_2xx``, ``processing_2xx``
    The success status (200 where it is 204) with ``{"status": "PENDING"}`` (or
    ``PROCESSING``), empty ``results`` and the times: work accepted, not done.
``num_errors_2xx``
    The success status (200 where it is 204) with ``{"status": "COMPLETE", "results": [],
    "numErrors": N}`` for N inputs, and no ``errors`` saying which.
``207_some_errors``
    207 with ``status`` COMPLETE, empty ``results``, an error naming only the first input,
    and ``numErrors`` counting every input: the others' errors are counted but not given.
``cursor_loop``
    Page cursors that go round in a circle (see ``sandbox/cursor_loop.py``): batch/read answers
    each from-ID the rule concerns (its ``ids``, or every one) and search answers a query with
    ``paging.next.after`` A, then B when sent A, then A again when sent B, for ever, each
    page holding the first page's results. Other endpoints answer as usual.

Only ``close_after_commit`` (and ``cursor_loop``, which answers as the endpoint does) store
associations; every other kind stores nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["FAULT_KINDS", "Fault", "FaultPlan", "named_in"]

FAULT_KINDS: frozenset[str] = frozenset(
    {
        "500_json",
        "502_html",
        "503_html",
        "504_html",
        "hang",
        "close",
        "close_after_commit",
        "truncated",
        "non_json",
        "429",
        "429_daily",
        "empty_2xx",
        "400_too_large",
        "400_json",
        "423",
        "477",
        "401_expired",
        "empty_object_2xx",
        "pending_2xx",
        "processing_2xx",
        "num_errors_2xx",
        "207_some_errors",
        "cursor_loop",
    }
)


@dataclass(frozen=True)
class Fault:
    """One fault rule.

    Parameters
    ----------
    kind : str
        One of :data:`FAULT_KINDS`.
    on_requests : Collection[int] or None
        Request numbers (1-based, since the last reset) on which the fault fires.
    rate : float
        Probability of firing on any other request, drawn from the seeded generator.
    times : int or None
        At most this many firings (None: unlimited).
    paths : Collection[str] or None
        Only requests whose path contains one of these substrings are eligible.
    hang_seconds : float
        How long a ``hang`` fault waits before answering.
    endpoints : Collection[str] or None
        Only requests to these endpoints are eligible (names as in
        :mod:`~hubassoc_pandas.sandbox.routes`: ``"associate_default"``, ``"create"``,
        ``"archive"``, ``"labels_archive"``, ``"read"``, ``"labels"``, ``"objects_read"``,
        ``"search"``).
    retry_after : int or None
        ``Retry-After`` seconds of a ``477`` (None: 3600).
    ids : Collection[str] or None
        Only requests naming one of these are eligible (see ``named_in``: an input's
        IDs, a search filter's values); a ``cursor_loop`` loops only these from-IDs' pages.

    Examples
    --------
    >>> Fault("502_html", on_requests=[2])
    Fault(kind='502_html', on_requests=(2,), rate=0.0, times=None, paths=None, \
hang_seconds=30.0, endpoints=None, retry_after=None, ids=None)
    """

    kind: str
    on_requests: Collection[int] | None = None
    rate: float = 0.0
    times: int | None = None
    paths: Collection[str] | None = None
    hang_seconds: float = 30.0
    endpoints: Collection[str] | None = None
    retry_after: int | None = None
    ids: Collection[str] | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {self.kind!r}; expected one of {sorted(FAULT_KINDS)}"
            )
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {self.rate!r}")
        if self.times is not None and self.times < 0:
            raise ValueError("fault times must be >= 0")
        if self.hang_seconds < 0:
            raise ValueError("hang_seconds must be >= 0")
        if self.on_requests is not None:
            object.__setattr__(self, "on_requests", tuple(int(n) for n in self.on_requests))
        if self.paths is not None:
            object.__setattr__(self, "paths", tuple(str(p) for p in self.paths))
        if self.endpoints is not None:
            object.__setattr__(self, "endpoints", tuple(str(e) for e in self.endpoints))
        if self.ids is not None:
            if isinstance(self.ids, str):
                raise TypeError("fault ids must be a collection of strings, not one string")
            object.__setattr__(self, "ids", frozenset(str(i) for i in self.ids))
        if self.retry_after is not None and (
            isinstance(self.retry_after, bool)
            or not isinstance(self.retry_after, int)
            or self.retry_after < 0
        ):
            raise ValueError("retry_after must be a whole number of seconds >= 0")


class FaultPlan:
    """Decides which fault (if any) a request suffers. Not thread-safe: call under a lock.

    Parameters
    ----------
    faults : Iterable[Fault]
        The rules, in priority order.
    """

    def __init__(self, faults: Iterable[Fault]) -> None:
        self.faults: tuple[Fault, ...] = tuple(faults)
        for fault in self.faults:
            if not isinstance(fault, Fault):
                raise TypeError(f"faults must be Fault instances, got {fault!r}")
        self.fired: list[int] = [0] * len(self.faults)

    def reset(self) -> None:
        """Forget how often each rule has fired."""
        self.fired = [0] * len(self.faults)

    def pick(
        self,
        request_number: int,
        path: str,
        rng: random.Random,
        endpoint: str | None = None,
        names: Callable[[], Collection[str]] | None = None,
    ) -> Fault | None:
        """Return the fault for this request, counting it as fired, or None.

        ``names`` gives what the request names (see ``named_in``), asked only when a
        rule has ``ids``.
        """
        named: Collection[str] | None = None
        for index, fault in enumerate(self.faults):
            if fault.times is not None and self.fired[index] >= fault.times:
                continue
            if fault.paths is not None and not any(p in path for p in fault.paths):
                continue
            if fault.endpoints is not None and endpoint not in fault.endpoints:
                continue
            if fault.ids is not None:
                named = (names() if names is not None else ()) if named is None else named
                if not any(name in fault.ids for name in named):
                    continue
            scripted = fault.on_requests is not None and request_number in fault.on_requests
            if scripted or (fault.rate > 0.0 and rng.random() < fault.rate):
                self.fired[index] += 1
                return fault
        return None


def named_in(payload: Any) -> set[str]:
    """What a request body names: every ``id`` of its inputs (on either side of a pair, in a
    list of targets, or the input's own) and every value of its search filters, as text.

    Examples
    --------
    >>> sorted(named_in({"inputs": [{"from": {"id": "1"}, "to": [{"id": 2}]}, {"id": "7"}]}))
    ['1', '2', '7']
    >>> sorted(named_in({"filterGroups": [{"filters": [{"values": ["acme.com", "b.io"]}]}]}))
    ['acme.com', 'b.io']
    """
    if not isinstance(payload, dict):
        return set()
    found: set[str] = set()
    inputs = payload.get("inputs")
    for item in inputs if isinstance(inputs, list) else []:
        if not isinstance(item, dict):
            continue
        sides = [item, item.get("from"), *_listed(item.get("to"))]
        found.update(str(side["id"]) for side in sides if isinstance(side, dict) and "id" in side)
    groups = payload.get("filterGroups")
    for group in groups if isinstance(groups, list) else []:
        filters = group.get("filters") if isinstance(group, dict) else None
        for spec in filters if isinstance(filters, list) else []:
            if isinstance(spec, dict):
                values = [spec.get("value"), *_listed(spec.get("values"))]
                found.update(str(v) for v in values if v is not None)
    return found


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
