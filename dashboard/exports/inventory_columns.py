"""The agent's personality inventory's files: agent_inventory.csv (one row per item the agent
answered after a session) and agent_traits.csv (one row per Big Five trait of each session,
scored from those answers). Pure: no Django imports. docs/data.md ("The agent's personality
inventory") defines the scoring and its limits."""

from __future__ import annotations

from chat.agent.inventory import INVENTORY, ITEMS

from .columns import Column, Table, at, by_session, who

INVENTORY_COLUMN = Column(
    "inventory",
    "string",
    "The inventory the agent answered.",
    ((INVENTORY, "the Mini-IPIP, 20 items (Donnellan et al., 2006; ipip.ori.org, public domain)"),),
    required=True,
)
TRAIT = Column(
    "trait",
    "string",
    "The persona's Big Five trait the item measures.",
    (
        ("openness", "openness (the Mini-IPIP's Intellect/Imagination)"),
        ("conscientiousness", "conscientiousness"),
        ("extraversion", "extraversion"),
        ("agreeableness", "agreeableness"),
        ("neuroticism", "neuroticism"),
    ),
    required=True,
)
VERSION = Column("identity_version", "integer", "The identity the agent answered from.", minimum=1)
EXPLORATORY = " A model's self-report, not its behaviour; not validated for language models."


def agent_inventory_table(c: Column) -> Table:
    return Table(
        "agent_inventory.csv",
        "One row per inventory item the agent answered after a session, out of band, in its "
        "identity (never shown to the participant, never in the transcript)." + EXPLORATORY,
        (
            *who(c),
            INVENTORY_COLUMN,
            Column(
                "item",
                "integer",
                "The item's number in the inventory.",
                required=True,
                minimum=1,
                maximum=len(ITEMS),
            ),
            TRAIT,
            Column(
                "keyed",
                "string",
                "How the item is keyed.",
                (
                    ("plus", "IPIP's + keyed: keyed_score = score"),
                    ("minus", "IPIP's - keyed (reversed): keyed_score = 6 - score"),
                ),
                required=True,
            ),
            Column("question", "string", "The item as it was put to the agent.", required=True),
            Column("answer", "string", "The agent's answer as it wrote it."),
            Column(
                "score",
                "integer",
                "The answer's 1-5 (1 = very inaccurate, 5 = very accurate), read as "
                "docs/data.md says; empty when it names no single value.",
                minimum=1,
                maximum=5,
            ),
            Column(
                "keyed_score",
                "integer",
                "The score, reversed for a minus-keyed item.",
                minimum=1,
                maximum=5,
            ),
            VERSION,
            Column("backend", "string", "The agent's backend (scripted, openai)."),
            Column("model", "string", "The model that answered, as the endpoint named it."),
            Column("prompt_hash", "string", "SHA-256 of the exact messages sent."),
            at("answered_at", "When the answer was stored", True),
        ),
        ("participant", "session", "inventory", "item"),
        (by_session(),),
    )


def agent_traits_table(c: Column) -> Table:
    return Table(
        "agent_traits.csv",
        "One row per Big Five trait of each session whose agent answered the inventory: the "
        "trait as measured from agent_inventory.csv against the trait the persona set."
        + EXPLORATORY,
        (
            *who(c),
            INVENTORY_COLUMN,
            TRAIT,
            VERSION,
            Column("items", "integer", "The trait's items with a score.", minimum=0, maximum=4),
            Column(
                "measured",
                "number",
                "Mean keyed_score of those items (1-5); empty with none.",
                minimum=1,
                maximum=5,
            ),
            Column(
                "measured_on_7",
                "number",
                "measured on the persona's 1-7 scale: 1 + (measured - 1) * 1.5.",
                minimum=1,
                maximum=7,
            ),
            Column(
                "set",
                "integer",
                "The persona's trait (1-7) in the identity the agent answered from.",
                minimum=1,
                maximum=7,
            ),
            Column(
                "difference",
                "number",
                "measured_on_7 - set: 0 = the agent describes itself as set.",
                minimum=-6,
                maximum=6,
            ),
        ),
        ("participant", "session", "inventory", "trait"),
        (by_session(),),
    )
