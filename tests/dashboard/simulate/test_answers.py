"""The PMQ answer model and planted effects: what a pilot's analysis would find."""

from __future__ import annotations

import random

import pytest

from dashboard.simulate import answers, profiles
from dashboard.stats import changes, summarise
from questionnaires import pmq
from questionnaires.scoring import factor_scores, recode

FACTOR_OF = {i.code: i.factor for i in pmq.ITEMS}


def administer(profile, rng, *, timepoint, condition, effect, sides):
    """One simulated PMQ, scored as the server scores it."""
    scores = answers.factor_scores(
        profile.pmq, rng=rng, timepoint=timepoint, condition=condition, effect=effect
    )
    left = {i.code: (i.positive if sides[i.code] else i.negative) for i in pmq.ITEMS}
    raws = answers.raw_answers(scores, left, rng)
    return factor_scores({c: recode(r, sides[c]) for c, r in raws.items()}, FACTOR_OF)


def change_ci(seed: int, effect, n: int = 100) -> dict:
    """Per condition: the 95% CI of the HLC change score, as the dashboard computes it."""
    rng = random.Random(seed)
    out = {}
    for condition in ("co-construct", "hidden"):
        pre, post = {}, {}
        for pid, profile in enumerate(profiles.profiles(n, rng.getrandbits(32))):
            sides = {i.code: rng.random() < 0.5 for i in pmq.ITEMS}
            for timepoint, into in (("pre", pre), ("post", post)):
                into[pid] = administer(
                    profile,
                    rng,
                    timepoint=timepoint,
                    condition=condition,
                    effect=effect,
                    sides=sides,
                )["HLC"]
        out[condition] = summarise(changes(pre, post))
    return out


def test_a_planted_effect_of_d_08_is_recovered_at_100_per_condition():
    effect = answers.parse_effect("co-construct:hlc:+0.8")
    cells = change_ci(seed=7, effect=effect)
    assert cells["co-construct"].low > 0  # the interval excludes zero, in the planted direction
    assert cells["hidden"].low < 0 < cells["hidden"].high
    # And its size is about what was planted, in standard deviations of the change score.
    assert 0.5 < cells["co-construct"].mean / answers.change_sd("HLC") < 1.1


def test_without_an_effect_most_runs_find_none():
    found = sum(
        not (c.low < 0 < c.high)
        for seed in range(20)
        for c in [change_ci(seed=seed, effect=None)["co-construct"]]
    )
    assert found <= 3  # a 95% interval misses zero by chance about once in twenty


def test_answers_stand_on_the_side_where_the_positive_pole_was_shown():
    rng = random.Random(1)
    high = {"CCD": 7.4, "HLC": 7.4, "CF": 7.4}  # far above the scale: every item scores 7
    positive_left = {i.code: i.positive for i in pmq.ITEMS}
    negative_left = {i.code: i.negative for i in pmq.ITEMS}
    assert set(answers.raw_answers(high, positive_left, rng).values()) <= {1, 2}
    assert set(answers.raw_answers(high, negative_left, rng).values()) <= {6, 7}


@pytest.mark.parametrize(
    ("spec", "message"),
    [("co-construct:hlc", "looks like"), ("x:joy:+1", "looks like"), ("x:cf:+9", "between -3")],
)
def test_effects_are_parsed_strictly(spec, message):
    with pytest.raises(ValueError, match=message):
        answers.parse_effect(spec)
    assert answers.parse_effect("") is None
    assert answers.parse_effect("Co-Construct:HLC:-0.5") == ("Co-Construct", "HLC", -0.5)
