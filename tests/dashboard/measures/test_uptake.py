"""Uptake on hand-built conversations whose right answer is known: after each change, do the
agent's replies reflect the new value, and after how many replies?"""

from __future__ import annotations

from dashboard.measures import uptake
from dashboard.measures.uptake import Change, Reply


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
