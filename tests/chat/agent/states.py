"""Two agents' identity states the agent's tests talk to: casual Mira and formal Quill."""

from __future__ import annotations

from chat.identity import seed_state

MIRA = seed_state(
    {
        "name": "Mira",
        "role": "a travel companion",
        "backstory": "Grew up by the sea.",
        "register": "casual",
        "traits": {"extraversion": 6},
        "values": ["curiosity"],
    }
)


QUILL = seed_state(
    {
        "name": "Quill",
        "role": "a study assistant",
        "register": "formal",
        "traits": {"extraversion": 2},
    }
)
