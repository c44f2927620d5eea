"""Writes on the chat path. Side effects (broadcasts, agent turns) run on commit."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import events, selectors
from .agent import persona as persona_mod
from .agent.backends import get_backend
from .models import ChatSession, Message

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ChatError(Exception):
    """A request the chat refuses; ``code`` goes into the error frame."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PostResult:
    message: Message
    session: ChatSession
    created: bool


def _next_turn(session_id: int) -> ChatSession:
    """Lock the session row and take the next turn number (call inside a transaction)."""
    session = ChatSession.objects.select_for_update().select_related("participant__study")
    session = session.get(pk=session_id)
    session.last_turn += 1
    return session


@transaction.atomic
def session_open(*, participant, number: int) -> ChatSession:
    """The participant's session ``number``, created with the agent's greeting if new."""
    session, created = ChatSession.objects.get_or_create(participant=participant, number=number)
    if created:
        seed = participant.condition.seed_persona
        Message.objects.create(
            session=session, turn=1, sender=Message.Sender.AGENT, text=persona_mod.greeting(seed)
        )
        session.last_turn = 1
        session.save(update_fields=["last_turn"])
    return session


def message_post(*, session_id: int, client_id: str, text: str) -> PostResult:
    """Store a participant message once per client id, then (on commit) tell every view and
    start the agent's turn. A resend with a known client id returns the stored message."""
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        raise ChatError("bad_client_id", "client_id must be 1-64 letters, digits, - or _.")
    if not isinstance(text, str) or not text.strip():
        raise ChatError("empty", "A message needs some text.")
    if len(text) > settings.DYAD_MAX_MESSAGE_CHARS:
        limit = settings.DYAD_MAX_MESSAGE_CHARS
        raise ChatError("too_long", f"Messages can be at most {limit} characters.")
    with transaction.atomic():
        session = _next_turn(session_id)
        existing = session.messages.filter(client_id=client_id).first()
        if existing:
            return PostResult(existing, session, created=False)
        if session.is_over() or session.is_time_up():
            raise ChatError("session_over", "This chat has ended; no more messages can be sent.")
        message = Message.objects.create(
            session=session,
            turn=session.last_turn,
            sender=Message.Sender.PARTICIPANT,
            text=text.strip(),
            client_id=client_id,
        )
        session.participant_turns += 1
        session.save(update_fields=["last_turn", "participant_turns"])
        transaction.on_commit(partial(events.broadcast_message, message))
        transaction.on_commit(partial(enqueue_agent_turn, message.pk))
    return PostResult(message, session, created=True)


def enqueue_agent_turn(message_id: int) -> None:
    from . import inprocess, tasks

    if settings.CELERY_TASK_ALWAYS_EAGER:
        inprocess.run_soon(tasks.agent_turn.apply, args=[message_id])
    else:
        tasks.agent_turn.delay(message_id)


def agent_turn_run(*, message_id: int) -> Message:
    """Generate, store and broadcast the agent's reply to one participant message.

    Safe to run twice: a second run finds the stored reply and returns it. The backend is
    called outside any transaction, so a slow reply holds no lock.
    """
    prompted = Message.objects.select_related("session__participant__condition").get(pk=message_id)
    existing = prompted.replies.filter(sender=Message.Sender.AGENT).first()
    if existing:
        return existing
    condition = prompted.session.participant.condition
    prompt = persona_mod.build_prompt(condition.seed_persona, selectors.turns_until(prompted))
    backend = get_backend(condition.agent_backend)
    started = time.monotonic()
    text = "".join(backend.stream(prompt, settings={})).strip()
    latency_ms = int((time.monotonic() - started) * 1000)
    try:
        return _agent_reply_store(prompted, text, backend.name, latency_ms)
    except IntegrityError:  # a concurrent run stored the reply first
        return prompted.replies.get(sender=Message.Sender.AGENT)


@transaction.atomic
def _agent_reply_store(prompted: Message, text: str, backend: str, latency_ms: int) -> Message:
    session = _next_turn(prompted.session_id)
    reply = Message.objects.create(
        session=session,
        turn=session.last_turn,
        sender=Message.Sender.AGENT,
        text=text,
        reply_to=prompted,
        backend=backend,
        latency_ms=latency_ms,
    )
    session.save(update_fields=["last_turn"])
    transaction.on_commit(partial(events.broadcast_message, reply))
    return reply


@transaction.atomic
def session_finish(*, session_id: int) -> ChatSession:
    """End the session if the study's ending rule allows it; otherwise raise ChatError."""
    session = ChatSession.objects.select_for_update().select_related("participant__study")
    session = session.get(pk=session_id)
    if session.is_over():
        return session
    if not session.can_finish():
        needed = session.participant.study.min_participant_turns
        raise ChatError("too_early", f"Please send at least {needed} messages before finishing.")
    session.status = ChatSession.Status.FINISHED
    session.ended_at = timezone.now()
    session.save(update_fields=["status", "ended_at"])
    return session
