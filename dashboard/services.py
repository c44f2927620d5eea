"""Writes of the researcher's tools that reach across apps: seed personas as Character
Cards."""

from __future__ import annotations

import json

from chat.agent.cards import CardError, from_card, to_card


def condition_card_export(*, condition) -> str:
    return json.dumps(to_card(condition.seed_persona), indent=2, ensure_ascii=False)


def condition_card_import(*, condition, raw) -> dict:
    """Replace a condition's seed persona with the one in a Character Card V2.

    Refused (CardError) for a published study or a condition with participants: their
    identities were seeded from the old persona, and changing it silently would mix two
    designs in one data set.
    """
    persona = from_card(raw)
    if condition.study.is_frozen() or condition.participants.exists():
        raise CardError("This study's design is frozen (published, or with participants).")
    condition.seed_persona = persona
    condition.save(update_fields=["seed_persona"])
    return persona
