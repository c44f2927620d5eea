"""The co-construction measures on hand-built conversations whose right answer is known."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chat.agent.probes import BY_KEY
from chat.identity import seed_state
from dashboard.measures import coconstruction as cc
from dashboard.measures import drift, uptake
from dashboard.measures.uptake import Change, Reply

MIRA = seed_state({"name": "Mira", "role": "a harbour pilot", "backstory": "Mira is 34 years old."})


def _rename(revision_id=10, after="Nova", before="Mira", turn=2):
    return Change(revision_id, "persona.name", "participant", "", "applied", 2, turn, before, after)


def test_a_rename_the_agent_takes_up_counts_with_its_delay():
    replies = [
        Reply(1, 2, "Hello, Mira here.", 9, 1),  # before the change: does not count
        Reply(2, 4, "Tell me more about the trip.", 10, 2),
        Reply(3, 6, "As Nova, I'd start in Lisbon.", 10, 2),
    ]
    [row] = uptake.uptake([_rename()], replies)
    assert (row.observable, row.replies_after, row.taken_up) == (True, 2, True)
    assert (row.replies_to_uptake, row.uptake_turn, row.old_value_replies) == (2, 6, 0)


def test_a_rename_the_agent_ignores_is_not_taken_up_and_the_old_name_is_counted():
    replies = [Reply(2, 4, "Mira here, as always!", 10, 2), Reply(3, 6, "Sounds good.", 10, 2)]
    [row] = uptake.uptake([_rename()], replies)
    assert row.taken_up is False and row.replies_to_uptake is None
    assert row.old_value_replies == 1
    summary = uptake.summarise([row])
    assert (summary.observable, summary.taken_up, summary.rate) == (1, 0, 0.0)


def test_a_reply_counts_only_until_the_field_changes_again():
    first, second = _rename(10, "Nova"), _rename(12, "Kai", before="Nova", turn=4)
    replies = [Reply(2, 4, "Okay.", 10, 2), Reply(3, 6, "Nova here? No, Kai here.", 12, 3)]
    rows = uptake.uptake([second, first], replies)
    assert [r.revision_id for r in rows] == [10, 12]
    assert (rows[0].replies_after, rows[0].taken_up) == (1, False)
    assert (rows[1].replies_after, rows[1].taken_up, rows[1].replies_to_uptake) == (1, True, 1)


def test_scales_and_removals_are_not_observable_and_lists_look_for_new_items():
    trait = Change(1, "persona.traits.openness", "agent", "", "applied", 2, 1, 4, 6)
    removal = Change(2, "common_ground.a1", "participant", "", "applied", 3, 1, "we joke", None)
    values = Change(3, "persona.values", "agent", "participant", "accepted", 4, 1, ["care"],
                    ["care", "honesty"])  # fmt: skip
    replies = [Reply(1, 3, "I care about honesty above all.", 3, 4)]
    rows = {r.revision_id: r for r in uptake.uptake([trait, removal, values], replies)}
    assert rows[1].observable is False and rows[1].taken_up is None
    assert rows[2].observable is False
    assert rows[3].taken_up is True and rows[3].decided_by == "participant"


def test_names_in_scripts_without_spaces_are_found():
    change = _rename(after="ミラ", before="Mira")
    [row] = uptake.uptake([change], [Reply(1, 3, "こんにちは、ミラです。", 10, 2)])
    assert row.taken_up is True


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


def test_co_construction_counts_by_author_part_and_proposal_outcome():
    rows = [
        cc.Row(1, "participant", "applied", "persona.name", 2, ""),
        cc.Row(2, "agent", "proposed", "partner.name", 3, ""),
        cc.Row(3, "participant", "accepted", "partner.name", 4, "agent"),
        cc.Row(4, "agent", "proposed", "common_ground.x", 5, ""),
        cc.Row(5, "system", "expired", "common_ground.x", 8, "agent"),
        cc.Row(6, "participant", "proposed", "persona.role", 6, ""),
        cc.Row(7, "agent", "rejected", "persona.role", 7, "participant"),
    ]
    counts = cc.counts(rows)
    assert (counts["revisions_participant"], counts["revisions_agent"]) == (1, 1)
    assert (counts["revisions_persona"], counts["revisions_partner"]) == (1, 1)
    assert counts["proposals_agent"] == 2 and counts["proposals_agent_accepted"] == 1
    assert counts["proposals_agent_expired"] == 1 and counts["proposals_participant_rejected"] == 1
    assert counts["first_participant_edit_turn"] == 2


def test_accepting_or_rejecting_the_agents_proposal_is_not_the_participants_first_edit():
    rows = [
        cc.Row(1, "agent", "proposed", "persona.name", 2, ""),
        cc.Row(2, "participant", "accepted", "persona.name", 3, "agent"),
        cc.Row(3, "agent", "proposed", "persona.role", 4, ""),
        cc.Row(4, "participant", "rejected", "persona.role", 5, "agent"),
    ]
    assert cc.counts(rows)["first_participant_edit_turn"] is None
    proposed = [*rows, cc.Row(5, "participant", "proposed", "partner.name", 9, "")]
    assert cc.counts(proposed)["first_participant_edit_turn"] == 9


def test_persona_movement_and_carry_over():
    seed = seed_state({"name": "Mira", "traits": {"openness": 4}})
    end = seed_state({"name": "Nova", "traits": {"openness": 7, "neuroticism": 0}})
    moved = cc.persona_movement(seed["persona"], end["persona"])
    assert moved["persona_big_five_distance"] == 5.0  # sqrt(3² + 4²)
    assert moved["persona_edit_distance_name"] == 3  # Mira -> Nova: three letters
    first = cc.carry_over(seed, seed, end, previous=None)
    assert first["carried_in"] == 0 and first["changed_in_session"] == 3
    assert first["carried_from_previous"] is None
    kept = cc.carry_over(seed, end, end, previous=(seed, end))  # memory carried over
    assert (kept["carried_in"], kept["previous_changes"], kept["carried_from_previous"]) == (
        3,
        3,
        3,
    )
    reset = cc.carry_over(seed, seed, seed, previous=(seed, end))  # reset to the seed
    assert (reset["carried_in"], reset["carried_from_previous"]) == (0, 0)


def test_common_ground_size_follows_additions_and_removals():
    sizes = cc.common_ground_sizes(
        seed_state(None),
        [(1, "common_ground.a", "x"), (2, "persona.name", "Kai"), (3, "common_ground.b", "y"),
         (4, "common_ground.a", None)],
    )  # fmt: skip
    assert sizes == [(0, 0), (1, 1), (3, 2), (4, 1)]


def test_the_judge_s_answer_is_read_as_a_whole_score_from_1_to_7_or_none():
    from dashboard.measures import judge

    assert judge.parse('{"score": 6, "reason": "in character"}') == (6, "in character")
    assert judge.parse('```json\n{"score": 2, "reason": "renamed itself"}\n```')[0] == 2
    assert judge.parse("5 - mostly consistent")[0] == 5
    assert judge.parse("I would say 2.")[0] == 2
    bad_answers = (
        '{"score": 9}',
        '{"score": 4.5}',
        '{"score": true}',
        "no idea",
        "",
        "7 of 10",
        "12",
    )
    for bad in bad_answers:
        assert judge.parse(bad)[0] is None


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
