"""A simulated HubSpot rate limit driven by an injected clock, for testing the Pacer.

Workers take a slot from the pacer, send, and get the answer a latency later; the server
keeps a rolling window of the requests it served (its own and another process's), refuses
with 429 when the window is full, and answers with ``X-HubSpot-RateLimit-*`` headers that
may advertise a higher limit than the one it enforces. Everything runs on simulated time, so
a minute of traffic takes milliseconds.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from dataclasses import dataclass, field

from hubassoc_pandas.engine.pacing import Pacer
from hubassoc_pandas.engine.rate_limit import RateLimit


@dataclass
class Portal:
    """The server side: a rolling window of ``enforced`` requests per ``period``."""

    enforced: int
    period: float = 10.0
    advertised: int | None = None  # what -Max says (default: the enforced limit)
    retry_after: bool = True
    served: deque[float] = field(default_factory=deque)

    def _expire(self, now: float) -> None:
        while self.served and self.served[0] <= now - self.period:
            self.served.popleft()

    def arrive(self, now: float) -> bool:
        """Serve a request arriving at ``now`` if the window has room."""
        self._expire(now)
        if len(self.served) >= self.enforced:
            return False
        self.served.append(now)
        return True

    def headers(self, now: float, refused: bool) -> dict[str, str]:
        self._expire(now)
        maximum = self.advertised or self.enforced
        out = {
            "X-HubSpot-RateLimit-Max": str(maximum),
            "X-HubSpot-RateLimit-Remaining": str(max(0, maximum - len(self.served))),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self.period * 1000)),
        }
        if refused and self.retry_after and self.served:
            out["Retry-After"] = str(max(1, math.ceil(self.served[0] + self.period - now)))
        return out


@dataclass
class Outcome:
    served: int = 0  # our requests answered 2xx
    refused: int = 0  # our requests answered 429
    refused_after_first_window: int = 0
    others_served: int = 0
    sent_after_first_window: int = 0
    served_times: list[float] = field(default_factory=list)
    sent_times: list[float] = field(default_factory=list)  # when the pacer let each go
    arrival_times: list[float] = field(default_factory=list)  # when each served one arrived


def simulate(
    portal: Portal,
    pacer: Pacer,
    *,
    seconds: float = 120.0,
    workers: int = 16,
    latency: float = 1.2,
    jitter: float = 0.02,
    others_per_second: float = 0.0,
    seed: int = 1,
    others_evenly: bool = False,
) -> Outcome:
    """Run ``workers`` for ``seconds`` of simulated time; each request takes ``latency``
    (plus up to ``jitter`` each way) and is retried after a 429 as the engine does.

    Another process sends ``others_per_second`` at random times, or evenly spaced from the
    start with ``others_evenly`` (as the sandbox's ``background_rate``)."""
    rng = random.Random(seed)
    out = Outcome()
    events: list[tuple[float, int, str, int, float]] = []  # (time, order, kind, worker, sent)
    answers: dict[tuple[int, float], dict[str, str]] = {}  # headers of answers on their way
    order = 0

    def push(at: float, kind: str, worker: int = -1, sent: float = 0.0) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, (at, order, kind, worker, sent))

    for worker in range(workers):
        push(0.0, "ask", worker)

    def other_gap() -> float:
        return 1 / others_per_second if others_evenly else rng.expovariate(others_per_second)

    if others_per_second > 0:
        push(0.0 if others_evenly else other_gap(), "other")
    while events:
        now, _, kind, worker, sent = heapq.heappop(events)
        if now > seconds:
            break
        if kind == "other":
            out.others_served += portal.arrive(now)
            push(now + other_gap(), "other")
        elif kind == "ask":
            wait = pacer.try_acquire(now)
            if wait > 0:
                push(now + wait, "ask", worker)
            else:
                out.sent_after_first_window += now >= portal.period
                out.sent_times.append(now)
                push(now + rng.uniform(0, jitter), "arrive", worker, now)
        elif kind == "arrive":
            ok = portal.arrive(now)
            if ok:
                out.arrival_times.append(now)
            headers = portal.headers(now, refused=not ok)
            back = now + latency + rng.uniform(0, jitter)
            push(back, "served" if ok else "refused", worker, sent)
            answers[(worker, sent)] = headers
        else:
            headers = answers.pop((worker, sent))
            pacer.observe(sent, headers, refused=kind == "refused")
            if kind == "served":
                out.served += 1
                out.served_times.append(now)
            else:
                out.refused += 1
                out.refused_after_first_window += sent >= portal.period
                retry = headers.get("Retry-After")
                pacer.block(now, float(retry) if retry else None)
            push(now, "ask", worker)
    return out


def rate_share(out: Outcome, portal: Portal, seconds: float, others: float = 0.0) -> float:
    """Our 2xx answers as a share of what the enforced limit left us over the run."""
    allowed = (portal.enforced / portal.period - others) * seconds
    return out.served / allowed


def new_pacer(**kwargs: object) -> tuple[Pacer, list[float]]:
    """A pacer on a simulated clock (the list holds the current time)."""
    now = [0.0]
    return Pacer(RateLimit(), clock=lambda: now[0], **kwargs), now  # type: ignore[arg-type]
