from __future__ import annotations

import json

import pytest

from chat.agent.cards import CardError, from_card, to_card
from studies.persona import validate_persona
from tests.base import PERSONA

FOREIGN = {
    "spec": "chara_card_v2",
    "spec_version": "2.0",
    "data": {
        "name": "Ada",
        "description": "Ada is a retired engineer. She builds clocks.",
        "personality": "dry wit",
        "tags": ["precision", "tea"],
        "extensions": {},
    },
}


def test_a_persona_survives_a_round_trip_through_a_card():
    card = to_card(PERSONA)
    assert card["spec"] == "chara_card_v2" and card["data"]["name"] == "Mira"
    assert card["data"]["first_mes"].startswith("Hi, I'm Mira")
    assert from_card(json.dumps(card)) == validate_persona(PERSONA)


def test_a_card_from_another_tool_is_mapped_field_by_field():
    persona = from_card(FOREIGN)
    assert (persona["name"], persona["role"]) == ("Ada", "a retired engineer")
    assert persona["backstory"] == "She builds clocks."
    assert persona["values"] == ["precision", "tea"]
    assert persona["traits"]["openness"] == 4


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not JSON"),
        (json.dumps({"spec": "chara_card_v3"}), "spec"),
        (json.dumps({"name": "V1 card"}), "spec"),
        (json.dumps({"spec": "chara_card_v2", "data": []}), "'name'"),
        (json.dumps({**FOREIGN, "data": {**FOREIGN["data"], "name": "N" * 61}}), "at most 60"),
        (
            json.dumps(
                {
                    "spec": "chara_card_v2",
                    "data": {
                        "name": "X",
                        "extensions": {"dyad": {"persona": {"name": "X", "traits": {"charm": 3}}}},
                    },
                }
            ),
            "Traits",
        ),
        ("[" * 100_000 + "]" * 100_000, "not JSON"),  # too deep for Python's json
        (json.dumps({**FOREIGN, "data": {**FOREIGN["data"], "extensions": [1]}}), "extensions"),
        (json.dumps({**FOREIGN, "data": {**FOREIGN["data"], "tags": 5}}), "tags"),
    ],
)
def test_bad_cards_are_refused_with_a_clear_message(raw, message):
    with pytest.raises(CardError, match=message):
        from_card(raw)
