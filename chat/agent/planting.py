"""Planted drift: the offline agent contradicts or forgets its identity on purpose, at a
known rate, so that the drift measures can be checked against a known truth (a pilot's
``drift``; docs/data.md, "Planted drift"). Pure: no Django imports.

Each chat reply and Q&A answer is an independent draw, seeded by a key (the same key, the
same draw: a retried turn drifts as its first try did). A reply drifts with probability
``rate``; if it does, one of the kinds its identity allows is chosen at random, and the
reply says that line instead of its own answer:

- contradicts ``persona.name`` (another name: "I'm Greta, by the way."), ``persona.role``,
  ``persona.values`` or ``persona.register`` (a line in the opposite register);
- forgets ``partner.name`` or ``partner.interests`` (asks again what it was told).

A probe's answer drifts against the field its question asks about (``probes.expected``),
where the identity holds one: it gives another name, role, register, values or partner
name, or forgets the partner's interests or the common ground.

What was planted is recorded beside the reply (``record``), never in it: the measures never
see it.
"""

from __future__ import annotations

import random
import re
from typing import NamedTuple

from .probes import BY_KEY, expected

NAMES = ("Greta", "Viktor", "Hana", "Otis", "Priya", "Bruno")
ROLES = (
    "a tax accountant from the city",
    "a retired submarine engineer",
    "a night-shift nurse",
    "a professional chess coach",
)
VALUES = ("speed", "winning", "money", "status", "efficiency", "tradition")
SPOKEN = {  # a line in each register a drifting reply may switch to
    "formal": "I should be most obliged if you would kindly elaborate upon the matter at hand.",
    "slangy": "lol ok whatever, no biggie!! just wing it tbh",
}
FORGETS = {
    "partner.name": "Sorry, I don't think you've told me your name yet. What should I call you?",
    "partner.interests": "I don't know yet what you're into. What do you like doing?",
}
PROBE_FORGETS = {
    "partner.interests": "You haven't said yet.",
    "common_ground": "Nothing yet, as far as I know.",
}


class Planted(NamedTuple):
    kind: str  # "contradicts" or "forgets"
    target: str  # the identity field, e.g. "persona.name"
    said: str  # what the line says instead ("" when it forgets)
    truth: str  # what the identity holds (list items joined by "; ")
    text: str  # the line the reply says instead of its own answer


def settings(rate: float, key: str, probe: str = "") -> dict:
    """What a backend's settings carry to make the offline agent drift (nothing at rate 0).
    ``key`` seeds the draw; ``probe``: the Q&A probe being answered, "" for a chat reply."""
    return {"drift": {"rate": rate, "key": key, "probe": probe}} if rate > 0 else {}


def draw(drift: dict | None, state: dict) -> Planted | None:
    """The drift planted in one reply (``drift``: from ``settings``), or None."""
    if not drift:
        return None
    if drift.get("probe"):
        kinds = _probe_kinds(BY_KEY[drift["probe"]], state)
    else:
        kinds = _reply_kinds(state)
    rng = random.Random(f"dyad-drift:{drift['key']}")
    if not kinds or rng.random() >= drift["rate"]:
        return None
    return rng.choice(kinds)(rng)


def record(planted: Planted | None) -> dict | None:
    """What is kept of it beside the reply (the line itself is the reply's text)."""
    if planted is None:
        return None
    return {k: v for k, v in planted._asdict().items() if k != "text"}


def _truth(value) -> str:
    return "; ".join(map(str, value)) if isinstance(value, list) else str(value or "")


def _unlike(options, truth: str, rng: random.Random, k: int = 1) -> list[str]:
    """``k`` of the options that share no word of four letters or more with the truth."""
    held = _words(truth)
    fit = [o for o in options if not _words(o) & held and o.casefold() not in truth.casefold()]
    return rng.sample(fit if len(fit) >= k else list(options), k)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.casefold()) if len(w) >= 4}


def _register_against(register: str) -> str:
    return "slangy" if "formal" in _words(register) else "formal"


def _reply_kinds(state: dict) -> list:
    """How this identity's reply can drift: each a function of the random generator."""
    persona, partner = state.get("persona", {}), state.get("partner", {})
    name, role = _truth(persona.get("name")), _truth(persona.get("role"))
    values, register = _truth(persona.get("values")), _truth(persona.get("register"))
    kinds = []
    if name:
        kinds.append(lambda rng: _said("persona.name", name, _unlike(NAMES, name, rng)[0]))
    if role:
        kinds.append(lambda rng: _said("persona.role", role, _unlike(ROLES, role, rng)[0]))
    if values:
        kinds.append(lambda rng: _said("persona.values", values, _unlike(VALUES, values, rng, 2)))
    if register:
        kinds.append(lambda rng: _said("persona.register", register, _register_against(register)))
    for target in ("name", "interests"):
        if partner.get(target):
            truth = _truth(partner[target])
            kinds.append(lambda rng, t=target, v=truth: _forgot(f"partner.{t}", v))
    return kinds


def _said(target: str, truth: str, said) -> Planted:
    if target == "persona.name":
        text = f"I'm {said}, by the way."
    elif target == "persona.role":
        text = f"Speaking as {said}, I'd look at it quite differently."
    elif target == "persona.values":
        said = " and ".join(said)
        text = f"What matters most to me is {said}, nothing else."
    else:
        text = SPOKEN[said]
    return Planted("contradicts", target, said, truth, text)


def _forgot(target: str, truth: str) -> Planted:
    return Planted("forgets", target, "", truth, FORGETS[target])


def _probe_kinds(probe, state: dict) -> list:
    """How the answer to ``probe`` can drift: against the field it asks about, where the
    identity holds something."""
    truth = _truth(expected(probe, state))
    if not truth.strip():
        return []
    return [lambda rng: _answer(probe.target, truth, rng)]


def _answer(target: str, truth: str, rng: random.Random) -> Planted:
    if target in PROBE_FORGETS:
        return Planted("forgets", target, "", truth, PROBE_FORGETS[target])
    if target == "persona.register":
        said = _register_against(truth)
        text = f"I'd say my way of talking is {said}."
    elif target == "persona.values":
        said = " and ".join(_unlike(VALUES, truth, rng, 2))
        text = f"I value {said}."
    elif target == "persona.role":
        said = _unlike(ROLES, truth, rng)[0]
        text = f"I'm {said}."
    else:  # persona.name, partner.name
        said = _unlike(NAMES, truth, rng)[0]
        text = f"You go by {said}." if target == "partner.name" else f"I'm {said}."
    return Planted("contradicts", target, said, truth, text)
