"""Who a simulated participant is. Pure: no Django imports.

A profile is drawn from a documented distribution (docs/data.md, "Simulated participants")
with a seeded random generator, or read from a JSON file (a list of objects with the same
keys; missing keys are drawn). Everything a participant does follows from it.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field, fields

BIG_FIVE = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
GOALS = (
    "plan a weekend trip",
    "get advice on a hobby",
    "talk about a book they read",
    "prepare for a job interview",
    "decide what to cook this week",
    "find a new podcast",
)
EDITABLE = (
    "persona.register",
    "persona.name",
    "persona.values",
    "partner.name",
    "partner.interests",
    "partner.style",
    "common_ground",
)
# The PMQ prior: where each factor's latent score sits across people (mean, sd, 1-7 scale).
PMQ_PRIOR = {"CCD": (4.8, 0.8), "HLC": (3.6, 0.9), "CF": (4.2, 0.9)}


@dataclass
class Profile:
    traits: dict[str, int]  # Big Five, 1-7
    goal: str  # what they want from the conversation
    verbosity: float  # sentences per message, on average (1-4)
    reading_wps: float  # words read per second
    thinking_s: float  # seconds before starting to type
    typing_cps: float  # characters typed per second
    edit_rate: float  # chance of editing the panel after a reply
    edit_fields: list[str]  # which fields they edit
    accept_rate: float  # chance of accepting one of the agent's proposals
    pmq: dict[str, float]  # latent PMQ factor scores, 1-7
    messages: int  # messages they want to send in a session (at least the study's minimum)
    seed: int = 0  # for everything random about them after this
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def draw(rng: random.Random) -> Profile:
    """One profile from the documented distribution."""
    traits = {t: round(_clip(rng.gauss(4, 1.3), 1, 7)) for t in BIG_FIVE}
    extraversion = traits["extraversion"]
    return Profile(
        traits=traits,
        goal=rng.choice(GOALS),
        verbosity=round(_clip(rng.gauss(1.4 + (extraversion - 4) * 0.2, 0.6), 1, 4), 2),
        reading_wps=round(_clip(rng.gauss(4.0, 0.8), 2, 7), 2),
        thinking_s=round(_clip(rng.lognormvariate(1.0, 0.5), 0.5, 15), 2),
        typing_cps=round(_clip(rng.gauss(4.5, 1.2), 1.5, 9), 2),
        edit_rate=round(_clip(rng.betavariate(2, 6) + (traits["openness"] - 4) * 0.03, 0, 0.9), 3),
        edit_fields=rng.sample(EDITABLE, k=rng.randint(2, 4)),
        accept_rate=round(
            _clip(rng.betavariate(5, 2) + (traits["agreeableness"] - 4) * 0.04, 0, 1), 3
        ),
        pmq={f: round(_clip(rng.gauss(m, s), 1.5, 6.5), 3) for f, (m, s) in PMQ_PRIOR.items()},
        messages=rng.randint(3, 7),
        seed=rng.getrandbits(32),
    )


def from_json(item: dict, rng: random.Random) -> Profile:
    """A profile from a JSON object; what it leaves out is drawn. Unknown keys are refused."""
    known = {f.name for f in fields(Profile)}
    unknown = set(item) - known
    if unknown:
        raise ValueError(f"Unknown profile keys: {', '.join(sorted(unknown))}.")
    drawn = draw(rng).to_json()
    merged = {**drawn, **item}
    merged["traits"] = {**drawn["traits"], **item.get("traits", {})}
    merged["pmq"] = {**drawn["pmq"], **item.get("pmq", {})}
    return Profile(**merged)


def profiles(n: int, seed: int, supplied: list[dict] | None = None) -> list[Profile]:
    """``n`` profiles: the supplied ones in turn (cycling), else drawn; deterministic in
    ``seed``."""
    rng = random.Random(seed)
    if supplied:
        return [from_json(supplied[i % len(supplied)], rng) for i in range(n)]
    return [draw(rng) for _ in range(n)]


def load(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise ValueError("A profiles file is a JSON list of objects.")
    return data
