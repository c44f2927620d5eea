"""The agent's turn: snapshot the identity, prompt, call the backend, persist, broadcast."""

from __future__ import annotations

import time
from functools import partial

from django.db import IntegrityError, transaction

from .. import events, selectors
from ..agent import persona as persona_mod
from ..agent.backends import get_backend
from ..models import Message
from .identity import agent_changes_apply
from .messages import lock_session


def agent_turn_run(*, message_id: int) -> Message:
    """Generate, store and broadcast the agent's reply to one participant message.

    Safe to run twice: a second run finds the stored reply and returns it. The backend is
    called outside any transaction, so a slow reply holds no lock.
    """
    prompted = Message.objects.select_related("session__participant__condition").get(pk=message_id)
    existing = prompted.replies.filter(sender=Message.Sender.AGENT).first()
    if existing:
        return existing
    session = prompted.session
    condition = session.participant.condition
    view = selectors.agent_view(session)
    prompt = persona_mod.build_prompt(
        view.state,
        selectors.turns_until(prompted),
        changes=view.changes,
        agent_writes=condition.agent_writes,
    )
    backend = get_backend(condition.agent_backend)
    started = time.monotonic()
    reply = persona_mod.parse_reply("".join(backend.stream(prompt, settings={})))
    latency_ms = int((time.monotonic() - started) * 1000)
    try:
        return _reply_store(prompted, reply, view, backend.name, latency_ms)
    except IntegrityError:  # a concurrent run stored the reply first
        return prompted.replies.get(sender=Message.Sender.AGENT)


@transaction.atomic
def _reply_store(prompted: Message, reply, view, backend: str, latency_ms: int) -> Message:
    session = lock_session(prompted.session_id)
    stored = Message.objects.create(
        session=session,
        turn=session.last_turn,
        sender=Message.Sender.AGENT,
        text=reply.text,
        reply_to=prompted,
        backend=backend,
        latency_ms=latency_ms,
        identity_version=view.version,
        revisions_seen=view.last_revision_id,
    )
    session.save(update_fields=["last_turn"])
    transaction.on_commit(partial(events.broadcast_message, stored))
    agent_changes_apply(session=session, proposals=reply.proposals, decisions=reply.decisions)
    return stored
