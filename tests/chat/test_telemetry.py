"""How participants typed, as their page reports it: measurements whole or not at all, a stretch
away of a known kind, reports that fit the session's wall time (the socket: services/activity)."""

from __future__ import annotations

import pytest

from chat.errors import ChatError
from chat.telemetry import DAY_MS, away, fits, message_typing, pasted_share

UNKNOWN = {"typing_ms": None, "paste_count": None, "pasted_chars": None}


def test_measurements_come_whole_or_not_at_all():
    assert message_typing({"ms": 4200, "pastes": 1, "pasted_chars": 30}) == {
        "typing_ms": 4200, "paste_count": 1, "pasted_chars": 30,
    }  # fmt: skip
    assert message_typing(None) is None  # none reported
    for bad in ["fast", [], {"ms": 10}, {"ms": -1, "pastes": 0, "pasted_chars": 0},
                {"ms": True, "pastes": 0, "pasted_chars": 0},
                {"ms": 10**12, "pastes": 0, "pasted_chars": 0},
                {"ms": 1.5, "pastes": 0, "pasted_chars": 0}]:  # fmt: skip
        assert message_typing(bad) == UNKNOWN, bad


def test_a_stretch_away_needs_a_known_kind_and_a_length():
    assert away("hidden", 5000) == ("hidden", 5000)
    for kind, ms in [("asleep", 5), ("idle", None), ("idle", "5"), ("idle", -1), ("idle", 1e300),
                     ("idle", float("nan")), ("idle", 10**20)]:  # fmt: skip
        with pytest.raises(ChatError) as refused:
            away(kind, ms)
        assert refused.value.code == "bad_activity"


def test_reports_of_one_kind_fit_together_in_the_sessions_wall_time():
    minute = 60_000
    assert fits(4 * minute, claimed_ms=5 * minute, elapsed_ms=10 * minute)
    assert fits(5 * minute + 4_000, claimed_ms=5 * minute, elapsed_ms=10 * minute)  # clocks
    assert not fits(6 * minute, claimed_ms=5 * minute, elapsed_ms=10 * minute)
    assert not fits(DAY_MS, claimed_ms=0, elapsed_ms=10 * minute)


def test_the_pasted_share_is_capped_at_the_whole_message():
    assert pasted_share("x" * 50, 41) == 0.82
    assert pasted_share("short", 500) == 1.0
    assert pasted_share("typed", None) is None
