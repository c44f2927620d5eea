"""Agent backends: prompt messages in, text chunks out.

Contract: ``backend.stream(messages, *, settings) -> Iterator[str]`` yields the reply in
chunks whose concatenation is the whole reply. It raises ``BackendError`` with
``permanent=True`` for failures a retry cannot fix (bad key, unknown model) and
``permanent=False`` for ones it may (rate limits, 5xx, dropped streams).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .persona import normalise, persona_from_prompt


class BackendError(Exception):
    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


class ScriptedBackend:
    """The offline agent: answers in character from the persona, with no network at all."""

    name = "scripted"

    def stream(self, messages: list[dict[str, str]], *, settings: dict) -> Iterator[str]:
        persona = persona_from_prompt(messages)
        last = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        reply = scripted_reply(persona, last, turn=sum(m["role"] == "user" for m in messages))
        yield from re.findall(r"\S+\s*", reply)


def scripted_reply(persona: dict, text: str, *, turn: int) -> str:
    p = normalise(persona)
    lowered = text.lower()
    casual = p["register"] != "formal"
    lively = p["traits"].get("extraversion", 4) >= 5
    mark = "!" if lively else "."
    if re.search(r"\b(who are you|your name|about yourself)\b", lowered):
        story = f" {p['backstory']}" if p["backstory"] else ""
        return f"I'm {p['name']}, {p['role']}{mark}{story}"
    if re.match(r"\s*(hi|hello|hey|good (morning|afternoon|evening))\b", lowered):
        return f"Hello{mark} {p['name']} here. What would you like to talk about?"
    if "?" in text:
        angle = f"As someone who values {p['values'][0]}" if p["values"] else f"As {p['role']}"
        return f"{angle}, I'd say it depends on what matters most to you. What do you think?"
    echo = _topic(text)
    if casual:
        return f"Oh, {echo}{mark} Tell me more, I'm curious where you're going with that."
    return f"I see: {echo}. Could you say a little more about that?"


def _topic(text: str) -> str:
    words = text.strip().rstrip(".!?").split()
    snippet = " ".join(words[:8]) + ("..." if len(words) > 8 else "")
    return f'"{snippet}"' if snippet else "I'm listening"


BACKENDS = {"scripted": ScriptedBackend}


def get_backend(name: str):
    try:
        return BACKENDS[name]()
    except KeyError:
        raise BackendError(f"Unknown agent backend {name!r}", permanent=True) from None
