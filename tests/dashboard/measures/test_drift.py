"""Drift on hand-built replies whose right answer is known: prompt-to-line, line-to-line and
Q&A; any text in any script scores within the scales."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chat.agent.probes import BY_KEY
from chat.identity import seed_state
from dashboard.measures import drift, uptake
from dashboard.measures.uptake import Change

MIRA = seed_state({"name": "Mira", "role": "a harbour pilot", "backstory": "Mira is 34 years old."})


def test_a_reply_that_contradicts_its_persona_is_flagged_and_one_that_fits_is_not():
    lines = [
        drift.Line(1, 2, "Hello! I'm Mira, a harbour pilot.", 1, MIRA),
        drift.Line(2, 4, "My name is Bob and I am 51.", 1, MIRA),
        drift.Line(3, 6, 'You said "I\'m Kai", nice to meet you.', 1, MIRA),
    ]
    scores = drift.lines(lines)
    assert scores[0].contradicts_persona == "" and scores[0].claimed_name == "Mira"
    assert scores[1].contradicts_persona == "name: Bob (persona: Mira)"
    assert scores[1].contradicts_line == "name: Bob (turn 2: Mira)"
    assert scores[2].claimed_name == "" and scores[2].contradicts_persona == ""
    # The reply that talks about the pilot fits the persona better than the one that doesn't.
    assert scores[0].prompt_to_line > scores[1].prompt_to_line
    assert scores[0].line_to_line is None and 0 <= scores[1].line_to_line <= 1


def test_an_age_other_than_the_backstory_s_contradicts_it():
    assert drift.persona_contradiction("I am 51 this year.", MIRA) == "age: 51 (persona: 34)"
    assert drift.persona_contradiction("I am 34, yes.", MIRA) == ""


def test_after_a_rename_the_new_name_is_no_contradiction_of_the_line():
    nova = seed_state({"name": "Nova"})
    scores = drift.lines(
        [drift.Line(1, 2, "I'm Mira.", 1, MIRA), drift.Line(2, 4, "I'm Nova.", 2, nova)]
    )
    assert scores[1].contradicts_persona == "" and scores[1].contradicts_line == ""


def test_q_and_a_checks_names_exactly_and_lists_by_share():
    state = seed_state({"name": "Mira", "values": ["honesty", "care"]})
    state["common_ground"] = {"a": "we use first names"}
    assert drift.probe(BY_KEY["name"], "I'm Mira.", state).qa == 1.0
    assert drift.probe(BY_KEY["name"], "I'm Bob.", state).qa == 0.0
    assert drift.probe(BY_KEY["values"], "Honesty, mostly.", state).qa == 0.5
    assert drift.probe(BY_KEY["partner_name"], "You are Kai.", state).qa is None
    assert drift.probe(BY_KEY["common_ground"], "That we use first names.", state).qa == 1.0


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(max_size=200), min_size=1, max_size=5),
    name=st.text(min_size=1, max_size=30),
)
def test_any_text_in_any_script_scores_within_the_scales_and_never_fails(texts, name):
    state = seed_state({"name": name, "backstory": "aged 34"})
    lines = [drift.Line(i, 2 * i + 2, t, 1, state, 10) for i, t in enumerate(texts)]
    for score in drift.lines(lines):
        for value in (score.prompt_to_line, score.line_to_line):
            assert value is None or 0 <= value <= 1.0001
    change = Change(10, "persona.name", "participant", "", "applied", 2, 1, "Mira", name)
    [row] = uptake.uptake([change], [uptake.Reply(i, 3 + i, t, 10, 2) for i, t in enumerate(texts)])
    assert row.replies_after == len(texts)
    for probe in BY_KEY.values():
        qa = drift.probe(probe, texts[0], state).qa
        assert qa is None or 0 <= qa <= 1
