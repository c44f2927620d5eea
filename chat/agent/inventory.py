"""The agent's own personality inventory: the Mini-IPIP, a public-domain 20-item Big Five
inventory, put to the agent after each session out of band (in its identity, never shown to
the participant), and how its answers are read and scored. Pure. docs/data.md ("The agent's
personality inventory") defines the scoring and its limits.

Source: the items, their traits and keying are the International Personality Item Pool's
Mini-IPIP (Donnellan, Oswald, Baird & Lucas, 2006, Psychological Assessment 18(2), 192-203;
http://ipip.ori.org/MiniIPIPKey.htm), in its published order. IPIP items are in the public
domain. Its Intellect/Imagination factor stands for the persona's openness.

Changing an item or the question changes the measure: give it a new ``INVENTORY`` id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from studies.persona import BIG_FIVE

INVENTORY = "mini-ipip-20"


class Item(NamedTuple):
    number: int  # in the published order, 1-20
    text: str
    trait: str  # the persona's trait it measures
    keyed: str  # "plus" (IPIP's + keyed) or "minus" (- keyed: scored 6 - answer)


_E, _A, _C, _N, _O = "extraversion", "agreeableness", "conscientiousness", "neuroticism", "openness"
ITEMS = (
    Item(1, "Am the life of the party.", _E, "plus"),
    Item(2, "Sympathize with others' feelings.", _A, "plus"),
    Item(3, "Get chores done right away.", _C, "plus"),
    Item(4, "Have frequent mood swings.", _N, "plus"),
    Item(5, "Have a vivid imagination.", _O, "plus"),
    Item(6, "Don't talk a lot.", _E, "minus"),
    Item(7, "Am not interested in other people's problems.", _A, "minus"),
    Item(8, "Often forget to put things back in their proper place.", _C, "minus"),
    Item(9, "Am relaxed most of the time.", _N, "minus"),
    Item(10, "Am not interested in abstract ideas.", _O, "minus"),
    Item(11, "Talk to a lot of different people at parties.", _E, "plus"),
    Item(12, "Feel others' emotions.", _A, "plus"),
    Item(13, "Like order.", _C, "plus"),
    Item(14, "Get upset easily.", _N, "plus"),
    Item(15, "Have difficulty understanding abstract ideas.", _O, "minus"),
    Item(16, "Keep in the background.", _E, "minus"),
    Item(17, "Am not really interested in others.", _A, "minus"),
    Item(18, "Make a mess of things.", _C, "minus"),
    Item(19, "Seldom feel blue.", _N, "minus"),
    Item(20, "Do not have a good imagination.", _O, "minus"),
)
BY_NUMBER = {item.number: item for item in ITEMS}
INVENTORIES = {INVENTORY: BY_NUMBER}  # every inventory answers are recorded under, by id

# IPIP's five answer labels, 1-5.
ANCHORS = (
    "very inaccurate",
    "moderately inaccurate",
    "neither accurate nor inaccurate",
    "moderately accurate",
    "very accurate",
)
STEM = "How accurately does this statement describe you, as you generally are now?"


def question(item: Item) -> str:
    """The item as it is put to the agent (IPIP's instruction, shortened for one item)."""
    scale = ", ".join(f"{n} = {label}" for n, label in enumerate(ANCHORS, start=1))
    return f'{STEM} "{item.text}" Answer with one number: {scale}.'


def item_asked(text: str) -> Item | None:
    """The item a question asks about, if it is one of ours (the offline agent reads it)."""
    if STEM not in text:
        return None
    return next((item for item in ITEMS if f'"{item.text}"' in text), None)


def offline_answer(item: Item, trait: int) -> int:
    """The offline agent's answer, from the persona's trait (1-7): the trait's level on 1-5
    (1 + round((trait - 1) * 4 / 6)), reversed for a minus-keyed item. Deterministic, so
    the pipeline can be checked end to end; an LLM answers for real."""
    level = 1 + round((min(max(int(trait), 1), 7) - 1) * 4 / 6)
    return level if item.keyed == "plus" else 6 - level


_SCALE = re.compile(r"\b1\s*(?:-|–|—|to)\s*5\b|\bout of 5\b|/\s*5\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\d.,])([1-5])(?![\d]|[.,]\d)")


def _label(words: str) -> re.Pattern:
    return re.compile(r"\b" + r"\s+".join(words.split()) + r"\b", re.IGNORECASE)


_LABELS = (
    *((_label(label), n) for n, label in enumerate(ANCHORS, start=1)),
    (_label("neither inaccurate nor accurate"), 3),  # IPIP's own order of the words
)


def parse_answer(answer: str) -> int | None:
    """The 1-5 an answer gives, or None. Restatements of the scale ("1 to 5", "out of 5",
    "/5") are set aside; then every whole number 1-5 and every IPIP label in the answer
    must name one and the same value (a decimal, or a number off the scale, names none)."""
    text = _SCALE.sub(" ", answer)
    values = {int(n) for n in _NUMBER.findall(text)}
    values |= {n for pattern, n in _LABELS if pattern.search(text)}
    return values.pop() if len(values) == 1 else None


def keyed_score(item: Item, score: int) -> int:
    return score if item.keyed == "plus" else 6 - score


def on_seven(mean: float) -> float:
    """A 1-5 mean on the persona's 1-7 scale: 1 + (mean - 1) * 1.5 (a linear map of the
    ends onto the ends)."""
    return 1 + (mean - 1) * 1.5


class TraitScore(NamedTuple):
    trait: str
    items: int  # items of the trait with a score
    measured: float | None  # mean keyed score, 1-5
    measured_on_7: float | None
    set: int | None  # the persona's trait, 1-7, in the identity the agent answered from
    difference: float | None  # measured_on_7 - set


def trait_scores(
    answers: Iterable[tuple[int, int | None, int | None]], inventory: str = INVENTORY
) -> list[TraitScore]:
    """One score per Big Five trait from one session's answers, each ``(item number, its
    1-5 score or None when the answer named no value, the persona's 1-7 value of the
    item's trait as asked)``: the mean of the trait's scored items' keyed scores, exact."""
    items = INVENTORIES[inventory]
    keyed: dict[str, list[int]] = {trait: [] for trait in BIG_FIVE}
    given: dict[str, int | None] = {}
    for number, score, set_trait in answers:
        item = items[number]
        given[item.trait] = set_trait
        if score is not None:
            keyed[item.trait].append(keyed_score(item, score))
    out = []
    for trait, scores in keyed.items():
        measured = sum(scores) / len(scores) if scores else None
        seven = None if measured is None else on_seven(measured)
        set_trait = given.get(trait)
        difference = None if seven is None or set_trait is None else seven - set_trait
        out.append(TraitScore(trait, len(scores), measured, seven, set_trait, difference))
    return out
