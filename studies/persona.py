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
from .words import _, gettext_noop

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


# Labels and phrases are marked for translation; the panel and notes translate them (``_``).
TRAIT_WORDS = {
    "openness": (gettext_noop("Openness"), gettext_noop("the agent's openness")),
    "conscientiousness": (
        gettext_noop("Conscientiousness"),
        gettext_noop("the agent's conscientiousness"),
    ),
    "extraversion": (gettext_noop("Extraversion"), gettext_noop("the agent's extraversion")),
    "agreeableness": (gettext_noop("Agreeableness"), gettext_noop("the agent's agreeableness")),
    "neuroticism": (gettext_noop("Neuroticism"), gettext_noop("the agent's neuroticism")),
}
PERSONA_FIELDS = (
    Field("persona.name", gettext_noop("Name"), gettext_noop("the agent's name"), "text", 60),
    Field("persona.role", gettext_noop("Role"), gettext_noop("the agent's role"), "text", 160),
    Field(
        "persona.backstory",
        gettext_noop("Backstory"),
        gettext_noop("the agent's backstory"),
        "long_text",
        1000,
    ),
    Field(
        "persona.register",
        gettext_noop("Way of talking"),
        gettext_noop("the agent's way of talking"),
        "text",
        80,
    ),
    Field(
        "persona.values", gettext_noop("Values"), gettext_noop("the agent's values"), "list", 200
    ),
    *(Field(f"persona.traits.{t}", *TRAIT_WORDS[t], "scale") for t in BIG_FIVE),
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
    return text_value(value, field.max_length, field.label, allow_empty=field.kind == "long_text")


def text_value(value, max_length: int, label: str, allow_empty: bool = False) -> str:
    """``label``: what the value is, as the panel names it (translated here)."""
    name = _(label)
    if not isinstance(value, str):
        raise IdentityError("bad_value", _("%(name)s must be text.") % {"name": name})
    if problem(value):
        message = _("%(name)s cannot be saved.") % {"name": name}
        raise IdentityError("bad_value", f"{message} {problem(value)}")
    text = " ".join(value.split()) if "\n" not in value else value.strip()
    if not text and not allow_empty:
        raise IdentityError("empty", _("%(name)s cannot be empty.") % {"name": name})
    if len(text) > max_length:
        message = _("%(name)s can be at most %(count)s characters.")
        raise IdentityError("too_long", message % {"name": name, "count": max_length})
    return text


def _list(value, field: Field) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    cleaned = [str(i).strip() for i in items if str(i).strip()]
    trouble = problem("".join(cleaned))
    name = _(field.label)
    if trouble:
        message = _("%(name)s cannot be saved.") % {"name": name}
        raise IdentityError("bad_value", f"{message} {trouble}")
    if len(cleaned) > MAX_LIST_ITEMS or len(", ".join(cleaned)) > field.max_length:
        raise IdentityError("too_long", _("%(name)s: the list is too long.") % {"name": name})
    return cleaned


def _scale(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # JSON's 1e999 is infinity
        number = 0
    if not 1 <= number <= 7 or str(value).strip() not in {str(number), f"{number}.0"}:
        raise IdentityError("bad_value", _("Personality traits are whole numbers from 1 to 7."))
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
