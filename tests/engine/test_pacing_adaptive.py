"""What the pacer adapts as a run goes: other processes' share, catching up, the margin.

Pure: every test drives a :class:`Pacer` with explicit times.
"""

from __future__ import annotations

import bisect
import itertools

import pytest

from hubassoc_pandas.engine.pacing import CATCH_UP_SPEED, NARROW_AFTER, Pacer
from hubassoc_pandas.engine.rate_limit import RateLimit
from hubassoc_pandas.errors import ConfigError


def headers(maximum: int, remaining: int, interval_ms: int = 1000) -> dict[str, str]:
    return {
        "X-HubSpot-RateLimit-Max": str(maximum),
        "X-HubSpot-RateLimit-Remaining": str(remaining),
        "X-HubSpot-RateLimit-Interval-Milliseconds": str(interval_ms),
    }


def free_slots(pacer: Pacer, now: float) -> int:
    """Requests the pacer would let go at ``now`` (it takes them)."""
    free = 0
    while pacer.try_acquire(now) == 0:
        free += 1
    return free


def send_all(pacer: Pacer, start: float, end: float) -> list[float]:
    """Ask as soon as allowed from ``start`` to ``end``; the times requests went."""
    now, sent = start, []
    while now < end - 1e-9:
        wait = pacer.try_acquire(now)
        if wait == 0:
            sent.append(now)
        else:
            now += wait
    return sent


def most_in_any_window(times: list[float], period: float) -> int:
    return max(
        bisect.bisect_right(times, start + period - 1e-9) - index
        for index, start in enumerate(times)
    )


# -- other processes' requests ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("excesses", "others"),
    [
        # one answer's count one above ours: as often our own late arrival, not believed
        ([1], 0),
        ([0, 0, 0, 1, 0, 0, 1], 0),
        # one above, answer after answer: another process
        ([1, 1, 1, 1], 1),
        ([0, 1, 1, 0, 1, 1, 0], 1),
        # more than one above is believed at once
        ([0, 0, 0, 2], 2),
        ([0, 0, 0, 0, 0, 0, 8], 8),
        # then the median of the last seven
        ([5, 5, 5, 5, 0, 0, 0], 5),
        ([5, 5, 5, 0, 0, 0, 0], 0),
    ],
)
def test_other_processes_are_the_median_excess(excesses: list[int], others: int) -> None:
    pacer = Pacer(RateLimit(20, 1.0), burst=None)  # lets 19 per second through
    now = 10.0
    for ours, excess in enumerate(excesses, start=1):
        now = 10.0 + ours * 0.001
        assert pacer.try_acquire(now) == 0
        pacer.observe(now, headers(20, 20 - ours - excess))
    assert free_slots(pacer, now) == 19 - len(excesses) - others


@pytest.mark.parametrize(("later", "free"), [(0.5, 19 - 1 - 10), (1.0, 19)])
def test_other_processes_requests_leave_the_window(later: float, free: int) -> None:
    """Counted for one window after the answer that showed them, as are our own."""
    pacer = Pacer(RateLimit(20, 1.0), burst=None)
    assert pacer.try_acquire(10.0) == 0
    pacer.observe(10.0, headers(20, 20 - 1 - 10))
    assert free_slots(pacer, 10.0 + later) == free


def test_another_process_at_a_steady_rate_is_left_its_share() -> None:
    """Someone else keeps 8 requests in the window; ours arrive late by one now and then."""
    pacer = Pacer(RateLimit(20, 1.0), burst=None)
    for step in range(40):
        now = 5.0 + step * 0.1
        assert pacer.try_acquire(now) == 0
        ours = min(step + 1, 10)  # 10 per second stay in a 1 s window
        late = 1 if step % 5 == 0 else 0
        pacer.observe(now, headers(20, 20 - ours - 8 - late))
    assert free_slots(pacer, 9.0) == 19 - 9 - 8  # ours sent after 8.0, and theirs


# -- catching up ------------------------------------------------------------------------------


