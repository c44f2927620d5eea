"""The measures' files: co_construction.csv (one row per scored session), uptake.csv (one row
per change that took effect), agent_consistency.csv (one row per agent reply and per Q&A
probe) and drift_validation.csv (the same rows of pilots, against the drift they planted).
Pure: no Django imports. docs/data.md defines every measure and its limits."""

from __future__ import annotations

from ..validation import RULES
from .columns import Column, Table, at, by_session, who

COARSE = " Offline and coarse (docs/data.md)."
SIMILARITY = {"minimum": 0, "maximum": 1}
JUDGED = {"minimum": 1, "maximum": 7}


def _count(name: str, what: str) -> Column:
    return Column(name, "integer", what, minimum=0)


def _proposals(by: str) -> list[Column]:
    made = _count(f"proposals_{by}", f"Proposals the {by} made in the session.")
    return [made] + [
        _count(f"proposals_{by}_{outcome}", f"Proposals of the {by}'s {outcome} in the session.")
        for outcome in ("accepted", "rejected", "expired")
    ]


PROVENANCE = (
    at("scored_at", "When the session was scored (the newest scoring is exported)", True),
    Column("scorer", "string", "Version of Dyad's offline measures.", required=True),
    Column("judge_model", "string", "The LLM judge's model, where the study named a judge."),
    Column("judge_prompt_hash", "string", "SHA-256 of the judge's rubric (docs/data.md)."),
)

MEASURES = (
    *(
        _count(
            f"revisions_{a}",
            f"Changes by the {a} that took effect (a proposal counts for "
            "its proposer once accepted).",
        )
        for a in ("participant", "agent", "researcher", "system")
    ),
    *(
        _count(f"revisions_{p}", f"Changes to the {p.replace('_', ' ')} that took effect.")
        for p in ("persona", "partner", "common_ground")
    ),
    *_proposals("participant"),
    *_proposals("agent"),
    Column(
        "first_participant_edit_turn",
        "integer",
        "Transcript turn after which the participant first changed or proposed a change "
        "(settling the agent's proposal is not one; turns count every message from 1, the "
        "agent's greeting); empty if they never did.",
        minimum=0,
    ),
    _count("common_ground_start", "Statements established when the session started."),
    _count("common_ground_end", "Statements established when it ended."),
    _count("common_ground_max", "Most statements established at once during the session."),
    Column(
        "common_ground_by_turn",
        "array",
        "Common-ground size over the session (JSON): [turn, statements] at the start (turn "
        "0) and after each change to it, e.g. [[0, 1], [4, 2], [9, 1]].",
    ),
    Column(
        "persona_big_five_distance",
        "number",
        "Euclidean distance between the seed persona's Big Five (1-7 each) and the persona's "
        "at the session's end; 0 = unchanged, at most 13.4.",
        minimum=0,
    ),
    *(
        _count(
            f"persona_edit_distance_{f}",
            f"Characters changed in the persona's {f} since the "
            "seed (Levenshtein distance; a list is compared as its items joined by ', ').",
        )
        for f in ("name", "role", "backstory", "register", "values")
    ),
    _count("carried_in", "Identity fields that differed from the seed when the session began."),
    _count("changed_in_session", "Identity fields that differ between its start and end."),
    _count("previous_changes", "Fields the previous session changed (empty for session 1)."),
    _count(
        "carried_from_previous",
        "Of previous_changes, how many still held the previous session's value when this "
        "one began (empty for session 1).",
    ),
    _count("uptake_changes", "Changes that took effect in the session (see uptake.csv)."),
    _count(
        "uptake_observable",
        "Of those, changes a later reply saw whose new value can be said in words.",
    ),
    _count("uptake_taken_up", "Of uptake_observable, changes some later reply reflected." + COARSE),
    Column("uptake_rate", "number", "uptake_taken_up / uptake_observable.", **SIMILARITY),
    Column(
        "uptake_mean_replies",
        "number",
        "Mean replies until a taken-up change was first reflected (1 = the next reply).",
        minimum=1,
    ),
    _count(
        "uptake_old_value_changes",
        "Changes after which a reply still used the old value (and not the new one).",
    ),
    _count("replies", "Agent replies in the session (the greeting not counted)."),
    Column(
        "prompt_to_line_mean",
        "number",
        "Mean prompt-to-line similarity of the replies (agent_consistency.csv)." + COARSE,
        **SIMILARITY,
    ),
    Column(
        "line_to_line_mean",
        "number",
        "Mean line-to-line similarity of consecutive replies." + COARSE,
        **SIMILARITY,
    ),
    _count("contradictions_persona", "Replies that contradict the persona's name or age."),
    _count("contradictions_line", "Replies that give a name an earlier reply did not."),
    _count("qa_probes", "Q&A probes the identity holds an answer to."),
    Column("qa_mean", "number", "Mean Q&A consistency of those probes." + COARSE, **SIMILARITY),
    Column("judge_prompt_to_line_mean", "number", "Mean judge score, prompt-to-line.", **JUDGED),
    Column("judge_line_to_line_mean", "number", "Mean judge score, line-to-line.", **JUDGED),
    Column("judge_qa_mean", "number", "Mean judge score of the Q&A answers.", **JUDGED),
)
MEASURE_NAMES = tuple(c.name for c in MEASURES)


def co_construction_table(c: Column) -> Table:
    return Table(
        "co_construction.csv",
        "One row per scored session (finished sessions are scored when they end): who "
        "changed the identity, what became of proposals, how far the persona moved and what "
        "carried over, uptake and drift.",
        (*who(c), *PROVENANCE, *MEASURES),
        ("participant", "session"),
        (by_session(),),
    )


