"""The rate limits' arithmetic (chat.limits), without Django: token buckets per socket and
the participant's messages-per-minute window."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chat.limits import (
    FLOOD,
    FRAME_RATES,
    FrameLimits,
    Rate,
    TokenBucket,
    retry_after,
    seconds_text,
    window_wait,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_lets_a_burst_through_then_says_how_long_to_wait():
    clock = Clock()
    bucket = TokenBucket(Rate(3, 0.5), clock)
    assert [bucket.take() for _ in range(3)] == [0, 0, 0]
    assert bucket.take() == 2.0  # one token every 2 s
    clock.now += 2.0
    assert bucket.take() == 0
    assert bucket.take() > 0


def test_a_bucket_refills_no_further_than_its_burst():
    clock = Clock()
    bucket = TokenBucket(Rate(2, 1.0), clock)
    clock.now += 3600
    assert [bucket.take() for _ in range(3)][:2] == [0, 0]
    assert bucket.take() > 0


@given(st.lists(st.floats(min_value=0, max_value=30), max_size=200))
def test_a_bucket_never_lets_more_through_than_burst_plus_refill(gaps):
    clock = Clock()
    rate = Rate(5, 2.0)
    bucket = TokenBucket(rate, clock)
    passed = 0
    for gap in gaps:
        clock.now += gap
        wait = bucket.take()
        assert wait >= 0
        passed += wait == 0
    assert passed <= rate.burst + sum(gaps) * rate.per_second + 1e-6


@given(st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=100))
def test_waiting_as_told_is_always_enough(gaps):
    clock = Clock()
    bucket = TokenBucket(Rate(2, 0.5), clock)
    for gap in gaps:
        clock.now += gap
        wait = bucket.take()
        if wait:
            clock.now += wait
            assert bucket.take() == 0


def test_each_frame_type_has_its_own_bucket():
    clock = Clock()
    limits = FrameLimits(clock)
    burst = FRAME_RATES["retry"].burst
    assert all(limits.check("retry").wait == 0 for _ in range(burst))
    assert limits.check("retry").wait > 0
    assert limits.check("sync").wait == 0  # other types are untouched
    assert limits.check("message").wait == 0


def test_unknown_and_broken_frames_share_one_bucket():
    limits = FrameLimits(Clock())
    verdicts = [limits.check(kind) for kind in ["nonsense", None] * 10]
    assert any(v.wait for v in verdicts)
    assert not any(v.flooded for v in verdicts)


def test_a_flood_of_any_frames_is_flagged_once_past_the_socket_budget():
    limits = FrameLimits(Clock())
    kinds = ["sync", "message", "activity", "retry", "x", None]
    verdicts = [limits.check(kinds[i % len(kinds)]) for i in range(FLOOD.burst + 1)]
    assert not any(v.flooded for v in verdicts[:-1])
    assert verdicts[-1].flooded


def test_a_page_sending_as_fast_as_a_person_is_never_slowed():
    clock = Clock()
    limits = FrameLimits(clock)
    for _ in range(600):  # ten minutes of a sync and a message every second, a retry and an
        clock.now += 1.0  # activity report every 5 s: far more than any page sends
        assert limits.check("sync").wait == 0
        assert limits.check("message").wait == 0
        if int(clock.now) % 5 == 0:
            assert limits.check("retry") == (0, False)
            assert limits.check("activity") == (0, False)


def test_the_window_allows_the_limit_then_waits_for_the_oldest_to_leave():
    assert window_wait([], 3, now=100) == 0
    assert window_wait([90, 95], 3, now=100) == 0
    assert window_wait([90, 95, 99], 3, now=100) == 50  # 90 leaves the minute at 150
    assert window_wait([30, 90, 95, 99], 3, now=100) == 50  # 30 left already
    assert window_wait([90, 95, 99], 3, now=150) == 0


@given(
    st.lists(st.floats(min_value=0, max_value=200), max_size=40),
    st.integers(min_value=1, max_value=20),
    st.floats(min_value=0, max_value=300),
)
def test_after_the_wait_one_more_message_fits(sent, limit, now):
    recent = [t for t in sent if t <= now]
    wait = window_wait(recent, limit, now)
    assert wait >= 0
    if wait:
        assert window_wait(recent, limit, now + wait + 1e-6) == 0
        assert sum(1 for t in recent if now - 60 < t <= now) >= limit


def test_retry_after_is_whole_seconds_and_never_zero():
    assert [retry_after(w) for w in (0.001, 1.0, 1.2, 59.9)] == [1, 1, 2, 60]


def test_the_wait_reads_as_words():
    assert seconds_text(1) == "1 second"
    assert seconds_text(55) == "55 seconds"
