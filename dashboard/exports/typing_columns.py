"""How participants typed, where a study records it: four columns of messages.csv and the
file of time away, session_events.csv. Pure: no Django imports."""

from __future__ import annotations

from .columns import Column, Table, at, by_session, who

RECORDED = "Participant messages, where the study records typing"

TYPING_COLUMNS = (
    Column(
        "typing_ms",
        "integer",
        f"{RECORDED}: milliseconds from the first keystroke or paste in the message box to "
        "sending, as the participant's page measured it.",
        minimum=0,
    ),
    Column("pastes", "integer", f"{RECORDED}: how many times text was pasted into it.", minimum=0),
    Column(
        "pasted_chars",
        "integer",
        f"{RECORDED}: characters pasted into the box for it (pasted text later deleted counts "
        "too).",
        minimum=0,
    ),
    Column(
        "pasted_share",
        "number",
        f"{RECORDED}: pasted_chars / characters sent, capped at 1; 0.82 means about 82% of "
        "the message was pasted.",
        minimum=0,
        maximum=1,
    ),
)

EVENTS = (
    ("hidden", "the chat's browser tab was hidden (another tab or app in front)"),
    ("idle", "the tab was visible, with no key, pointer, touch or scroll for 30 s or more"),
)


def session_events_table(c: Column) -> Table:
    return Table(
        "session_events.csv",
        "Where the study records typing: every stretch a participant spent away from the chat, "
        "as their page reported it when they came back (a tab closed while hidden reports "
        "nothing).",
        (
            *who(c),
            Column("event", "integer", "Order within the session, from 1.", required=True),
            Column("kind", "string", "What kind of time away.", EVENTS, required=True),
            at("ended_at", "When the page reported it, on the participant's return", True),
            Column("seconds", "number", "How long it lasted.", required=True, minimum=0),
        ),
        ("participant", "session", "event"),
        (by_session(),),
    )
