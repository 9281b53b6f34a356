"""The sandbox's request log and counters."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .tables import GrowingTable

__all__ = ["RequestLog", "RequestRecord"]


@dataclass(frozen=True)
class RequestRecord:
    """One request the sandbox received and what it answered.

    Attributes
    ----------
    method, path : str
        As received (path includes any query string).
    headers : dict[str, str]
        Request headers; ``Authorization`` is redacted to ``"Bearer ***"``.
    body : Any
        Request body parsed as JSON, else the raw text (None when bodies are not logged).
    status : int or None
        Status sent, None when the connection was closed without a response.
    response_headers : dict[str, str]
        Headers sent.
    response_raw : bytes or None
        Body sent, as sent (None when bodies are not logged or none was sent).
    started, ended : float
        ``time.time()`` when the request was read and when the answer was finished.
    inputs : int
        Number of inputs in the batch (0 when the body had no readable ``inputs`` list).
    fault : str or None
        Kind of the fault rule that fired on this request, if any.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int | None
    response_headers: dict[str, str]
    response_raw: bytes | None
    started: float
    ended: float
    inputs: int
    fault: str | None = None

    @cached_property
    def response_body(self) -> Any:
        """The body sent: parsed JSON, else text; None when not logged or none was sent.

        Parsed on first use, so logging costs a busy sandbox nothing.
        """
        raw = self.response_raw
        if not raw:
            return None
        text = raw.decode("utf-8", "replace")
        if self.response_headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(text)
        return text

    @property
    def duration(self) -> float:
        """Seconds between reading the request and finishing the answer."""
        return self.ended - self.started


@dataclass
class RequestLog:
    """Counters kept on every request; use under the app's lock.

    ``pair_sends`` counts, per route's object types, how often each pair was sent, keyed by
    its from- and to-ID joined by a tab: dicts of texts and counts are left alone by the
    garbage collector, where one keyed by tuples, or a Counter, would be walked whole by every
    full collection (tenths of a second once millions of pairs were sent); they are spread over
    a :class:`~hubassoc_pandas.sandbox.tables.GrowingTable`, which grows without pausing.
    """

    records: list[RequestRecord] = field(default_factory=list)
    by_status: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    pair_sends: dict[tuple[str, str], GrowingTable[str, int]] = field(default_factory=dict)
    total: int = 0
    endpoint_requests: int = 0
    inputs: int = 0
    dropped: int = 0
    in_flight: int = 0
    max_in_flight: int = 0

    def clear(self) -> None:
        """Forget every record and counter (except requests still in flight)."""
        in_flight = self.in_flight
        self.__init__()  # type: ignore[misc]
        self.in_flight = in_flight

    def stats(self, associations: int) -> dict[str, Any]:
        """A JSON-serialisable summary."""
        repeated = [n for sends in self.pair_sends.values() for n in sends.values() if n > 1]
        distinct = sum(len(sends) for sends in self.pair_sends.values())
        return {
            "requests": self.total,
            "endpoint_requests": self.endpoint_requests,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "rate_limited": self.by_status.get(429, 0),
            "dropped_connections": self.dropped,
            "faults": dict(self.faults),
            "inputs": self.inputs,
            "distinct_pairs_sent": distinct,
            "pairs_sent_more_than_once": len(repeated),
            "repeat_sends": sum(n - 1 for n in repeated),
            "associations_stored": associations,
            "max_in_flight": self.max_in_flight,
        }
