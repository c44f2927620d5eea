"""The files about participants, sessions, messages and the shared identity. Pure."""

from __future__ import annotations

from chat.identity import PARTNER_FIELDS, PERSONA_FIELDS

from .columns import Column, Table, at, by_participant, by_session, participant, session, who
from .typing_columns import TYPING_COLUMNS

PROGRESS = (
    ("entered", "opened the study link, has not answered the consent form"),
    (
        "declined",
        "declined consent; nothing else is stored but a condition assigned on entering "
        "(where a condition frames the partner)",
    ),
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
FRAMINGS = (
    ("ai", "told their partner is an AI agent, a computer program"),
    ("person", "told their partner is another participant"),
    (
        "unstated",
        "no preset: the chat's header says nothing of the partner; the consent page and the "
        "chat show the condition's own framing_text, if it has one",
    ),
)
NAMES_SHOWN = (
    ("identity", "the shared identity's persona name, changing when it changes"),
    ("fixed", "a fixed label, the same throughout (the condition's partner_label)"),
    ("none", 'no name: the pages say "Your partner"'),
)
PACINGS = (
    ("stream", 'each reply appeared as it was written, "typing" shown until it began'),
    ("human", "each reply held, then shown whole after a human typing time (docs/data.md)"),
    ("delay", "each reply held, then shown whole a fixed delay after the participant's message"),
)
STATUSES = (
    ("applied", "a change made directly"),
    ("proposed", "a suggested change; its outcome is on the row that resolves it"),
    ("accepted", "resolves a proposal: accepted, and applied"),
    ("rejected", "resolves a proposal: rejected"),
    ("expired", "resolves a proposal: still open when its session ended"),
)


def identity_name(target: str) -> str:
    """The column of an identity field: its target with underscores for dots
    (persona.traits.openness -> persona_traits_openness)."""
    return target.replace(".", "_")


def identity_columns() -> tuple[Column, ...]:
    kinds = {"text": "string", "long_text": "string", "scale": "integer", "list": "array"}
    columns = []
    for field in PERSONA_FIELDS + PARTNER_FIELDS:
        scale = field.kind == "scale"
        columns.append(
            Column(
                identity_name(field.target),
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


AS_DESIGNED = (
    "; from their condition as the design version they entered under set it (the condition "
    "as it stands where that version does not record it); empty without a condition."
)
FRAMING_COLUMNS = (
    Column(
        "partner_framing",
        "string",
        "What the consent page, the text above the chat and the chat's header said their "
        "partner is (the condition's own wording, framing_text, is in design.json)" + AS_DESIGNED,
        FRAMINGS,
    ),
    Column(
        "partner_name_shown",
        "string",
        "The name their pages gave the partner (the condition's partner_name)" + AS_DESIGNED,
        NAMES_SHOWN,
    ),
    Column(
        "reply_pacing",
        "string",
        "How the agent's replies appeared (the pace's settings, pacing_wpm, pacing_jitter, "
        "..., are in design.json; messages.csv has each reply's times)" + AS_DESIGNED,
        PACINGS,
    ),
    Column(
        "deceptive",
        "boolean",
        "true: a deceptive condition, whose participants are told something untrue (e.g. "
        "that their partner is a person) and, after the last questionnaire, read the reveal "
        "(the condition's reveal_text) and choose again whether their data may be used "
        "(reconsent); false: not deceptive" + AS_DESIGNED,
    ),
)


def participants_table(c: Column) -> Table:
    return Table(
        "participants.csv",
        "One row per participant who entered (researchers' previews and withdrawn "
        "participants are never included).",
        (
            *who(c, session=False),
            Column(
                "design_hash",
                "string",
                "SHA-256 of the study design version the participant entered under (its "
                "number: design_version).",
            ),
            Column("progress", "string", "How far they got.", PROGRESS, required=True),
            Column("sessions_finished", "integer", "Chat sessions finished.", required=True),
            at("entered_at", "Opened the study link", required=True),
            at("consented_at", "Gave consent"),
            at("declined_at", "Declined consent"),
            at("completed_at", "Finished the study"),
            Column(
                "checks_failed",
                "integer",
                "Attention checks (attention_checks.csv) answered otherwise than asked; empty "
                "when they met none.",
                minimum=0,
            ),
            Column(
                "comprehension_tries",
                "integer",
                "Answers given to the study's comprehension question; empty when not asked.",
                minimum=1,
            ),
            Column(
                "comprehension_passed",
                "boolean",
                "true: answered it right; false: out of tries (and went on); empty: not asked.",
            ),
            Column(
                "messages_per_minute",
                "integer",
                "The most messages they could send in any minute (the study's limit in their "
                "design version).",
                minimum=1,
            ),
            Column(
                "message_limit_hits",
                "integer",
                "Times they reached messages_per_minute: each run of messages held back (kept "
                "by the page and sent once the minute allowed, so none was lost) counts once "
                "per open chat page.",
                required=True,
                minimum=0,
            ),
            Column(
                "frame_limit_hits",
                "integer",
                "Times a chat page of theirs sent requests faster than the socket's fixed rates "
                "(far above what a page sends by itself: docs/protocol.md), each run once; "
                "above 0 suggests a script or a modified page.",
                required=True,
                minimum=0,
            ),
            Column(
                "excluded",
                "boolean",
                "true: the study's locked pre-registration excludes them from its planned "
                "analysis (exclusion_reasons says by which rules); false: it does not; empty: "
                "the study has no locked plan. Their data are here either way.",
            ),
            Column(
                "exclusion_reasons",
                "string",
                "The locked plan's rules that exclude them, separated by ';': "
                "checks_failed>=k (k or more attention checks failed), comprehension_failed, "
                "messages<m (fewer than m messages in the plan's outcome session, or never "
                "in it), simulated; empty when none does or there is no locked plan.",
            ),
            *FRAMING_COLUMNS,
            Column(
                "reconsent",
                "boolean",
                "Deceptive conditions: true: after the reveal they agreed that their data may "
                "be used. Empty: not asked, as their condition is not deceptive or they have "
                "not (yet) reached the reveal, e.g. still in the study or stopped before its "
                "end. Declining withdraws them, so they are never in these files (false does "
                "not occur).",
            ),
            at("reconsented_at", "Agreed after the reveal that their data may be used"),
        ),
        ("participant",),
    )


def sessions_table(c: Column) -> Table:
    return Table(
        "sessions.csv",
        "One row per chat session.",
        (
            *who(c),
            Column(
                "status",
                "string",
                "Whether the session has ended.",
                (("active", "not yet ended"), ("finished", "ended")),
                required=True,
            ),
            at("started_at", "Session started", required=True),
            at("ended_at", "Session ended"),
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
            Column(
                "telemetry_refused",
                "integer",
                "Where the study records typing: reports from the participant's page refused as "
                "impossible, a message's typing time or a stretch away that was malformed or "
                "claimed more time than the session had had (that message's typing is then "
                "unknown; the stretch is not in session_events.csv). Pages report truthfully, "
                "so anything above 0 suggests a tampered page.",
                minimum=0,
            ),
        ),
        ("participant", "session"),
        (by_participant(),),
    )


AUTHORED = (
    ("agent", "the condition's agent backend (offline agent or LLM)"),
    ("greeting", "Dyad's greeting template (turn 1)"),
    ("wizard", "written by a wizard (Wizard of Oz)"),
    ("edited", "the agent's draft, edited by a wizard"),
    ("approved", "the agent's draft, sent unchanged by a wizard"),
    ("fallback", "the agent's, because no wizard answered in time"),
)

NOT_A_REPLY = (
    "; empty for the greeting, participant and system messages, and replies stored before "
    "Dyad recorded these times"
)
REPLY_TIMES = (
    at(
        "generated_at",
        "Agent replies: when the reply's text was complete (the model's, or a wizard's when "
        "sent), before any holding back" + NOT_A_REPLY,
    ),
    at(
        "typing_started_at",
        "Agent replies: when the page began to show the partner typing. reply_pacing stream: "
        "when Dyad started on the reply; human and delay: when it went to the page, due at "
        "the created_at of the message it replies to (reply_to_turn) + the condition's "
        "pacing_read_seconds (human) or at that created_at (delay), later if the agent only "
        "started on the reply later, still busy with an earlier one. Empty for a held reply "
        "where the condition shows no typing indicator (pacing_indicator off)" + NOT_A_REPLY,
    ),
    at(
        "shown_at",
        "Agent replies: when the reply appeared to the participant. reply_pacing stream: a "
        "reply streamed from a model began to appear when its first words went to the page, "
        "in the try that produced it; a "
        "reply that does not stream (the offline agent, a wizard's) appears whole, so "
        "shown_at = generated_at. human and delay: held, then shown whole at the later of its "
        "due time (docs/data.md, Reply pacing) and generated_at. The reply is stored "
        "(created_at) a few ms after shown_at, or, when it streamed, after generated_at. "
        "shown_at - the created_at of the message it replies to "
        "(reply_to_turn) is how long the participant waited for it" + NOT_A_REPLY,
    ),
)


def messages_table(c: Column) -> Table:
    return Table(
        "messages.csv",
        "One row per message, in transcript order within each session.",
        (
            *who(c),
            Column("turn", "integer", "Order within the session, from 1.", required=True),
            Column("sender", "string", "Who wrote it.", SENDERS, required=True),
            Column("text", "string", "The message as shown.", required=True),
            at("created_at", "Stored by the server", required=True),
            Column(
                "reply_to_turn",
                "integer",
                "Agent replies: the participant turn the reply was generated for (the latest "
                "it had seen).",
            ),
            Column(
                "answers_turns",
                "array",
                "Agent replies: every participant turn the reply answers, as a JSON list (more "
                "than one when the participant wrote again while the agent was replying).",
            ),
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
            *REPLY_TIMES,
            Column("authored", "string", "Agent messages: who wrote it.", AUTHORED),
            Column(
                "wizard",
                "string",
                "Wizard of Oz: the researcher (user name) who wrote, edited or sent the reply.",
            ),
            Column(
                "wizard_draft",
                "string",
                "Wizard of Oz with drafts: the agent's draft the wizard was shown for this "
                "reply's participant message (compare with text).",
            ),
            *TYPING_COLUMNS,
        ),
        ("participant", "session", "turn"),
        (by_session(),),
    )


def revisions_table(c: Column) -> Table:
    return Table(
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
            *who(c, session=False),
            session(required=False),
            Column("turn", "integer", "The last transcript turn before the change."),
            Column(
                "version",
                "integer",
                "Identity version this row created (applied and accepted rows only).",
                minimum=1,
            ),
            Column("author", "string", "Who made or proposed the change.", AUTHORS, required=True),
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
            at("created_at", "Recorded", required=True),
        ),
        ("revision",),
        (by_participant(), (("resolves",), "", ("revision",))),
    )


def identity_snapshots_table(c: Column) -> Table:
    return Table(
        "identity_snapshots.csv",
        "The shared identity at the start and at the end of every session (no end row "
        "while a session is active).",
        (
            *who(c),
            Column(
                "moment",
                "string",
                "Which end of the session.",
                (("start", "as the session started"), ("end", "as the session ended")),
                required=True,
            ),
            Column("version", "integer", "Identity version.", required=True, minimum=1),
            *identity_columns(),
        ),
        ("participant", "session", "moment"),
        (by_session(),),
    )


RECRUITMENT = Table(
    "recruitment.csv",
    "RESTRICTED: links pseudonymous codes to recruitment ids, for paying participants. Keep "
    "it apart from the analysis files.",
    (
        participant(),
        Column("external_id", "string", "Recruitment id (Prolific PROLIFIC_PID)."),
        Column("external_study_id", "string", "Prolific STUDY_ID."),
        Column("external_session_id", "string", "Prolific SESSION_ID."),
        Column("progress", "string", "How far they got.", PROGRESS, required=True),
        at("entered_at", "Opened the study link", required=True),
        at("completed_at", "Finished the study"),
    ),
    ("participant",),
)
