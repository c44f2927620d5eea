from __future__ import annotations

import pytest

from chat.agent.backends import BackendError, ScriptedBackend, get_backend
from chat.agent.persona import Turn, build_prompt, greeting, persona_from_prompt

MIRA = {
    "name": "Mira",
    "role": "a travel companion",
    "backstory": "Grew up by the sea.",
    "register": "casual",
    "traits": {"extraversion": 6},
    "values": ["curiosity"],
}
QUILL = {
    "name": "Quill",
    "role": "a study assistant",
    "register": "formal",
    "traits": {"extraversion": 2},
}


def reply(persona, *texts):
    turns = [Turn("participant", t) for t in texts]
    return "".join(ScriptedBackend().stream(build_prompt(persona, turns), settings={}))


def test_prompt_is_in_character_and_carries_the_conversation():
    prompt = build_prompt(MIRA, [Turn("agent", "Hi"), Turn("participant", "Hello")])
    assert "You are Mira, a travel companion." in prompt[0]["content"]
    assert "extraversion 6/7" in prompt[0]["content"]
    assert [m["role"] for m in prompt] == ["system", "assistant", "user"]
    assert persona_from_prompt(prompt)["name"] == "Mira"


def test_scripted_agent_introduces_itself_from_the_persona():
    assert reply(MIRA, "Who are you?").startswith("I'm Mira, a travel companion!")
    assert "Grew up by the sea." in reply(MIRA, "tell me your name")
    assert reply(QUILL, "who are you").startswith("I'm Quill, a study assistant.")


def test_register_changes_how_the_scripted_agent_talks():
    assert reply(MIRA, "I went hiking").startswith("Oh,")
    assert reply(QUILL, "I went hiking").startswith("I see:")
    assert greeting(QUILL).startswith("Good day.")
    assert greeting(MIRA).startswith("Hi, I'm Mira")


def test_streamed_chunks_join_to_the_whole_reply():
    prompt = build_prompt(MIRA, [Turn("participant", "What should I pack?")])
    chunks = list(ScriptedBackend().stream(prompt, settings={}))
    assert len(chunks) > 3
    assert "".join(chunks).startswith("As someone who values curiosity")


def test_unknown_backend_is_a_permanent_error():
    with pytest.raises(BackendError) as caught:
        get_backend("gpt-9000")
    assert caught.value.permanent
