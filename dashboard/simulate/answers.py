"""How a simulated participant answers the PMQ, and the effect a researcher plants. Pure.

The model (docs/data.md): a participant's latent score on each factor comes from their
profile; at each administration it moves by occasion noise (sd ``OCCASION_SD``), and after a
session in the effect's condition by the planted shift; each item's score is that, plus item
noise (sd ``ITEM_SD``), rounded and kept within 1-7; the raw answer puts the score on the side
where the item's positive pole was shown (raw = 8 - score when the positive pole is on the
left).

A planted effect "condition:factor:d" is a standardised mean difference on that factor's
change score (post - pre): the shift is d times the change score's standard deviation under
this model, sqrt(2 (OCCASION_SD² + (ITEM_SD² + 1/12) / k)) for a factor of k items (1/12:
the rounding). It is approximate where scores meet the ends of the scale.
"""

from __future__ import annotations

import math
import random
import re
from typing import NamedTuple

from questionnaires import pmq

OCCASION_SD = 0.35
ITEM_SD = 0.8
FACTOR_ITEMS = {f: sum(1 for i in pmq.ITEMS if i.factor == f) for f in ("CCD", "HLC", "CF")}
POSITIVE = {i.code: i.positive for i in pmq.ITEMS}
FACTOR_OF = {i.code: i.factor for i in pmq.ITEMS}


class Effect(NamedTuple):
    condition: str
    factor: str  # "CCD", "HLC" or "CF"
    d: float


EFFECT = re.compile(r"([a-z0-9_-]+):(ccd|hlc|cf):([+-]?\d+(?:\.\d+)?)", re.IGNORECASE)


def parse_effect(spec: str) -> Effect | None:
    """``"co-construct:hlc:+0.5"`` -> Effect; "" -> None; ValueError for anything else."""
    if not spec:
        return None
    match = EFFECT.fullmatch(spec.strip())
    if not match:
        raise ValueError(
            f"An effect looks like condition:factor:d, e.g. co-construct:hlc:+0.5 (not {spec!r})."
        )
    d = float(match.group(3))
    if not -3 <= d <= 3:
        raise ValueError("An effect size d between -3 and 3, please.")
    return Effect(match.group(1), match.group(2).upper(), d)


def change_sd(factor: str) -> float:
    """The standard deviation of a factor's change score under this model."""
    k = FACTOR_ITEMS[factor]
    return math.sqrt(2 * (OCCASION_SD**2 + (ITEM_SD**2 + 1 / 12) / k))


def factor_scores(
    latent: dict[str, float],
    *,
    rng: random.Random,
    timepoint: str,
    condition: str,
    effect: Effect | None,
) -> dict[str, float]:
    """The participant's factor scores at one administration."""
    scores = {}
    for factor, value in latent.items():
        shift = 0.0
        planted = effect and (condition, factor) == (effect.condition, effect.factor)
        if planted and timepoint == "post":
            shift = effect.d * change_sd(factor)
        scores[factor] = value + rng.gauss(0, OCCASION_SD) + shift
    return scores


def raw_answers(
    scores: dict[str, float], left_poles: dict[str, str], rng: random.Random
) -> dict[str, int]:
    """Item code -> raw position (1 = left end), for items shown with these left poles."""
    raws = {}
    for code, left in left_poles.items():
        score = round(scores[FACTOR_OF[code]] + rng.gauss(0, ITEM_SD))
        score = max(1, min(7, score))
        raws[code] = 8 - score if left == POSITIVE[code] else score
    return raws
