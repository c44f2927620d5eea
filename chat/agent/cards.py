"""Seed personas as Character Card V2 JSON (spec "chara_card_v2"). Pure: no Django imports.

Export fills the card's prose fields from the persona and keeps the structured persona in
``data.extensions.dyad``, so a Dyad -> card -> Dyad round trip is lossless. Import reads that
extension when present; a card from another tool is mapped field by field (name; description
as backstory; tags as values) and the rest takes Dyad's defaults.
"""

from __future__ import annotations

import json
import re

from studies.persona import BIG_FIVE, IdentityError, normalise, validate_persona

from ..identity import seed_state
from .persona import describe, greeting

SPEC = "chara_card_v2"
SCHEMA_VERSION = 1


class CardError(ValueError):
    pass


def to_card(persona: dict) -> dict:
    p = normalise(persona)
    traits = ", ".join(f"{t} {p['traits'][t]}/7" for t in BIG_FIVE)
    personality = f"Big Five (1-7): {traits}. Speaks in a {p['register']} register."
    if p["values"]:
        personality += f" Values: {', '.join(p['values'])}."
    return {
        "spec": SPEC,
        "spec_version": "2.0",
        "data": {
            "name": p["name"],
            "description": f"{p['name']} is {p['role']}. {p['backstory']}".strip(),
            "personality": personality,
            "scenario": "",
            "first_mes": greeting(seed_state(p)),
            "mes_example": "",
            "creator_notes": "Exported from Dyad; the structured persona is in extensions.dyad.",
            "system_prompt": describe(p),
            "post_history_instructions": "",
            "alternate_greetings": [],
            "tags": list(p["values"]),
            "creator": "Dyad",
            "character_version": "1",
            "extensions": {"dyad": {"schema": SCHEMA_VERSION, "persona": p}},
        },
    }


def from_card(raw: str | bytes | dict) -> dict:
    """The persona in a Character Card V2; CardError saying what is wrong otherwise."""
    card = _load(raw)
    if not isinstance(card, dict) or card.get("spec") != SPEC:
        raise CardError("Not a Character Card V2: its 'spec' must be 'chara_card_v2'.")
    data = card.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise CardError("The card's 'data' must be an object with a 'name'.")
    extensions = data.get("extensions") or {}
    if not isinstance(extensions, dict):
        raise CardError("The card's 'extensions' must be an object.")
    if not isinstance(data.get("tags") or [], list):
        raise CardError("The card's 'tags' must be a list.")
    extension = extensions.get("dyad") or {}
    persona = extension.get("persona") if isinstance(extension, dict) else None
    try:
        return validate_persona(persona if persona is not None else _mapped(data))
    except IdentityError as error:
        raise CardError(f"The card's persona is not valid: {error.message}") from None


def _load(raw):
    if isinstance(raw, dict):
        return raw
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested too deep: not ours
        raise CardError("The file is not JSON.") from None


def _mapped(data: dict) -> dict:
    name = data["name"].strip()
    description = str(data.get("description") or "").strip()
    role_match = re.match(rf"{re.escape(name)} is ([^.]{{1,160}})\.\s*", description)
    role = role_match.group(1) if role_match else "a conversation partner"
    backstory = description[role_match.end() :] if role_match else description
    tags = [str(t) for t in data.get("tags") or [] if str(t).strip()][:8]
    return {"name": name, "role": role, "backstory": backstory, "values": tags}
