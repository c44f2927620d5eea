"""The dyad's shared identity as plain data. Pure: no Django imports.

The persona part follows the persona schema of ``studies.persona`` (conditions seed from it);
this module adds the partner model and the common ground, and applies revisions.

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

from studies.persona import (
    PERSONA_FIELDS,
    Field,
    IdentityError,
    clean,
    normalise,
    text_value,
)
from studies.words import _, gettext_noop

ENTRY_ID = re.compile(r"[a-z0-9]{1,12}")  # used with fullmatch: "$" allows a final newline
PARTNER_FIELDS = (
    Field(
        "partner.name",
        gettext_noop("Name you go by"),
        gettext_noop("the name you go by"),
        "text",
        60,
    ),
    Field(
        "partner.about",
        gettext_noop("About you"),
        gettext_noop("what the agent knows about you"),
        "long_text",
        500,
    ),
    Field(
        "partner.interests", gettext_noop("Interests"), gettext_noop("your interests"), "list", 200
    ),
    Field(
        "partner.style",
        gettext_noop("How you like to talk"),
        gettext_noop("how you like to talk"),
        "text",
        160,
    ),
)
STATEMENT = gettext_noop("Statement")  # one thing established, as the panel names it
FIELDS = {f.target: f for f in PERSONA_FIELDS + PARTNER_FIELDS}
COMMON_GROUND = "common_ground"
STATEMENT_MAX = 240
# Enough for what two people establish in a study session, few enough to read at a glance
# and to keep the agent's prompt short.
COMMON_GROUND_MAX = 20


def seed_state(persona: dict | None) -> dict:
    partner = {"name": "", "about": "", "interests": [], "style": ""}
    return {"persona": normalise(persona), "partner": partner, "common_ground": {}}


def phrase(target: str) -> str:
    """The field in a sentence ("the agent's name"), in the active language."""
    if target.startswith(COMMON_GROUND):
        return _("what we've established")
    return _(FIELDS[target].phrase) if target in FIELDS else target


def validate(target: str, value) -> object:
    """The value to store for ``target``, cleaned; IdentityError if it cannot be stored."""
    if target.startswith(COMMON_GROUND + "."):
        entry = target.split(".", 1)[1]
        if not ENTRY_ID.fullmatch(entry):
            raise IdentityError("unknown_field", f"There is no field called {target!r}.")
        return None if value is None else text_value(value, STATEMENT_MAX, STATEMENT)
    field = FIELDS.get(target)
    if field is None:
        raise IdentityError("unknown_field", f"There is no field called {target!r}.")
    return clean(field, value)


def ground_has_room(state: dict) -> bool:
    return len(state[COMMON_GROUND]) < COMMON_GROUND_MAX


def check_room(state: dict, target: str, after) -> None:
    """IdentityError if ``after`` would add a statement to a full common ground."""
    adding = target.startswith(COMMON_GROUND + ".") and after is not None
    if adding and get(state, target) is None and not ground_has_room(state):
        message = _(
            "There can be at most %(count)s things we've established. "
            "Remove one before adding another."
        )
        raise IdentityError("ground_full", message % {"count": COMMON_GROUND_MAX})


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
        return ", ".join(value) if value else _("(none)")
    return _("(none)") if value in (None, "") else str(value)


def describe(target: str, before, after) -> str:
    """One line a person can read ("the agent's name: Mira → Nova", "established: we use
    first names"), in the active language."""
    if target == "*":
        return _("the whole identity was reset to the study's starting point")
    if target.startswith(COMMON_GROUND):
        if before is None:
            return _("established: %(value)s") % {"value": after}
        if after is None:
            return _("no longer established: %(value)s") % {"value": before}
        return _("established: %(value)s") % {"value": f"{before} → {after}"}
    return f"{phrase(target)}: {show(before)} → {show(after)}"
