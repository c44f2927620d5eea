from __future__ import annotations

from studies.journey import Step, next_step

BASE = {
    "consented": True,
    "declined": False,
    "sessions_total": 2,
    "pmq_before": True,
    "pmq_after": True,
    "submitted": set(),
    "finished_sessions": set(),
}


def test_consent_comes_first_and_declining_ends_the_journey():
    assert next_step(**{**BASE, "consented": False}) == Step("consent")
    assert next_step(**{**BASE, "declined": True}) == Step("declined")


def test_each_session_is_pre_pmq_then_chat_then_post_pmq():
    assert next_step(**BASE) == Step("pmq", 1, "pre")
    done = {(1, "pre")}
    assert next_step(**{**BASE, "submitted": done}) == Step("chat", 1)
    assert next_step(**{**BASE, "submitted": done, "finished_sessions": {1}}) == Step(
        "pmq", 1, "post"
    )
    done |= {(1, "post")}
    assert next_step(**{**BASE, "submitted": done, "finished_sessions": {1}}) == Step(
        "pmq", 2, "pre"
    )


def test_debrief_when_everything_is_done():
    done = {(1, "pre"), (1, "post"), (2, "pre"), (2, "post")}
    assert next_step(**{**BASE, "submitted": done, "finished_sessions": {1, 2}}) == Step("debrief")


def test_questionnaires_can_be_switched_off():
    steps = {**BASE, "pmq_before": False, "pmq_after": False, "sessions_total": 1}
    assert next_step(**steps) == Step("chat", 1)
    assert next_step(**{**steps, "finished_sessions": {1}}) == Step("debrief")
