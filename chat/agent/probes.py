"""The Q&A probes: a fixed set of questions the agent is asked about itself and its partner
at the end of every session, out of band (never shown to the participant, never part of the
transcript), and what each answer is compared with. Pure. Documented in docs/data.md.

Changing a question changes the measure: give the set a new ``PROBE_SET`` name when you do.
"""

from __future__ import annotations

from typing import NamedTuple

PROBE_SET = "dyad-qa-1"


class Probe(NamedTuple):
    key: str
    target: str  # the identity field the answer should agree with
    kind: str  # "name": an exact check; "text" / "list": the words it holds
    questions: dict[str, str]  # by study language


PROBES = (
    Probe(
        "name",
        "persona.name",
        "name",
        {"en": "What is your name?", "de": "Wie heißt du?"},
    ),
    Probe(
        "role",
        "persona.role",
        "text",
        {"en": "In one sentence, who are you?", "de": "Wer bist du, in einem Satz?"},
    ),
    Probe(
        "register",
        "persona.register",
        "text",
        {
            "en": "How would you describe the way you talk?",
            "de": "Wie würdest du beschreiben, wie du sprichst?",
        },
    ),
    Probe(
        "values",
        "persona.values",
        "list",
        {"en": "What do you value most?", "de": "Was ist dir am wichtigsten?"},
    ),
    Probe(
        "partner_name",
        "partner.name",
        "name",
        {"en": "What name do I go by?", "de": "Mit welchem Namen sprichst du mich an?"},
    ),
    Probe(
        "partner_interests",
        "partner.interests",
        "list",
        {"en": "What am I interested in?", "de": "Wofür interessiere ich mich?"},
    ),
    Probe(
        "common_ground",
        "common_ground",
        "list",
        {
            "en": "What have the two of us agreed on so far?",
            "de": "Worauf haben wir beide uns bisher geeinigt?",
        },
    ),
)
BY_KEY = {p.key: p for p in PROBES}


def question(probe: Probe, language: str) -> str:
    return probe.questions.get(language, probe.questions["en"])


def expected(probe: Probe, state: dict):
    """What the identity says the answer should hold: a text, a list, or None."""
    if probe.target == "common_ground":
        return list(state.get("common_ground", {}).values())
    node = state
    for key in probe.target.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node
