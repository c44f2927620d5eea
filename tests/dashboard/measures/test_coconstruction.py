"""Co-construction in one session on hand-built ledgers: who changed what, what became of
proposals, how far the persona moved, what carried over."""

from __future__ import annotations

from chat.identity import seed_state
from dashboard.measures import coconstruction as cc


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
