"""Profiles of simulated participants, drawn from a seed or read from a file."""

from __future__ import annotations

import json

import pytest

from dashboard.simulate import profiles


def test_profiles_are_deterministic_in_the_seed_and_within_their_ranges():
    first, again = profiles.profiles(30, seed=5), profiles.profiles(30, seed=5)
    assert [p.to_json() for p in first] == [p.to_json() for p in again]
    assert [p.to_json() for p in first] != [p.to_json() for p in profiles.profiles(30, seed=6)]
    for p in first:
        assert set(p.traits) == set(profiles.BIG_FIVE)
        assert all(1 <= v <= 7 for v in p.traits.values())
        assert 1 <= p.verbosity <= 4 and 0 <= p.accept_rate <= 1
        assert all(1.5 <= v <= 6.5 for v in p.pmq.values()) and set(p.pmq) == {"CCD", "HLC", "CF"}


def test_a_profiles_file_sets_what_it_names_and_the_rest_is_drawn(tmp_path):
    path = tmp_path / "people.json"
    path.write_text(json.dumps([{"goal": "find a new podcast", "traits": {"extraversion": 7}}]))
    [one, two] = profiles.profiles(2, seed=1, supplied=profiles.load(str(path)))
    assert one.goal == two.goal == "find a new podcast"
    assert one.traits["extraversion"] == 7 and set(one.traits) == set(profiles.BIG_FIVE)
    with pytest.raises(ValueError, match="Unknown profile keys: shoe_size"):
        profiles.from_json({"shoe_size": 9}, __import__("random").Random(0))
