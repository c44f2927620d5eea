"""Balanced, weighted condition assignment. Pure: no Django imports."""

from __future__ import annotations

import random
from collections.abc import Mapping


def choose_condition(
    counts: Mapping[int, int], weights: Mapping[int, int], rng: random.Random | None = None
) -> int:
    """The condition furthest behind its weighted share, ties broken at random.

    Picking the smallest (count + 1) / weight keeps sequential enrolment within one
    participant of the target split: with equal weights counts never differ by more than one.
    """
    if not weights:
        raise ValueError("A study needs at least one condition to assign participants.")
    rng = rng or random.Random()
    need = {cid: (counts.get(cid, 0) + 1) / weight for cid, weight in weights.items()}
    lowest = min(need.values())
    return rng.choice(sorted(cid for cid, value in need.items() if value == lowest))
