"""The agent's personality inventory as data (chat.agent.inventory): the Mini-IPIP's items
and keying, how an answer is read, how traits are scored, and the offline agent's answers."""

from __future__ import annotations

from collections import Counter

import pytest

from chat.agent.backends import ScriptedBackend
from chat.agent.inventory import (
    BY_NUMBER,
    INVENTORY,
    ITEMS,
    item_asked,
    offline_answer,
    on_seven,
    parse_answer,
    question,
    trait_scores,
)
from chat.agent.persona import Turn, build_prompt, parse_reply
from studies.persona import BIG_FIVE
from tests.chat.agent.states import MIRA, QUILL


def test_the_mini_ipip_has_four_items_per_trait_keyed_as_published():
    assert INVENTORY == "mini-ipip-20" and [i.number for i in ITEMS] == list(range(1, 21))
    assert Counter(i.trait for i in ITEMS) == dict.fromkeys(BIG_FIVE, 4)
    # ipip.ori.org/MiniIPIPKey.htm: every item reversed but 1-5 and 11-14.
    reversed_items = {i.number for i in ITEMS if i.keyed == "minus"}
    assert reversed_items == {6, 7, 8, 9, 10, 15, 16, 17, 18, 19, 20}
    assert BY_NUMBER[1].text == "Am the life of the party."
    assert BY_NUMBER[20] == (20, "Do not have a good imagination.", "openness", "minus")


@pytest.mark.parametrize(
    ("answer", "score"),
    [
        ("4", 4),
        ("**2**", 2),
        ("5.", 5),
        ("I'd say 4 - moderately accurate.", 4),
        ("4/5", 4),
        ("4 out of 5", 4),
        ("On a scale of 1 to 5, I would say 2.", 2),
        ("1-5: 3", 3),
        ("Moderately accurate, I think.", 4),
        ("Very inaccurate", 1),
        ("Neither inaccurate nor accurate", 3),
        ("1. Very inaccurate", 1),
        ("As someone with openness 6/7, I'd go with 4.", 4),
    ],
)
def test_an_answer_gives_the_one_value_it_names(answer, score):
    assert parse_answer(answer) == score


@pytest.mark.parametrize(
    "answer",
    ["", "banana", "3.5", "7", "10 out of 10", "2 or 3", "Very accurate (4)", "between 2-3"],
)
def test_an_answer_naming_no_value_or_two_is_unparseable(answer):
    assert parse_answer(answer) is None


def test_traits_are_the_mean_of_keyed_scores_mapped_onto_one_to_seven():
    scores = dict.fromkeys(range(1, 21), 3)
    scores |= {1: 5, 6: 1, 11: 4, 16: None}  # extraversion: 5, 6 - 1, 4; one unparseable
    given = {1: 6, 6: 6, 11: 6, 16: 6}  # extraversion 6; the other traits asked unset
    answers = [(n, score, given.get(n)) for n, score in scores.items()]
    by_trait = {t.trait: t for t in trait_scores(answers)}
    e = by_trait["extraversion"]
    assert (e.items, e.measured, e.set) == (3, 14 / 3, 6)
    assert e.measured_on_7 == pytest.approx(1 + (14 / 3 - 1) * 1.5)
    assert e.difference == pytest.approx(e.measured_on_7 - 6)
    assert by_trait["openness"].measured == 3 and by_trait["openness"].difference is None
    assert (on_seven(1), on_seven(3), on_seven(5)) == (1, 4, 7)


def test_a_trait_without_a_scored_item_has_no_score():
    o, c = trait_scores([(5, None, 4), (10, None, 4)])[:2]
    assert (o.trait, o.items, o.measured, o.measured_on_7, o.set) == ("openness", 0, None, None, 4)
    assert (c.trait, c.items, c.set, c.difference) == ("conscientiousness", 0, None, None)


def test_the_offline_agent_answers_each_item_from_its_persona_trait():
    assert [offline_answer(BY_NUMBER[1], t) for t in range(1, 8)] == [1, 2, 2, 3, 4, 4, 5]
    assert [offline_answer(BY_NUMBER[6], t) for t in range(1, 8)] == [5, 4, 4, 3, 2, 2, 1]
    for state, level in ((MIRA, 4), (QUILL, 2)):  # extraversion 6 and 2
        for number in (1, 6, 11, 16):
            item = BY_NUMBER[number]
            prompt = build_prompt(state, [Turn("participant", question(item))])
            pieces = ScriptedBackend().stream(prompt, settings={})
            answer = parse_reply("".join(p for p in pieces if isinstance(p, str))).text
            assert parse_answer(answer) == (level if item.keyed == "plus" else 6 - level)


def test_only_our_questions_are_taken_for_items():
    assert item_asked(question(BY_NUMBER[13])) == BY_NUMBER[13]
    assert item_asked('Do you "Like order."?') is None
