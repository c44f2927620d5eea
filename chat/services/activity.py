"""Time away from the chat, as the participant's page reports it (chat.telemetry)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ..models import SessionEvent


def session_event_record(
    *, session_id: int, client_id: str, kind: str, duration_ms: int
) -> SessionEvent:
    """Keep one stretch away, once per client id: a page that sends it again after a
    reconnect finds the first copy."""
    existing = SessionEvent.objects.filter(session_id=session_id, client_id=client_id).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return SessionEvent.objects.create(
                session_id=session_id, client_id=client_id, kind=kind, duration_ms=duration_ms
            )
    except IntegrityError:  # the same report, twice at once
        return SessionEvent.objects.get(session_id=session_id, client_id=client_id)
