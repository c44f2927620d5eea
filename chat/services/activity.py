"""Typing and time away from the chat, as the participant's page reports them
(chat.telemetry), bounded by the session's own wall time."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from .. import telemetry
from ..errors import ChatError
from ..models import ChatSession, SessionEvent
from .transcript import locked_session

UNKNOWN_TYPING = {"typing_ms": None, "paste_count": None, "pasted_chars": None}


def elapsed_ms(session: ChatSession) -> float:
    return (timezone.now() - session.started_at).total_seconds() * 1000


def typing_admit(session: ChatSession, typing: dict | None) -> dict:
    """The typing fields to store with a message posted in the locked ``session``: a report
    claiming more typing than the session has had beside its earlier messages' (or
    malformed: ``typing_ms`` None) is stored as unknown and counted. The caller saves
    ``typing_ms_total`` and ``telemetry_refused``. ``typing`` None: none was reported."""
    if typing is None:
        return UNKNOWN_TYPING
    ms = typing.get("typing_ms")
    if ms is not None and telemetry.fits(
        ms, claimed_ms=session.typing_ms_total, elapsed_ms=elapsed_ms(session)
    ):
        session.typing_ms_total += ms
        return typing
    session.telemetry_refused += 1
    return UNKNOWN_TYPING


def session_event_record(*, session_id: int, client_id: str, kind, duration_ms) -> SessionEvent:
    """Keep one stretch away, once per client id: a page that sends it again after a
    reconnect finds the first copy. ChatError ``bad_activity`` for a malformed report or
    one that does not fit in the session's wall time beside the stretches already kept;
    the session counts it."""
    with transaction.atomic():
        session = locked_session(session_id, study=False)
        existing = SessionEvent.objects.filter(session=session, client_id=client_id).first()
        if existing:
            return existing
        try:
            kind, duration_ms = telemetry.away(kind, duration_ms)
        except ChatError as refused:
            error = refused
        else:
            claimed = session.events.aggregate(ms=Sum("duration_ms"))["ms"] or 0
            elapsed = elapsed_ms(session)
            if telemetry.fits(duration_ms, claimed_ms=claimed, elapsed_ms=elapsed):
                return SessionEvent.objects.create(
                    session=session, client_id=client_id, kind=kind, duration_ms=duration_ms
                )
            error = ChatError(
                "bad_activity", "'ms' claims more time away than the session has had."
            )
        ChatSession.objects.filter(pk=session_id).update(
            telemetry_refused=F("telemetry_refused") + 1
        )
    raise error
