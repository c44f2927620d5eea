"""Identity + turns -> prompt; reply -> text and proposals. Pure: no Django imports.

The agent's persona is a plain dict following the persona schema: name, role, backstory,
traits (Big Five on 1-7 scales), register and values. The prompt also carries the partner
model, the common ground, the changes since the agent's last turn (which it must take on
board explicitly) and how it may change the identity itself.

Proposal fallback (for endpoints without tool calls, and the offline agent): the agent
writes a line ``PROPOSE {"target": ..., "value": ..., "rationale": ...}`` to propose a
change, or ``DECIDE {"proposal": id, "accept": true|false}`` to settle a participant's
proposal. Such lines are removed from the text the participant sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

from studies.persona import normalise

CONTEXT_MARKER = "DYAD_CONTEXT: "

WRITE_INSTRUCTIONS = {
    "off": "You cannot change the shared identity yourself.",
    "silent": "Changes you propose to the shared identity apply at once.",
    "announced": "Changes you propose to the shared identity apply at once and are announced.",
    "propose": "Changes you propose are suggestions the participant accepts or rejects.",
}
TARGETS = (
    "persona.name, persona.role, persona.backstory, persona.register, persona.values (a list), "
    "persona.traits.<openness|conscientiousness|extraversion|agreeableness|neuroticism> (1-7), "
    "partner.name, partner.about, partner.interests (a list), partner.style, and "
    "common_ground (a new statement you both hold as established)"
)
HOW_TO_PROPOSE = {
    "tools": "Use the propose_change tool to change the shared identity when the conversation "
    "calls for it, and decide_proposal to accept or reject the participant's suggestions.",
    "lines": 'To change the shared identity, write a line of its own: PROPOSE {"target": '
    '"persona.register", "value": "playful", "rationale": "why"}. To settle a '
    'suggestion of the participant\'s, write: DECIDE {"proposal": <id>, "accept": true}. '
    "These lines are hidden from the participant.",
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "propose_change",
            "description": "Change (or propose changing) one field of the shared identity.",
            "parameters": {
                "type": "object",
                "required": ["target", "value"],
                "properties": {
                    "target": {"type": "string", "description": "One of: " + TARGETS},
                    "value": {"description": "The new value (text, list of text, or 1-7)."},
                    "rationale": {"type": "string", "description": "Why, in a few words."},
                },
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "decide_proposal",
            "description": "Accept or reject a change the participant suggested.",
            "parameters": {
                "type": "object",
                "required": ["proposal", "accept"],
                "properties": {
                    "proposal": {"type": "integer"},
                    "accept": {"type": "boolean"},
                },
            },
        },
    },
]


class Turn(NamedTuple):
    sender: str  # "participant", "agent" or "system"
    text: str


class Change(NamedTuple):
    author: str
    status: str  # "applied", "proposed", "accepted", "rejected", "expired"
    target: str
    before: object
    after: object
    description: str
    proposal_id: int | None = None


class Reply(NamedTuple):
    text: str
    proposals: list[dict]
    decisions: list[dict]


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


def _about_partner(state: dict) -> str:
    partner = {k: v for k, v in state.get("partner", {}).items() if v}
    ground = list(state.get("common_ground", {}).values())
    lines = [f"What you know about the participant: {json.dumps(partner)}." if partner else ""]
    if ground:
        lines.append("What you have both established: " + "; ".join(ground) + ".")
    return "\n".join(line for line in lines if line)


def summary(state: dict) -> str:
    """The identity in words, as the agent's prompt puts it (for a judge to read)."""
    return "\n".join(part for part in (describe(state["persona"]), _about_partner(state)) if part)


def build_prompt(
    state: dict,
    turns: Iterable[Turn],
    *,
    changes: Iterable[Change] = (),
    agent_writes: str = "off",
    proposal_format: str = "lines",
    template: str = "",
) -> list[dict[str, str]]:
    """OpenAI-style chat messages: a system prompt in character, then the conversation.

    ``template``, if given, is the condition's system prompt; ``{identity}`` in it stands for
    Dyad's own description (persona, partner model, changes to take on board, write rules).
    """
    changes = list(changes)
    parts = [describe(state["persona"]), _about_partner(state)]
    if changes:
        parts.append(
            "Changes to who you are, or to how you see each other, since your last turn. Take "
            "each one on board explicitly in your reply (e.g. 'you've made me more playful: "
            "noted'):\n" + "\n".join(_change_line(c) for c in changes)
        )
    parts.append(WRITE_INSTRUCTIONS[agent_writes])
    if agent_writes != "off" or any(c.proposal_id for c in changes):
        parts.append(HOW_TO_PROPOSE[proposal_format])
    parts.append("Stay in character. Reply in one to three sentences.")
    identity = "\n".join(p for p in parts if p)
    system = template.replace("{identity}", identity) if template else identity
    context = {
        "identity": state,
        "changes": [c._asdict() for c in changes],
        "agent_writes": agent_writes,
    }
    system += "\n" + CONTEXT_MARKER + json.dumps(context, sort_keys=True)
    messages = [{"role": "system", "content": system}]
    roles = {"participant": "user", "agent": "assistant"}
    for turn in turns:
        if turn.sender in roles:
            messages.append({"role": roles[turn.sender], "content": turn.text})
    return messages


def _change_line(change: Change) -> str:
    line = f"- {change.author} {change.status}: {change.description}"
    return line + (f" (suggestion id {change.proposal_id})" if change.proposal_id else "")


def from_tool_calls(calls: Iterable) -> tuple[list[dict], list[dict]]:
    """Proposals and decisions from ``ToolCall(name, arguments)`` pairs; others are ignored."""
    proposals, decisions = [], []
    for name, arguments in calls:
        if name == "propose_change":
            proposals.append(arguments)
        elif name == "decide_proposal":
            decisions.append(arguments)
    return proposals, decisions


def context_from_prompt(messages: list[dict[str, str]]) -> dict:
    """Recover the structured context embedded in a prompt built by ``build_prompt``."""
    for line in messages[0]["content"].splitlines():
        if line.startswith(CONTEXT_MARKER):
            return json.loads(line[len(CONTEXT_MARKER) :])
    return {"identity": {"persona": normalise(None)}, "changes": [], "agent_writes": "off"}


def parse_reply(raw: str) -> Reply:
    """Split an agent's reply into the text shown and the proposals and decisions it made."""
    text_lines, proposals, decisions = [], [], []
    for line in raw.splitlines():
        keyword, _, payload = line.strip().partition(" ")
        if keyword in ("PROPOSE", "DECIDE"):
            try:
                data = json.loads(payload)
            except ValueError:
                data = None
            if isinstance(data, dict):
                (proposals if keyword == "PROPOSE" else decisions).append(data)
                continue
        text_lines.append(line)
    return Reply("\n".join(text_lines).strip(), proposals, decisions)


def greeting(state: dict, *, returning: bool = False) -> str:
    """The agent's opening line, from the identity as it stands at the session's start."""
    p = normalise(state.get("persona"))
    name = (state.get("partner") or {}).get("name")
    if returning:
        hello = f"Welcome back, {name}." if name else "Welcome back."
        return f"{hello} {p['name']} here, {p['role']}. Where shall we pick up?"
    if p["register"] == "formal":
        return f"Good day. My name is {p['name']}, {p['role']}. How may I help you today?"
    return f"Hi, I'm {p['name']}, {p['role']}. What's on your mind?"
