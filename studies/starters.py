"""Starting points for a new study: the demo's two conditions and a three-session memory
study, as plain design data. Pure: no Django imports. ``services.designing.study_copy`` makes
a draft study from one (or from a copy of another study's design)."""

from __future__ import annotations

CONSENT = """This is a **demonstration** of Dyad. You will answer a short questionnaire about
an agent, chat with it for a few messages, and answer the questionnaire again.

- Your answers and messages are stored under a random code, never your name.
- You can stop at any time by closing the page.
"""
DEBRIEF = """Thank you. This demo studies how people and agents build a shared picture of
who they are. Half of the participants could see and edit that picture (and accept or reject
the agent's suggestions); for the other half it stayed hidden while the agent changed it."""

PERSONAS = {
    "co-construct": {
        "name": "Mira",
        "role": "a travel companion who loves small towns",
        "backstory": "Mira grew up in a harbour town and has planned trips for friends for years.",
        "traits": {
            "openness": 6,
            "conscientiousness": 5,
            "extraversion": 6,
            "agreeableness": 6,
            "neuroticism": 2,
        },
        "register": "casual",
        "values": ["curiosity", "kindness"],
    },
}

MEMORY_CONSENT = """In this study you will talk with an agent three times, on different
days. Before and after each conversation you answer a short questionnaire about it.

- Your answers and messages are stored under a random code, never your name.
- You can stop at any time.
"""
MEMORY_DEBRIEF = """Thank you. This study asks whether an agent that remembers what the two
of you established, across conversations, is seen differently from one that starts afresh
each time. Half of the participants talked with an agent that remembered; for the other half
it started from the same picture every time."""

FRAMING_CONSENT = """In this study you will chat for a few messages and answer a short
questionnaire about your chat partner before and after the chat.

- Your answers and messages are stored under a random code, never your name.
- You can stop at any time.
"""
FRAMING_DEBRIEF = """Thank you. This study asks whether what people are told about their chat
partner (an AI agent, or another participant) changes how human-like, competent and flexible
the partner seems. Half of the participants were told one, half the other."""
FRAMING_REVEAL = """**Your chat partner was not another participant.** Every reply came from
a computer program, an AI agent, and was held back to appear at a person's typing speed. We
told you otherwise because people may see a partner differently when they believe it is a
person, and that difference is what this study measures. We are sorry for misleading you.

Everything else you were told was true."""
PERSONAS["framing"] = {
    "name": "Alex",
    "role": "a friendly person who likes a good conversation",
    "backstory": "Alex lives in a mid-sized city and enjoys walking, cooking and books.",
    "traits": {
        "openness": 5,
        "conscientiousness": 5,
        "extraversion": 5,
        "agreeableness": 6,
        "neuroticism": 3,
    },
    "register": "casual",
    "values": ["honesty", "curiosity"],
}
# Human pace in both conditions, so the framing is the only difference (and the deception:
# the person framing is untrue, so it is revealed, and participants choose again).
HUMAN_PACE = {
    "reply_pacing": "human",
    "pacing_wpm": 40,
    "pacing_jitter": 25,
    "pacing_read_seconds": 2.0,
    "pacing_indicator": True,
}

STARTERS = {
    "demo": {
        # The conditions differ only in what the study manipulates (the panel and who may
        # write to it): the same seed persona in both, or the persona would be confounded.
        "label": "The demo: a visible, editable panel against a hidden one",
        "study": {
            "consent_text": CONSENT,
            "debrief_text": DEBRIEF,
            "min_participant_turns": 3,
            "instructions_text": (
                "Chat with the agent. If you can see the panel, you can change who the agent "
                'is; try telling it "be more playful" or "call yourself Nova". After 3 '
                "messages you can finish."
            ),
        },
        "conditions": [
            {
                "name": "co-construct",
                "panel_visibility": "editable",
                "agent_writes": "propose",
                "memory": "carry",
                "seed_persona": PERSONAS["co-construct"],
            },
            {
                "name": "hidden",
                "panel_visibility": "hidden",
                "agent_writes": "silent",
                "memory": "carry",
                "seed_persona": PERSONAS["co-construct"],
            },
        ],
    },
    "memory": {
        "label": "Memory across three sessions: carried over against reset to the seed",
        "study": {
            "consent_text": MEMORY_CONSENT,
            "debrief_text": MEMORY_DEBRIEF,
            "sessions_per_participant": 3,
            "min_gap_hours": 20,
            "min_participant_turns": 5,
            "instructions_text": (
                "Talk with the agent about anything you like. The panel shows who the agent "
                "is and what you have established together; you can change it."
            ),
        },
        "conditions": [
            {
                "name": "remembers",
                "panel_visibility": "editable",
                "agent_writes": "propose",
                "memory": "carry",
                "seed_persona": PERSONAS["co-construct"],
            },
            {
                "name": "forgets",
                "panel_visibility": "editable",
                "agent_writes": "propose",
                "memory": "reset",
                "seed_persona": PERSONAS["co-construct"],
            },
        ],
    },
    "framing": {
        "label": "Partner framing: told it is an AI agent against told it is another "
        "participant (a deception, revealed), human-paced replies in both",
        "study": {
            "consent_text": FRAMING_CONSENT,
            "debrief_text": FRAMING_DEBRIEF,
            "min_participant_turns": 3,
            "instructions_text": "Chat with your partner. After 3 messages you can finish.",
        },
        "conditions": [
            {
                "name": "told-ai",
                "panel_visibility": "hidden",
                "agent_writes": "silent",
                "memory": "carry",
                "seed_persona": PERSONAS["framing"],
                "partner_framing": "ai",
                **HUMAN_PACE,
            },
            {
                "name": "told-person",
                "panel_visibility": "hidden",
                "agent_writes": "silent",
                "memory": "carry",
                "seed_persona": PERSONAS["framing"],
                "partner_framing": "person",
                "deceptive": True,
                "reveal_text": FRAMING_REVEAL,
                **HUMAN_PACE,
            },
        ],
    },
    "wizard": {
        "label": "A Wizard-of-Oz pilot: a researcher writes the agent's replies",
        "study": {
            "consent_text": CONSENT,
            "debrief_text": (
                "Thank you. In this study the agent's replies were written, or approved, by a "
                "member of the research team, to learn what an ideal agent would do."
            ),
            "min_participant_turns": 3,
            "instructions_text": "Chat with the agent. After 3 messages you can finish.",
        },
        "conditions": [
            {
                "name": "wizard",
                "panel_visibility": "editable",
                "agent_writes": "propose",
                "memory": "carry",
                "agent_backend": "wizard",
                "wizard_drafts": True,
                "wizard_timeout_seconds": 90,
                "seed_persona": PERSONAS["co-construct"],
            },
        ],
    },
}
