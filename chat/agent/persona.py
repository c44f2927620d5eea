"""Identity + turns -> prompt. Pure: no Django imports, tested without a database.

A persona is a plain dict following the study's persona schema: name, role, backstory,
traits (Big Five on 1-7 scales), register and values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

PERSONA_MARKER = "PERSONA_JSON: "
BIG_FIVE = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")

DEFAULT_PERSONA: dict = {
    "name": "Sam",
    "role": "a friendly conversation partner",
    "backstory": "",
    "traits": dict.fromkeys(BIG_FIVE, 4),
    "register": "casual",
    "values": [],
}


class Turn(NamedTuple):
    sender: str  # "participant", "agent" or "system"
    text: str


def normalise(persona: dict | None) -> dict:
    """Fill what a seed persona leaves out, so prompts never meet a missing key."""
    merged = {**DEFAULT_PERSONA, **(persona or {})}
    merged["traits"] = {**DEFAULT_PERSONA["traits"], **(merged.get("traits") or {})}
    merged["values"] = list(merged.get("values") or [])
    return merged


def describe(persona: dict) -> str:
    p = normalise(persona)
    traits = ", ".join(f"{name} {value}/7" for name, value in p["traits"].items())
    lines = [
        f"You are {p['name']}, {p['role']}.",
        f"Backstory: {p['backstory']}" if p["backstory"] else "",
        f"Personality (Big Five, 1-7): {traits}.",
        f"Speak in a {p['register']} register.",
        f"You value: {', '.join(p['values'])}." if p["values"] else "",
    ]
    return "\n".join(line for line in lines if line)


def build_prompt(persona: dict, turns: Iterable[Turn]) -> list[dict[str, str]]:
    """OpenAI-style chat messages: a system prompt in character, then the conversation."""
    system = (
        describe(persona)
        + "\nStay in character. Reply in one to three sentences.\n"
        + PERSONA_MARKER
        + json.dumps(normalise(persona), sort_keys=True)
    )
    messages = [{"role": "system", "content": system}]
    roles = {"participant": "user", "agent": "assistant"}
    for turn in turns:
        if turn.sender in roles:
            messages.append({"role": roles[turn.sender], "content": turn.text})
    return messages


def persona_from_prompt(messages: list[dict[str, str]]) -> dict:
    """Recover the persona embedded in a prompt built by ``build_prompt``."""
    for line in messages[0]["content"].splitlines():
        if line.startswith(PERSONA_MARKER):
            return json.loads(line[len(PERSONA_MARKER) :])
    return normalise(None)


def greeting(persona: dict) -> str:
    p = normalise(persona)
    if p["register"] == "formal":
        return f"Good day. My name is {p['name']}, {p['role']}. How may I help you today?"
    return f"Hi, I'm {p['name']}, {p['role']}. What's on your mind?"
