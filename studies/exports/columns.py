"""What every exported file holds, column by column. Pure: no Django imports.

The codebook, the Frictionless datapackage.json and the CSV headers are all built from these
definitions, so they cannot disagree with the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from chat.identity import PARTNER_FIELDS, PERSONA_FIELDS
from questionnaires import pmq

SCORING_RULE = (
    "Dyad's documented convention: the raw position is stored (1 = left end, 7 = right end) "
    "with the side of the positive pole; the score is recoded so that 7 = the positive pole "
    "(an item whose positive pole was on the left scores 8 - raw, otherwise raw); a factor "
    "score is the mean of its items' scores (CCD 9 items, HLC 6, CF 3); 'overall' is the mean "
    "of all 18 items and is exploratory; a change score is post - pre for the same session."
)
SCALE = "7-point semantic differential; scores run from 1 (negative pole) to 7 (positive pole)"


class Column(NamedTuple):
    name: str
    type: str  # a Frictionless field type: string, integer, number, boolean, datetime, ...
    description: str
    values: tuple[tuple[str, str], ...] = ()  # allowed values with their meaning
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    pmq: dict | None = None  # the instrument's facts for PMQ columns


class Table(NamedTuple):
    name: str  # file name
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    references: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def types(self) -> list[str]:
        return [c.type for c in self.columns]


def _participant() -> Column:
    return Column(
        "participant",
        "string",
        "Pseudonymous participant code (P- and 8 characters): the only participant identifier "
        "in these files.",
        required=True,
    )


def _condition(names: Sequence[str]) -> Column:
    return Column(
        "condition",
        "string",
        "Experimental condition, assigned at consent.",
        values=tuple((n, "a condition of this study") for n in names),
    )


def _session(required: bool = True) -> Column:
    return Column("session", "integer", "Session number, 1 = first.", required=required, minimum=1)


def _timepoint() -> Column:
    return Column(
        "timepoint",
        "string",
        "When the PMQ was answered.",
        values=(("pre", "before the session"), ("post", "after the session")),
        required=True,
    )


def _at(name: str, what: str, required: bool = False) -> Column:
    return Column(name, "datetime", f"{what} (ISO 8601, UTC).", required=required)


def _factor_columns(suffix: str, what: str, low: float, high: float) -> tuple[Column, ...]:
    factors = {
        "ccd": "CCD, communicative competence and dependability (9 items)",
        "hlc": "HLC, human-likeness in communication (6 items)",
        "cf": "CF, communicative flexibility (3 items)",
        "overall": "overall mean of all 18 items (exploratory)",
    }
    return tuple(
        Column(
            f"{code}{suffix}",
            "number",
            f"{what}: {label}.",
            minimum=low,
            maximum=high,
            pmq={"factor": code.upper(), "scale": SCALE, "scoring": SCORING_RULE},
        )
        for code, label in factors.items()
    )


PROGRESS = (
    ("entered", "opened the study link, has not answered the consent form"),
    ("declined", "declined consent; nothing else is stored"),
    ("in_progress", "consented, has not finished every session"),
    ("completed", "finished every session and questionnaire"),
)
SENDERS = (
    ("participant", "written by the participant"),
    ("agent", "the agent's reply (turn 1 of a session is its greeting)"),
    ("system", "a note from Dyad shown in the transcript, e.g. an announced change"),
)
AUTHORS = (
    ("participant", "the participant, in the identity panel"),
    ("agent", "the agent, in a reply"),
    ("researcher", "a researcher"),
    ("system", "Dyad: the seed from the condition, or a reset at the start of a session"),
)
STATUSES = (
    ("applied", "a change made directly"),
    ("proposed", "a suggested change; its outcome is on the row that resolves it"),
    ("accepted", "resolves a proposal: accepted, and applied"),
    ("rejected", "resolves a proposal: rejected"),
    ("expired", "resolves a proposal: still open when its session ended"),
)


def _identity_columns() -> tuple[Column, ...]:
    kinds = {"text": "string", "long_text": "string", "scale": "integer", "list": "array"}
    columns = []
    for field in PERSONA_FIELDS + PARTNER_FIELDS:
        scale = field.kind == "scale"
        columns.append(
            Column(
                field.target.replace(".", "_"),
                kinds[field.kind],
                f"{field.label} ({field.target})"
                + ("; a whole number from 1 to 7." if scale else "")
                + ("; a JSON list of text." if field.kind == "list" else "."),
                minimum=1 if scale else None,
                maximum=7 if scale else None,
            )
        )
    columns.append(
        Column(
            "common_ground",
            "object",
            "What both hold as established: a JSON object of statement id -> statement.",
        )
    )
    return tuple(columns)


def analysis_tables(conditions: Sequence[str]) -> tuple[Table, ...]:
    """Every file of the analysis ZIP but the codebook and datapackage, in ZIP order."""
    p, c = _participant(), _condition(conditions)
    by_session = (("participant", "session"), "sessions.csv", ("participant", "session"))
    by_participant = (("participant",), "participants.csv", ("participant",))
    return (
        Table(
            "participants.csv",
            "One row per participant who entered (researchers' previews and withdrawn "
            "participants are never included).",
            (
                p,
                c,
                Column(
                    "design_hash",
                    "string",
                    "SHA-256 of the study design version the participant entered under.",
                ),
                Column(
                    "design_version",
                    "integer",
                    "Number of that design version (1 = as first published).",
                    minimum=1,
                ),
                Column("progress", "string", "How far they got.", PROGRESS, required=True),
                Column("sessions_finished", "integer", "Chat sessions finished.", required=True),
                _at("entered_at", "Opened the study link", required=True),
                _at("consented_at", "Gave consent"),
                _at("declined_at", "Declined consent"),
                _at("completed_at", "Finished the study"),
            ),
            ("participant",),
        ),
        Table(
            "sessions.csv",
            "One row per chat session.",
            (
                p,
                c,
                _session(),
                Column(
                    "status",
                    "string",
                    "Whether the session has ended.",
                    (("active", "not yet ended"), ("finished", "ended")),
                    required=True,
                ),
                _at("started_at", "Session started", required=True),
                _at("ended_at", "Session ended"),
                Column("duration_seconds", "number", "ended_at - started_at, in seconds."),
                Column(
                    "participant_turns",
                    "integer",
                    "Messages the participant sent in this session.",
                    required=True,
                ),
                Column(
                    "messages", "integer", "Messages in the transcript, all senders.", required=True
                ),
                Column("design_hash", "string", "SHA-256 of the design version in force."),
                Column(
                    "identity_version_start",
                    "integer",
                    "Identity version when the session started (see identity_snapshots.csv).",
                ),
                Column(
                    "identity_version_end",
                    "integer",
                    "Identity version when the session ended (empty while active).",
                ),
            ),
            ("participant", "session"),
            (by_participant,),
        ),
        Table(
            "messages.csv",
            "One row per message, in transcript order within each session.",
            (
                p,
                c,
                _session(),
                Column("turn", "integer", "Order within the session, from 1.", required=True),
                Column("sender", "string", "Who wrote it.", SENDERS, required=True),
                Column("text", "string", "The message as shown.", required=True),
                _at("created_at", "Stored by the server", required=True),
                Column("reply_to_turn", "integer", "Agent replies: the turn they answer."),
                Column(
                    "identity_version",
                    "integer",
                    "Identity version: for agent messages the version the reply was generated "
                    "from; for other messages the newest version when the message was stored.",
                ),
                Column(
                    "revisions_seen",
                    "integer",
                    "Agent messages: the newest revision (revisions.csv) in the agent's view.",
                ),
                Column("backend", "string", "Agent messages: scripted or openai."),
                Column("model", "string", "Agent messages: the model as the endpoint named it."),
                Column(
                    "params",
                    "object",
                    "Agent messages: the model parameters used (JSON object).",
                ),
                Column("prompt_hash", "string", "Agent messages: SHA-256 of the exact prompt."),
                Column("prompt_tokens", "integer", "Agent messages: as the endpoint reported."),
                Column("completion_tokens", "integer", "Agent messages: as the endpoint reported."),
                Column("ttft_ms", "integer", "Agent messages: time to first token, ms."),
                Column("latency_ms", "integer", "Agent messages: total time incl. retries, ms."),
                Column("finish_reason", "string", "Agent messages: stop, length, tool_calls, ..."),
                Column("retries", "integer", "Agent messages: failed attempts before this one."),
            ),
            ("participant", "session", "turn"),
            (by_session,),
        ),
        Table(
            "revisions.csv",
            "The co-construction ledger: every change to the shared identity, never edited. "
            "The state at version v is the seed with every row of version <= v applied in "
            "version order.",
            (
                Column(
                    "revision",
                    "integer",
                    "Ledger row id; increases with time across the study.",
                    required=True,
                ),
                p,
                c,
                _session(required=False),
                Column("turn", "integer", "The last transcript turn before the change."),
                Column(
                    "version",
                    "integer",
                    "Identity version this row created (applied and accepted rows only).",
                    minimum=1,
                ),
                Column(
                    "author", "string", "Who made or proposed the change.", AUTHORS, required=True
                ),
                Column("status", "string", "What the row records.", STATUSES, required=True),
                Column(
                    "target",
                    "string",
                    "Field changed, e.g. persona.name, persona.traits.extraversion, "
                    "partner.interests, common_ground.<id>; * is the whole state.",
                    required=True,
                ),
                Column("before", "any", "Value before the change (JSON)."),
                Column(
                    "after",
                    "any",
                    "Value after the change (JSON); null on a common_ground target removes it.",
                ),
                Column("rationale", "string", "The reason given, if any."),
                Column("resolves", "integer", "For accepted/rejected/expired rows: the proposal."),
                Column(
                    "outcome",
                    "string",
                    "For proposed rows: how the proposal ended (empty while open).",
                    STATUSES[2:],
                ),
                _at("created_at", "Recorded", required=True),
            ),
            ("revision",),
            (by_participant, (("resolves",), "", ("revision",))),
        ),
        Table(
            "identity_snapshots.csv",
            "The shared identity at the start and at the end of every session (no end row "
            "while a session is active).",
            (
                p,
                c,
                _session(),
                Column(
                    "moment",
                    "string",
                    "Which end of the session.",
                    (("start", "as the session started"), ("end", "as the session ended")),
                    required=True,
                ),
                Column("version", "integer", "Identity version.", required=True, minimum=1),
                *_identity_columns(),
            ),
            ("participant", "session", "moment"),
            (by_session,),
        ),
        Table(
            "pmq_items.csv",
            "One row per PMQ item answered (long format).",
            (
                p,
                c,
                _session(),
                _timepoint(),
                Column(
                    "item",
                    "string",
                    "PMQ item code.",
                    tuple((i.code, f"{i.positive} - {i.negative}") for i in pmq.ITEMS),
                    required=True,
                    pmq={
                        "items": [
                            {
                                "code": i.code,
                                "factor": i.factor,
                                "positivePole": i.positive,
                                "negativePole": i.negative,
                            }
                            for i in pmq.ITEMS
                        ]
                    },
                ),
                Column(
                    "factor",
                    "string",
                    "The item's factor.",
                    (
                        ("CCD", "communicative competence and dependability"),
                        ("HLC", "human-likeness in communication"),
                        ("CF", "communicative flexibility"),
                    ),
                    required=True,
                ),
                Column(
                    "display_position",
                    "integer",
                    "Position in the order shown, 1 = first (shuffled per administration).",
                    required=True,
                    minimum=1,
                    maximum=len(pmq.ITEMS),
                ),
                Column(
                    "positive_on_left",
                    "boolean",
                    "Whether the positive pole was on the left end of the scale.",
                    required=True,
                ),
                Column(
                    "left_pole", "string", "The word at the left end (position 1).", required=True
                ),
                Column(
                    "right_pole", "string", "The word at the right end (position 7).", required=True
                ),
                Column(
                    "raw",
                    "integer",
                    "Position chosen: 1 = left end, 7 = right end.",
                    required=True,
                    minimum=1,
                    maximum=7,
                    pmq={"scale": SCALE},
                ),
                Column(
                    "score",
                    "integer",
                    "Recoded so that 7 = the positive pole (8 - raw when the positive pole was "
                    "on the left).",
                    required=True,
                    minimum=1,
                    maximum=7,
                    pmq={"scale": SCALE, "scoring": SCORING_RULE},
                ),
                _at("submitted_at", "Questionnaire submitted", required=True),
            ),
            ("participant", "session", "timepoint", "item"),
            (by_participant,),
        ),
        Table(
            "pmq_scores.csv",
            "One row per participant x session x timepoint: PMQ factor scores.",
            (
                p,
                c,
                _session(),
                _timepoint(),
                *_factor_columns("", "Mean recoded score", 1, 7),
                _at("submitted_at", "Questionnaire submitted", required=True),
            ),
            ("participant", "session", "timepoint"),
            (by_participant,),
        ),
        Table(
            "pmq_change.csv",
            "One row per participant x session with both PMQs: post - pre per factor.",
            (p, c, _session(), *_factor_columns("_change", "Post - pre", -6, 6)),
            ("participant", "session"),
            (by_session,),
        ),
    )


RECRUITMENT = Table(
    "recruitment.csv",
    "RESTRICTED: links pseudonymous codes to recruitment ids, for paying participants. Keep "
    "it apart from the analysis files.",
    (
        _participant(),
        Column("external_id", "string", "Recruitment id (Prolific PROLIFIC_PID)."),
        Column("external_study_id", "string", "Prolific STUDY_ID."),
        Column("external_session_id", "string", "Prolific SESSION_ID."),
        Column("progress", "string", "How far they got.", PROGRESS, required=True),
        _at("entered_at", "Opened the study link", required=True),
        _at("completed_at", "Finished the study"),
    ),
    ("participant",),
)
