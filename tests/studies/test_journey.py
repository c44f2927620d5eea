from __future__ import annotations

from datetime import UTC, datetime, timedelta

from studies.journey import Step, next_step

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)

BASE = {
    "consented": True,
    "declined": False,
    "sessions_total": 2,
    "pmq_before": True,
    "pmq_after": True,
    "submitted": set(),
    "finished_sessions": {},
}


def test_consent_comes_first_and_declining_ends_the_journey():
    assert next_step(**{**BASE, "consented": False}) == Step("consent")
    assert next_step(**{**BASE, "declined": True}) == Step("declined")


def test_each_session_is_pre_pmq_then_chat_then_post_pmq():
    assert next_step(**BASE) == Step("pmq", 1, "pre")
    done = {(1, "pre")}
    assert next_step(**{**BASE, "submitted": done}) == Step("chat", 1)
    assert next_step(**{**BASE, "submitted": done, "finished_sessions": {1: T0}}) == Step(
        "pmq", 1, "post"
    )
    done |= {(1, "post")}
    assert next_step(**{**BASE, "submitted": done, "finished_sessions": {1: T0}}) == Step(
        "pmq", 2, "pre"
    )


def test_debrief_when_everything_is_done():
    done = {(1, "pre"), (1, "post"), (2, "pre"), (2, "post")}
    assert next_step(**{**BASE, "submitted": done, "finished_sessions": {1: T0, 2: T0}}) == Step(
        "debrief"
    )


def test_questionnaires_can_be_switched_off():
    steps = {**BASE, "pmq_before": False, "pmq_after": False, "sessions_total": 1}
    assert next_step(**steps) == Step("chat", 1)
    assert next_step(**{**steps, "finished_sessions": {1: T0}}) == Step("debrief")


def test_the_next_session_waits_for_the_minimum_gap():
    done = {(1, "pre"), (1, "post")}
    gap = {**BASE, "submitted": done, "finished_sessions": {1: T0}, "min_gap": timedelta(hours=24)}
    early = next_step(**gap, now=T0 + timedelta(hours=23))
    assert early == Step("wait", 2, opens_at=T0 + timedelta(hours=24))
    assert next_step(**gap, now=T0 + timedelta(hours=24)) == Step("pmq", 2, "pre")


def test_a_session_already_begun_is_not_held_back_by_the_gap():
    done = {(1, "pre"), (1, "post"), (2, "pre")}
    gap = {**BASE, "submitted": done, "finished_sessions": {1: T0}, "min_gap": timedelta(hours=24)}
    assert next_step(**gap, now=T0 + timedelta(hours=1)) == Step("chat", 2)
