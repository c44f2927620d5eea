"""The dyad's shared identity as plain data. Pure: no Django imports.

A state is ``{"persona": {...}, "partner": {...}, "common_ground": {entry_id: text}}``.
Every change is a revision ``(target, after)``; a state is derived by applying revisions in
order, so any version can be reproduced. Targets name one field:

- ``persona.<field>`` / ``persona.traits.<trait>``: who the agent is;
- ``partner.<field>``: who the participant is to the agent;
- ``common_ground.<entry_id>``: one established statement (``after`` None removes it);
- ``*``: the whole state at once (seeding, or a reset to the seed between sessions).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import NamedTuple

from .agent.persona import BIG_FIVE, normalise
from .text import problem

MAX_TEXT = 300
MAX_LIST_ITEMS = 8
ENTRY_ID = re.compile(r"[a-z0-9]{1,12}")  # used with fullmatch: "$" allows a final newline


class Field(NamedTuple):
    target: str
    label: str  # in the panel
    phrase: str  # in a sentence: "You changed <phrase>: before -> after."
    kind: str  # "text", "long_text", "scale", "list"
    max_length: int = MAX_TEXT


PERSONA_FIELDS = (
    Field("persona.name", "Name", "the agent's name", "text", 60),
    Field("persona.role", "Role", "the agent's role", "text", 160),
    Field("persona.backstory", "Backstory", "the agent's backstory", "long_text", 1000),
    Field("persona.register", "Way of talking", "the agent's way of talking", "text", 80),
    Field("persona.values", "Values", "the agent's values", "list", 200),
    *(Field(f"persona.traits.{t}", t.capitalize(), f"the agent's {t}", "scale") for t in BIG_FIVE),
)
PARTNER_FIELDS = (
    Field("partner.name", "Name you go by", "the name you go by", "text", 60),
    Field("partner.about", "About you", "what the agent knows about you", "long_text", 500),
    Field("partner.interests", "Interests", "your interests", "list", 200),
    Field("partner.style", "How you like to talk", "how you like to talk", "text", 160),
)
FIELDS = {f.target: f for f in PERSONA_FIELDS + PARTNER_FIELDS}
COMMON_GROUND = "common_ground"
STATEMENT_MAX = 240
# Enough for what two people establish in a study session, few enough to read at a glance
# and to keep the agent's prompt short.
COMMON_GROUND_MAX = 20


class IdentityError(ValueError):
    """A change that cannot be made; ``code`` is stable for clients and tests."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def seed_state(persona: dict | None) -> dict:
    partner = {"name": "", "about": "", "interests": [], "style": ""}
    return {"persona": normalise(persona), "partner": partner, "common_ground": {}}


def phrase(target: str) -> str:
    if target.startswith(COMMON_GROUND):
        return "what we've established"
    return FIELDS[target].phrase if target in FIELDS else target


def validate(target: str, value) -> object:
    """The value to store for ``target``, cleaned; IdentityError if it cannot be stored."""
    if target.startswith(COMMON_GROUND + "."):
        entry = target.split(".", 1)[1]
        if not ENTRY_ID.fullmatch(entry):
            raise IdentityError("unknown_field", f"There is no field called {target!r}.")
        return None if value is None else _text(value, STATEMENT_MAX, "statement")
    field = FIELDS.get(target)
    if field is None:
        raise IdentityError("unknown_field", f"There is no field called {target!r}.")
    if field.kind == "scale":
        return _scale(value)
    if field.kind == "list":
        items = value if isinstance(value, list) else str(value or "").split(",")
        cleaned = [str(i).strip() for i in items if str(i).strip()]
        trouble = problem("".join(cleaned))
        if trouble:
            raise IdentityError(
                "bad_value", f"The {field.label.lower()} cannot be saved. {trouble}"
            )
        if len(cleaned) > MAX_LIST_ITEMS or len(", ".join(cleaned)) > field.max_length:
            raise IdentityError("too_long", f"The list of {field.label.lower()} is too long.")
        return cleaned
    return _text(
        value, field.max_length, field.label.lower(), allow_empty=field.kind == "long_text"
    )


