"""The transcript's primitives, shared by every write that adds to it: lock a session (and
take the next turn number) and post a system note."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from studies import text as texts

from .. import events
from ..errors import ChatError
from ..models import ChatSession, Message

if TYPE_CHECKING:
    from studies.models import Study

CLOSED = gettext_noop("You have withdrawn from this study, so this chat is closed.")


def message_text(text) -> str:
    """A message's text (a participant's, or a wizard's reply) as it will be stored, or
    ChatError saying why it cannot be."""
    if not isinstance(text, str) or not text.strip():
        raise ChatError("empty", "A message needs some text.")
    if len(text) > settings.DYAD_MAX_MESSAGE_CHARS:
        limit = settings.DYAD_MAX_MESSAGE_CHARS
        raise ChatError("too_long", f"Messages can be at most {limit} characters.")
    problem = texts.problem(text)
    if problem:
        raise ChatError("bad_text", f"This message cannot be sent. {problem}")
    return text.strip()


def locked_session(session_id: int, *, study: Study | bool = True) -> ChatSession:
    """The session row, locked until the transaction ends (call inside one). ChatError
    ``closed`` if it is gone (its participant withdrew and their data was deleted) or its
    participant has withdrawn. The participant's row is locked too (withdrawing locks it
    first), never the study's: every session of a study would queue on it.

    ``study``: the participant's study (the session's status and rules read it) is read
    with the session, or given by a caller that holds it; False where nothing needs it
    (it is read on first use)."""
    rows = ChatSession.objects.select_for_update(of=("self", "participant"))
    rows = rows.select_related("participant__study" if study is True else "participant")
    try:
        session = rows.get(pk=session_id)
    except ChatSession.DoesNotExist:
        session = None
    if session is None or session.participant.withdrawn_at:
        raise ChatError("closed", gettext(CLOSED))
    if not isinstance(study, bool) and study.pk == session.participant.study_id:
        session.participant.study = study
    return session


def lock_session(session_id: int, *, study: Study | bool = True) -> ChatSession:
    """Lock the session row and take the next turn number (call inside a transaction)."""
    session = locked_session(session_id, study=study)
    session.last_turn += 1
    return session


def note_post(*, session_id: int, text: str) -> Message:
    """A short system note in the transcript (inside the caller's transaction)."""
    session = lock_session(session_id)
    note = Message.objects.create(
        session=session,
        turn=session.last_turn,
        sender=Message.Sender.SYSTEM,
        text=texts.clip(texts.scrub(text)),
    )
    session.save(update_fields=["last_turn"])
    transaction.on_commit(partial(events.broadcast_message, note))
    return note
