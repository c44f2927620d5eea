"""Identity and turns into a prompt; a reply into text and proposals; greetings."""

from __future__ import annotations

from chat.agent.persona import Change, Turn, build_prompt, greeting, parse_reply
from tests.chat.agent.states import MIRA, QUILL


def test_prompt_is_in_character_and_carries_identity_changes_and_conversation():
    changes = [
        Change(
            "participant",
            "applied",
            "persona.register",
            "casual",
            "playful",
            "the agent's way of talking: casual → playful",
        )
    ]
    prompt = build_prompt(
        MIRA,
        [Turn("agent", "Hi"), Turn("participant", "Hello")],
        changes=changes,
        agent_writes="announced",
    )
    system = prompt[0]["content"]
    assert "You are Mira, a travel companion." in system
    assert "extraversion 6/7" in system
    assert "- participant applied: the agent's way of talking: casual → playful" in system
    assert "apply at once and are announced" in system
    assert [m["role"] for m in prompt] == ["system", "assistant", "user"]


def test_parse_reply_keeps_text_and_ignores_malformed_proposal_lines():
    raw = 'Sure.\nPROPOSE {"target": "persona.name", "value": "Ada"}\nPROPOSE not-json\nBye.'
    parsed = parse_reply(raw)
    assert parsed.proposals == [{"target": "persona.name", "value": "Ada"}]
    assert parsed.text == "Sure.\nPROPOSE not-json\nBye."


def test_greetings_follow_register_and_remember_a_returning_participant():
    assert greeting(QUILL).startswith("Good day.")
    assert greeting(MIRA).startswith("Hi, I'm Mira")
    back = {**MIRA, "partner": {**MIRA["partner"], "name": "Alex"}}
    assert greeting(back, returning=True).startswith("Welcome back, Alex. Mira here")
