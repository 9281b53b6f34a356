"""The sandbox's request log and counters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

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
    response_body : Any
        Body sent (parsed JSON object or text; None when bodies are not logged or none sent).
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
    response_body: Any
    started: float
    ended: float
    inputs: int
    fault: str | None = None

    @property
    def duration(self) -> float:
        """Seconds between reading the request and finishing the answer."""
        return self.ended - self.started


@dataclass
class RequestLog:
    """Counters kept on every request; use under the app's lock."""

    records: list[RequestRecord] = field(default_factory=list)
    by_status: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    pair_sends: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
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
        repeated = [n for n in self.pair_sends.values() if n > 1]
        return {
            "requests": self.total,
            "endpoint_requests": self.endpoint_requests,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "rate_limited": self.by_status.get(429, 0),
            "dropped_connections": self.dropped,
            "faults": dict(self.faults),
            "inputs": self.inputs,
            "distinct_pairs_sent": len(self.pair_sends),
            "pairs_sent_more_than_once": len(repeated),
            "repeat_sends": sum(n - 1 for n in repeated),
            "associations_stored": associations,
            "max_in_flight": self.max_in_flight,
        }
