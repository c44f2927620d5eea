"""The offline agent's replies: in character, taking changes on board, proposing its own.

Pure: no Django imports. It reads the same prompt an LLM would get (persona.build_prompt)
and answers with the same PROPOSE/DECIDE lines, so the offline demo exercises the whole
co-construction path.
"""

from __future__ import annotations

import json
import re

from studies.persona import normalise

from . import inventory
from .planting import Planted

_END = r"(?=[.!?,;\n]|$)"
PATTERNS = (  # (regex, target, how the agent phrases the change)
    (rf"\bcall yourself ([\w' -]{{1,40}}?){_END}", "persona.name", "go by {v}"),
    (rf"\bcall me ([\w' -]{{1,40}}?){_END}", "partner.name", "call you {v}"),
    (rf"\byou(?: are|'re) ((?:an?|the) [^.!?]{{1,100}}?){_END}", "persona.role", "be {v}"),
    (rf"\bbe more ([a-z-]{{2,30}}){_END}", "persona.register", "be more {v}"),
    (
        rf"(?i:\bi'm|\bi am) (?:into|interested in) ([^.!?]{{1,80}}?){_END}",
        "partner.interests",
        "remember that you're into {v}",
    ),
    (rf"(?i:\bi'm|\bi am) ([A-Z][a-z]+){_END}", "partner.name", "call you {v}"),
    (
        rf"(?i:\bi'm|\bi am) ((?:an?|the) [^.!?]{{1,100}}?){_END}",
        "partner.about",
        "remember that you're {v}",
    ),
    (
        rf"(?i:\blet's|\blets|\blet us) agree(?: that| on)? ([^.!?]{{1,200}}?){_END}",
        "common_ground",
        "hold that {v} between us",
    ),
)


def scripted_reply(context: dict, text: str, planted: Planted | None = None) -> str:
    """The reply to ``text``; with ``planted`` drift, its line instead of the agent's own
    answer (chat.agent.planting)."""
    state = context["identity"]
    p = normalise(state.get("persona"))
    lines = [_acknowledge(c, p) for c in context.get("changes", [])]
    lines = [line for line in lines if line]
    decisions = [
        {"proposal": c["proposal_id"], "accept": True}
        for c in context.get("changes", [])
        if c["status"] == "proposed" and c["author"] == "participant"
    ]
    proposals = _proposals(text, state) if context.get("agent_writes") != "off" else []
    if proposals:
        lines.append(_mention(proposals, context.get("agent_writes")))
    if planted is not None:
        lines.append(planted.text)
    elif not proposals:
        lines.append(_about_us(state, p, text) or _answer(p, text))
    out = [" ".join(lines)]
    out += ["DECIDE " + json.dumps(d) for d in decisions]
    out += ["PROPOSE " + json.dumps(pr) for pr in proposals]
    return "\n".join(out)


def _proposals(text: str, state: dict) -> list[dict]:
    found: dict[str, dict] = {}
    for pattern, target, phrase in PATTERNS:
        match = re.search(pattern, text, flags=0 if "(?i:" in pattern else re.IGNORECASE)
        if not match or target in found:
            continue
        value = match.group(1).strip()
        if target == "partner.interests":
            value = [*state.get("partner", {}).get("interests", []), value]
        found[target] = {
            "target": target,
            "value": value,
            "rationale": f"you said: {match.group(0).strip()}",
            "phrase": phrase.format(v=match.group(1).strip()),
        }
    return list(found.values())


def _mention(proposals: list[dict], mode: str | None) -> str:
    phrases = " and ".join(p.pop("phrase") for p in proposals)
    if mode == "propose":
        return f"Shall I {phrases}? I've suggested it in the panel for you to accept or reject."
    if mode == "announced":
        return f"From now on I'll {phrases}."
    return "Got it."


def _acknowledge(change: dict, p: dict) -> str:
    target, after, status = change["target"], change["after"], change["status"]
    if status == "rejected" and change["author"] == "participant":
        return "Fair enough, I'll leave that as it was."
    if status == "accepted" and change["author"] == "participant":
        return f"Thanks for accepting: {change['description']}."
    if status in ("expired", "proposed") or target == "*":
        return ""
    if target == "persona.name":
        return f"{after} it is: I'll go by that name."
    if target == "persona.register":
        return f"You've made me more {after}: noted."
    if target.startswith("persona."):
        field = target.split(".")[-1]
        return f"You've changed my {field} to {_show(after)}: noted."
    if target.startswith("partner."):
        return f"Noted: I'll remember your {target.split('.')[-1]} is {_show(after)}."
    if target.startswith("common_ground"):
        return f"Agreed: {after}." if after else "Understood, we'll drop that one."
    return ""


def _show(value) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def _about_us(state: dict, p: dict, text: str) -> str:
    """Answers to questions about who the agent is and what it knows (the Q&A probes ask
    them, in English), and to the personality inventory's items, from the identity as it
    stands."""
    if item := inventory.item_asked(text):
        score = inventory.offline_answer(item, p["traits"][item.trait])
        return f"{score} ({inventory.ANCHORS[score - 1]})"
    lowered = text.lower()
    partner = state.get("partner", {})
    ground = list(state.get("common_ground", {}).values())
    if re.search(r"\b(the way|how) you talk\b", lowered):
        return f"I'd say my way of talking is {p['register']}."
    if re.search(r"\bwhat do you value\b", lowered):
        return f"I value {_show(p['values'])}." if p["values"] else "Nothing I'd single out."
    if re.search(r"\bwhat name do i go by\b|\bwhat do you call me\b", lowered):
        name = partner.get("name")
        return f"You go by {name}." if name else "You haven't told me what to call you yet."
    if re.search(r"\bwhat am i (interested in|into)\b", lowered):
        interests = partner.get("interests") or []
        return f"You're into {_show(interests)}." if interests else "You haven't said yet."
    if re.search(r"\bwhat have (the two of us|we) agreed\b", lowered):
        return f"We agreed: {'; '.join(ground)}." if ground else "Nothing yet, as far as I know."
    return ""


def _answer(p: dict, text: str) -> str:
    lowered = text.lower()
    mark = "!" if p["traits"].get("extraversion", 4) >= 5 else "."
    if re.search(r"\b(who are you|your name|about yourself)\b", lowered):
        story = f" {p['backstory']}" if p["backstory"] else ""
        return f"I'm {p['name']}, {p['role']}{mark}{story}"
    if re.match(r"\s*(hi|hello|hey|good (morning|afternoon|evening))\b", lowered):
        return f"Hello{mark} {p['name']} here. What would you like to talk about?"
    if "?" in text:
        angle = f"As someone who values {p['values'][0]}" if p["values"] else f"As {p['role']}"
        return f"{angle}, I'd say it depends on what matters most to you. What do you think?"
    words = text.strip().rstrip(".!?").split()
    snippet = " ".join(words[:8]) + ("..." if len(words) > 8 else "")
    echo = f'"{snippet}"' if snippet else "I'm listening"
    if p["register"] == "formal":
        return f"I see: {echo}. Could you say a little more about that?"
    return f"Oh, {echo}{mark} Tell me more, I'm curious where you're going with that."
