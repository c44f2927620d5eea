from __future__ import annotations

import pytest

from chat import identity as idm

SEED = idm.seed_state({"name": "Mira", "role": "a guide", "values": ["curiosity"]})


def test_any_version_is_reproduced_by_replaying_its_revisions():
    revisions = [
        ("*", SEED),
        ("persona.name", "Nova"),
        ("partner.name", "Alex"),
        ("common_ground.ab12", "we use first names"),
        ("persona.traits.extraversion", 6),
        ("common_ground.ab12", None),
    ]
    states = [idm.derive(revisions[:n]) for n in range(1, len(revisions) + 1)]
    assert states[0]["persona"]["name"] == "Mira"
    assert states[1]["persona"]["name"] == "Nova"
    assert states[3]["common_ground"] == {"ab12": "we use first names"}
    assert states[4]["persona"]["traits"]["extraversion"] == 6
    assert states[5]["common_ground"] == {}
    assert idm.derive(revisions[:3]) == states[2]  # the same version, derived again
    assert SEED["persona"]["name"] == "Mira"  # deriving never changes what it was given


def test_a_whole_state_revision_resets_everything():
    changed = idm.derive([("*", SEED), ("persona.name", "Nova"), ("partner.name", "Al")])
    assert idm.derive([("*", changed), ("*", SEED)]) == SEED


@pytest.mark.parametrize(
    ("target", "value", "code"),
    [
        ("persona.nickname", "x", "unknown_field"),
        ("persona.traits.charm", 3, "unknown_field"),
        ("common_ground.NOT OK", "x", "unknown_field"),
        ("persona.name", "x" * 61, "too_long"),
        ("persona.name", "   ", "empty"),
        ("persona.name", 42, "bad_value"),
        ("persona.traits.openness", 8, "bad_value"),
        ("persona.traits.openness", "4.5", "bad_value"),
        ("persona.values", ",".join(["v"] * 9), "too_long"),
        ("common_ground.ab12", "y" * 241, "too_long"),
    ],
)
def test_bad_values_are_refused_with_a_code(target, value, code):
    with pytest.raises(idm.IdentityError) as caught:
        idm.validate(target, value)
    assert caught.value.code == code


def test_values_are_cleaned():
    assert idm.validate("persona.name", "  Nova   Star ") == "Nova Star"
    assert idm.validate("persona.values", "kindness, , humour ") == ["kindness", "humour"]
    assert idm.validate("persona.traits.openness", "5") == 5


def test_changes_read_as_sentences():
    assert idm.describe("persona.name", "Mira", "Nova") == "the agent's name: Mira → Nova"
    assert idm.describe("common_ground.x1", None, "we hike") == "established: we hike"
    assert idm.describe("partner.interests", [], ["birds"]) == "your interests: (none) → birds"
