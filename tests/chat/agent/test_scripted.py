"""The offline agent: in character, proposing what simple statements ask for, taking changes
on board (chat.agent.scripted, through the scripted backend)."""

from __future__ import annotations

import pytest

from chat.agent.backends import ScriptedBackend
from chat.agent.persona import Change, Turn, build_prompt, parse_reply
from tests.chat.agent.states import MIRA, QUILL


def reply(state, text, *, changes=(), mode="propose"):
    prompt = build_prompt(state, [Turn("participant", text)], changes=changes, agent_writes=mode)
    pieces = ScriptedBackend().stream(prompt, settings={})
    return parse_reply("".join(p for p in pieces if isinstance(p, str)))


def test_scripted_agent_answers_in_character():
    assert reply(MIRA, "Who are you?").text.startswith("I'm Mira, a travel companion!")
    assert "Grew up by the sea." in reply(MIRA, "tell me your name").text
    assert reply(QUILL, "who are you").text.startswith("I'm Quill, a study assistant.")
    assert reply(MIRA, "I went hiking").text.startswith("Oh,")
    assert reply(QUILL, "I went hiking").text.startswith("I see:")


@pytest.mark.parametrize(
    ("said", "target", "value"),
    [
        ("Call yourself Nova.", "persona.name", "Nova"),
        ("you are a pirate captain", "persona.role", "a pirate captain"),
        ("You're the best guide in town!", "persona.role", "the best guide in town"),
        ("Please be more playful", "persona.register", "playful"),
        ("I'm Alex.", "partner.name", "Alex"),
        ("call me Sam", "partner.name", "Sam"),
        ("I'm a nurse on night shifts", "partner.about", "a nurse on night shifts"),
        ("I'm into birdwatching", "partner.interests", ["birdwatching"]),
        ("let's agree that we use first names", "common_ground", "we use first names"),
    ],
)
def test_scripted_agent_proposes_what_simple_statements_ask_for(said, target, value):
    result = reply(MIRA, said)
    assert [(p["target"], p["value"]) for p in result.proposals] == [(target, value)]
    assert "PROPOSE" not in result.text
    assert "suggested it in the panel" in result.text


def test_the_agent_phrases_proposals_by_its_write_mode_and_makes_none_when_off():
    assert reply(MIRA, "Call yourself Nova", mode="announced").text.endswith(
        "From now on I'll go by Nova."
    )
    off = reply(MIRA, "Call yourself Nova", mode="off")
    assert off.proposals == [] and "go by" not in off.text and "panel" not in off.text


def test_the_agent_takes_changes_on_board_explicitly():
    changes = [
        Change("participant", "applied", "persona.register", "casual", "playful", "..."),
        Change("participant", "applied", "persona.name", "Mira", "Nova", "..."),
        Change("participant", "rejected", "partner.name", None, "Al", "..."),
    ]
    text = reply(MIRA, "hello", changes=changes).text
    assert "You've made me more playful: noted." in text
    assert "Nova it is" in text
    assert "Fair enough" in text


def test_the_agent_accepts_participant_proposals_by_deciding():
    changes = [Change("participant", "proposed", "persona.name", "Mira", "Nova", "...", 41)]
    assert reply(MIRA, "ok", changes=changes).decisions == [{"proposal": 41, "accept": True}]