def uptake_table(c: Column) -> Table:
    return Table(
        "uptake.csv",
        "One row per change to the identity that took effect in a scored session: did the "
        "agent's later replies reflect the new value, and after how many replies?" + COARSE,
        (
            *who(c),
            Column("revision", "integer", "The change's row in revisions.csv.", required=True),
            Column("target", "string", "Field changed (as in revisions.csv).", required=True),
            Column("author", "string", "Who made or proposed it.", required=True),
            Column("decided_by", "string", "Who accepted it, for an accepted proposal."),
            Column("turn", "integer", "The last transcript turn before it.", minimum=0),
            Column(
                "observable",
                "boolean",
                "false when the new value is not something a reply says in words (a 1-7 "
                "trait, a removal).",
                required=True,
            ),
            _count("replies_after", "Later replies that saw it, until the field changed again."),
            Column(
                "taken_up",
                "boolean",
                "Whether one of those replies reflected the new value; empty when not "
                "observable or no reply saw it.",
            ),
            Column("replies_to_uptake", "integer", "Which reply first did (1 = next).", minimum=1),
            Column("uptake_turn", "integer", "That reply's turn.", minimum=1),
            _count("old_value_replies", "Replies that used the old value and not the new one."),
            at("scored_at", "When the session was scored", True),
        ),
        ("participant", "session", "revision"),
        (by_session(),),
    )


ITEM = Column("item", "integer", "Order within the session, from 1.", required=True)
KIND = Column(
    "kind",
    "string",
    "What the row scores.",
    (("reply", "a reply in the chat"), ("probe", "an answer to a Q&A probe")),
    required=True,
)
TURN = Column("turn", "integer", "Replies: the transcript turn.", minimum=1)
PROBE = Column("probe", "string", "Probes: which question (docs/data.md).")


def agent_consistency_table(c: Column) -> Table:
    return Table(
        "agent_consistency.csv",
        "One row per agent reply and per Q&A probe of a scored session (probes are asked "
        "after the session, never shown to the participant).",
        (
            *who(c),
            ITEM,
            KIND,
            TURN,
            PROBE,
            Column("question", "string", "Probes: the question as asked."),
            Column("text", "string", "The reply, or the answer to the probe."),
            Column("expected", "string", "Probes: what the identity holds (items joined by ; )."),
            Column("identity_version", "integer", "The identity the agent was given.", minimum=0),
            Column(
                "prompt_to_line",
                "number",
                "Replies: similarity to that identity." + COARSE,
                **SIMILARITY,
            ),
            Column(
                "line_to_line",
                "number",
                "Replies: similarity to the previous reply." + COARSE,
                **SIMILARITY,
            ),
            Column("qa", "number", "Probes: agreement with the identity." + COARSE, **SIMILARITY),
            Column("claimed_name", "string", "The name the text gives the agent, if any."),
            Column(
                "contradicts_persona",
                "string",
                "What it contradicts, e.g. name: Bob (persona: Mira); empty if nothing.",
            ),
            Column("contradicts_line", "string", "Replies: a name an earlier reply did not give."),
            Column("judge_prompt_to_line", "integer", "Replies: the judge's 1-7.", **JUDGED),
            Column(
                "judge_line_to_line",
                "integer",
                "Replies: the judge's 1-7 against the previous reply.",
                **JUDGED,
            ),
            Column("judge_qa", "integer", "Probes: the judge's 1-7.", **JUDGED),
            Column("judge_reason", "string", "The judge's reasons, one per score, joined by | ."),
            *PROVENANCE,
        ),
        ("participant", "session", "item"),
        (by_session(),),
    )


def _flag(rule) -> Column:
    other = "probe" if rule.kind == "reply" else "reply"
    return Column(
        f"flag_{rule.key}",
        "boolean",
        f"{rule.label}: true when {rule.rule}; empty for a {other}, or where the measure "
        "is empty (the first reply's line-to-line, a probe the identity holds nothing for, "
        "no judge).",
    )


def drift_validation_table(c: Column) -> Table:
    return Table(
        "drift_validation.csv",
        "One row per agent reply and Q&A probe of a pilot's scored session (simulated "
        "participants only): the drift the pilot planted in it, if any, and whether each "
        "drift measure flagged it; sensitivity and specificity follow (docs/data.md). The "
        "scores themselves are in agent_consistency.csv, on the same participant, session "
        "and item.",
        (
            *who(c),
            ITEM,
            KIND,
            TURN,
            PROBE,
            Column(
                "drift_rate",
                "number",
                "The pilot's planted drift: each reply's and probe answer's chance to drift.",
                minimum=0,
                maximum=1,
            ),
            Column(
                "planted",
                "boolean",
                "true when the offline agent drifted here on purpose (the planted truth).",
                required=True,
            ),
            Column(
                "planted_kind",
                "string",
                "How it drifted.",
                (
                    ("contradicts", "it said something its identity contradicts"),
                    ("forgets", "it forgot something the identity holds"),
                ),
            ),
            Column("planted_target", "string", "The identity field, e.g. persona.name."),
            Column("planted_said", "string", "What it said instead; empty when it forgot."),
            Column("planted_truth", "string", "What the identity held (items joined by ; )."),
            *(_flag(rule) for rule in RULES),
            at("scored_at", "When the session was scored", True),
        ),
        ("participant", "session", "item"),
        (
            by_session(),
            (
                ("participant", "session", "item"),
                "agent_consistency.csv",
                ("participant", "session", "item"),
            ),
        ),
    )
