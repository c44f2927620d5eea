"""The persona schema: what a seed persona (and the agent part of every identity) holds, and
how one value is checked. Pure: no Django imports.

A persona is ``{"name", "role", "backstory", "register", "values": [...], "traits": {...}}``
with the Big Five traits as whole numbers from 1 to 7. Conditions seed identities from one;
the chat's identity (``chat.identity``) adds the partner model and the common ground.
"""

from __future__ import annotations

from typing import NamedTuple

from .errors import Refused
from .text import problem

BIG_FIVE = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
DEFAULT_PERSONA: dict = {
    "name": "Sam",
    "role": "a friendly conversation partner",
    "backstory": "",
    "traits": dict.fromkeys(BIG_FIVE, 4),
    "register": "casual",
    "values": [],
}
MAX_TEXT = 300
MAX_LIST_ITEMS = 8


class IdentityError(Refused):
    """A value or change the identity cannot take."""


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


def normalise(persona: dict | None) -> dict:
    """Fill what a seed persona leaves out, so prompts never meet a missing key."""
    merged = {**DEFAULT_PERSONA, **(persona or {})}
    merged["traits"] = {**DEFAULT_PERSONA["traits"], **(merged.get("traits") or {})}
    values = merged.get("values") or []
    if isinstance(values, str):  # "kindness, humour", as typed into a form
        values = [v.strip() for v in values.split(",") if v.strip()]
    merged["values"] = list(values)
    return merged


def clean(field: Field, value) -> object:
    """The value to store in ``field``, cleaned; IdentityError if it cannot be stored."""
    if field.kind == "scale":
        return _scale(value)
    if field.kind == "list":
        return _list(value, field)
    return text_value(
        value, field.max_length, field.label.lower(), allow_empty=field.kind == "long_text"
    )


def text_value(value, max_length: int, name: str, allow_empty: bool = False) -> str:
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


def _list(value, field: Field) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    cleaned = [str(i).strip() for i in items if str(i).strip()]
    trouble = problem("".join(cleaned))
    if trouble:
        raise IdentityError("bad_value", f"The {field.label.lower()} cannot be saved. {trouble}")
    if len(cleaned) > MAX_LIST_ITEMS or len(", ".join(cleaned)) > field.max_length:
        raise IdentityError("too_long", f"The list of {field.label.lower()} is too long.")
    return cleaned


def _scale(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 7 or str(value).strip() not in {str(number), f"{number}.0"}:
        raise IdentityError("bad_value", "Personality traits are whole numbers from 1 to 7.")
    return number


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
        *path, leaf = field.target.split(".")[1:]
        node = cleaned
        for part in path:
            node = node[part]
        node[leaf] = clean(field, node.get(leaf))
    return cleaned
