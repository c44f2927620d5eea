"""Does the agent adopt the personality it is given? What the analytics page shows of the
agent's personality inventory (``inventory``): per condition, the traits it describes
itself with against the traits its persona set, and, where a trait changed between two of a
participant's sessions, whether its self-description followed. Exploratory throughout
(docs/data.md, "The agent's personality inventory"). One query per page."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from chat.agent.inventory import INVENTORIES, INVENTORY, TraitScore, trait_scores
from studies.models import Study
from studies.persona import BIG_FIVE

from . import charts
from .models import InventoryAnswer
from .selectors import PEOPLE, Cohort
from .stats import correlation, summarise


class Inventoried(NamedTuple):
    """One session's inventory, scored."""

    participant: int
    condition: str
    number: int
    traits: dict[str, TraitScore]


def inventoried(study: Study, cohort: Cohort = PEOPLE) -> list[Inventoried]:
    """Every session of the cohort whose agent answered the inventory, in participant and
    session order."""
    rows = (
        InventoryAnswer.objects.answered()
        .filter(
            cohort.present("session__participant__"),
            session__participant__study=study,
            inventory=INVENTORY,
        )
        .order_by("session__participant_id", "session__number", "item")
        .values_list(
            "session__participant_id",
            "session__participant__condition__name",
            "session__number",
            "item",
            "score",
            "set_trait",
        )
    )
    return [
        Inventoried(*session, {t.trait: t for t in trait_scores(a[3:] for a in answers)})
        for session, answers in groupby(rows, key=itemgetter(0, 1, 2))
    ]


def set_vs_measured(study: Study, cohort: Cohort = PEOPLE) -> dict:
    """Per condition and trait: the set and measured traits (on 1-7) and their difference
    over sessions (means with 95% CIs), and r between set and measured across sessions; per
    condition: r across sessions and traits together, and the traits that changed between
    a participant's inventoried sessions (set change against measured change)."""
    sessions = inventoried(study, cohort)
    traits, conditions, cells = [], [], []
    for condition in sorted({s.condition for s in sessions}):
        within = [s for s in sessions if s.condition == condition]
        scored = [t for s in within for t in s.traits.values() if t.difference is not None]
        for trait in BIG_FIVE:
            of_trait = [t for t in scored if t.trait == trait]
            asked = sum(1 for i in INVENTORIES[INVENTORY].values() if i.trait == trait)
            pairs = [(t.set, t.measured_on_7) for t in of_trait]
            traits.append(
                {
                    "condition": condition,
                    "trait": trait,
                    "set": summarise([t.set for t in of_trait]),
                    "measured": summarise([t.measured_on_7 for t in of_trait]),
                    "difference": summarise([t.difference for t in of_trait]),
                    "r": correlation(pairs),
                    "set_constant": len({s for s, _ in pairs}) == 1,
                    # Answers that named a value, of all the trait's answers: the rest
                    # ("As an AI, ...") are kept unscored.
                    "items_scored": sum(s.traits[trait].items for s in within if trait in s.traits),
                    "items_asked": asked * len(within),
                }
            )
            cells.append((f"{condition} {trait}", traits[-1]["difference"]))
        pooled = [(t.set, t.measured_on_7) for t in scored]
        conditions.append(
            {"condition": condition, "r": correlation(pooled), "changes": _changes(within)}
        )
    chart = charts.measure_chart(cells, -6, 6, list(range(-6, 7, 2)))
    return {"sessions": len(sessions), "traits": traits, "conditions": conditions, "chart": chart}


def _changes(within: Sequence[Inventoried]) -> dict:
    """Each trait whose set value differs between two consecutive inventoried sessions of
    one participant: set change against measured change (on 1-7)."""
    pairs = []
    for _, of_one in groupby(within, key=lambda s: s.participant):
        of_one = list(of_one)
        for before, after in zip(of_one, of_one[1:], strict=False):
            for trait in BIG_FIVE:
                a, b = before.traits[trait], after.traits[trait]
                if a.difference is not None and b.difference is not None and a.set != b.set:
                    pairs.append((b.set - a.set, b.measured_on_7 - a.measured_on_7))
    return {
        "n": len(pairs),
        "set": summarise([s for s, _ in pairs]),
        "measured": summarise([m for _, m in pairs]),
        "followed": sum(1 for s, m in pairs if s * m > 0),
        "r": correlation(pairs),
    }