def _text(value, max_length: int, name: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise IdentityError("bad_value", f"The {name} must be text.")
    if problem(value):
        raise IdentityError("bad_value", f"The {name} cannot be saved. {problem(value)}")
    text = " ".join(value.split()) if "\n" not in value else value.strip()
    if not text and not allow_empty:
        raise IdentityError("empty", f"The {name} cannot be empty.")
    if len(text) > max_length:
        raise IdentityError("too_long", f"The {name} can be at most {max_length} characters.")
    return text


def _scale(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 7 or str(value).strip() not in {str(number), f"{number}.0"}:
        raise IdentityError("bad_value", "Personality traits are whole numbers from 1 to 7.")
    return number


def ground_has_room(state: dict) -> bool:
    return len(state[COMMON_GROUND]) < COMMON_GROUND_MAX


def check_room(state: dict, target: str, after) -> None:
    """IdentityError if ``after`` would add a statement to a full common ground."""
    adding = target.startswith(COMMON_GROUND + ".") and after is not None
    if adding and get(state, target) is None and not ground_has_room(state):
        raise IdentityError(
            "ground_full",
            f"There can be at most {COMMON_GROUND_MAX} things we've established. "
            "Remove one before adding another.",
        )


def get(state: dict, target: str):
    if target == "*":
        return state
    if target.startswith(COMMON_GROUND + "."):
        return state[COMMON_GROUND].get(target.split(".", 1)[1])
    node = state
    for part in target.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def apply(state: dict, target: str, after) -> dict:
    """A new state with one revision applied; the given state is left untouched."""
    if target == "*":
        return copy.deepcopy(after)
    new = copy.deepcopy(state)
    if target.startswith(COMMON_GROUND + "."):
        entry = target.split(".", 1)[1]
        if after is None:
            new[COMMON_GROUND].pop(entry, None)
        else:
            new[COMMON_GROUND][entry] = after
        return new
    *path, leaf = target.split(".")
    node = new
    for part in path:
        node = node.setdefault(part, {})
    node[leaf] = after
    return new


def derive(revisions: Iterable[tuple[str, object]], base: dict | None = None) -> dict:
    """The state after applying ``(target, after)`` revisions in order."""
    state = base if base is not None else seed_state(None)
    for target, after in revisions:
        state = apply(state, target, after)
    return state


def show(value) -> str:
    if isinstance(value, list):
        return ", ".join(value) if value else "(none)"
    return "(none)" if value in (None, "") else str(value)


def describe(target: str, before, after) -> str:
    """One line a person can read: 'name: Mira → Nova', 'added: we use first names'."""
    if target == "*":
        return "the whole identity was reset to the study's starting point"
    if target.startswith(COMMON_GROUND):
        if before is None:
            return f"established: {after}"
        if after is None:
            return f"no longer established: {before}"
        return f"established: {before} → {after}"
    return f"{phrase(target)}: {show(before)} → {show(after)}"


def validate_persona(persona: dict) -> dict:
    """A whole persona checked field by field (for seeds and imported cards)."""
    if not isinstance(persona, dict):
        raise IdentityError("bad_value", "A persona must be a JSON object.")
    known = {f.target.split(".", 1)[1] for f in PERSONA_FIELDS if ".traits." not in f.target}
    unknown = set(persona) - known - {"traits"}
    if unknown:
        raise IdentityError(
            "unknown_field", f"Unknown persona fields: {', '.join(sorted(unknown))}."
        )
    traits = persona.get("traits") or {}
    if not isinstance(traits, dict) or set(traits) - set(BIG_FIVE):
        raise IdentityError("unknown_field", f"Traits must be some of: {', '.join(BIG_FIVE)}.")
    cleaned = normalise(persona)
    for field in PERSONA_FIELDS:
        value = get({"persona": cleaned}, field.target)
        set_to = validate(field.target, value)
        cleaned = apply({"persona": cleaned}, field.target, set_to)["persona"]
    return cleaned