@pytest.mark.parametrize(("options", "regained"), [({}, 20), ({"catch_up": 0.1}, 10)])
def test_a_pacer_that_fell_behind_catches_up_a_share_of_the_window(
    options: dict[str, float], regained: int
) -> None:
    """100 per 10 s, one at a time: after 3 s without a request (a hold, no worker free) it
    sends early, at 1.3 times the even rate, up to a fifth of the window's slots (by default;
    ``catch_up`` sets the share), and never more than the window allows."""
    limit = RateLimit(100, 10.0, margin=0.0)
    behind = Pacer(limit, burst=1, **options)
    steady = Pacer(limit, burst=1, catch_up=0.0)
    before = send_all(behind, 0.0, 20.0)
    assert len(before) == len(send_all(steady, 0.0, 20.0)) == 200  # 0.1 s apart, window full
    caught_up = send_all(behind, 23.0, 31.0)
    plain = send_all(steady, 23.0, 31.0)
    assert len(plain) == 80  # even spacing: the 30 slots of the pause are lost
    assert len(caught_up) == 80 + regained
    gaps = [later - earlier for earlier, later in itertools.pairwise(caught_up)]
    assert min(gaps) >= 0.1 / CATCH_UP_SPEED - 1e-9
    after = send_all(behind, 31.0, 60.0)
    assert most_in_any_window(before + caught_up + after, 10.0) <= 100


def test_the_start_of_a_run_is_spaced_evenly() -> None:
    """Nothing is banked before the first request: the first second goes at the even rate."""
    pacer = Pacer(RateLimit(100, 10.0, margin=0.0), burst=1)
    assert len(send_all(pacer, 0.0, 1.0)) == 10


@pytest.mark.parametrize(("server_count", "sent_in_2_s"), [(50, 26), (60, 20)])
def test_no_catching_up_while_another_process_shares_the_window(
    server_count: int, sent_in_2_s: int
) -> None:
    """After a 2 s hold, the slots lost are regained only when the server counts no one
    else's requests (50 of ours: 1.3 times the even rate; 60 with another process's 10)."""
    pacer = Pacer(RateLimit(100, 10.0, margin=0.0), burst=1)
    assert len(send_all(pacer, 0.0, 5.0)) == 50
    for _ in range(7):
        pacer.observe(5.0, headers(100, 100 - server_count, 10_000))
    pacer.block(5.0, 2.0)  # also widens the margin: 99 per window, 0.101 s apart
    assert len(send_all(pacer, 7.0, 9.0)) == sent_in_2_s


# -- the safety margin ------------------------------------------------------------------------


def test_a_widened_margin_narrows_after_windows_without_a_429() -> None:
    pacer = Pacer(RateLimit(100, 10.0, margin=0.02))
    pacer.block(5.0, 1.0)
    pacer.block(16.0, 1.0)
    assert pacer.limit.margin == pytest.approx(0.04)
    quiet_from = 16.0 + NARROW_AFTER * 10.0
    alone = headers(100, 100, 10_000)  # the server counts no one else's requests
    pacer.observe(quiet_from - 1.0, alone)
    assert pacer.limit.margin == pytest.approx(0.04)  # not yet
    pacer.observe(quiet_from, alone)
    assert pacer.limit.margin == pytest.approx(0.03)  # one step
    pacer.observe(quiet_from + 5.0, alone)
    assert pacer.limit.margin == pytest.approx(0.03)  # one step per window
    pacer.observe(quiet_from + 10.0, alone)
    pacer.observe(quiet_from + 20.0, alone)
    assert pacer.limit.margin == pytest.approx(0.02)  # never below where it started


def test_the_margin_stays_wide_while_another_process_shares_the_window() -> None:
    pacer = Pacer(RateLimit(100, 10.0, margin=0.02))
    pacer.block(5.0, 1.0)
    for second in range(6, 100):  # the server counts 30 more than ours, answer after answer
        pacer.observe(float(second), headers(100, 70, 10_000))
    assert pacer.limit.margin == pytest.approx(0.03)


@pytest.mark.parametrize("options", [{"smooth": 0}, {"catch_up": -0.1}, {"catch_up": 2.0}])
def test_unusable_settings_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match="give"):
        Pacer(**options)  # type: ignore[arg-type]
