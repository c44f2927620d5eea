"""The agent's turn: snapshot the identity, prompt, stream from the backend, persist once.

Streamed text reaches the page in batches (``streaming.Flusher``) and is checkpointed in the
cache, so a page that reconnects mid-reply resumes it. The reply is stored once, at the end,
with its provenance. Transient backend errors are retried with backoff; a permanent one, or
the last attempt, is recorded on the AgentTurn and shown to the participant calmly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from studies import text as texts

from .. import events, selectors
from ..agent import persona as persona_mod
from ..agent.backends import BackendError, Finish, ToolCall, get_backend
from ..errors import ChatError
from ..models import AgentTurn, Message
from ..streaming import Flusher, HiddenLines
from .identity import agent_changes_apply
from .messages import answer_pending, lock_session

log = logging.getLogger(__name__)

CALM_FAILURE = "The agent could not reply just now. Your message is saved: please try again."
HEARTBEAT_SECONDS = 2


def draft_key(session_id: int) -> str:
    return f"dyad:draft:{session_id}"


@dataclass
class Outcome:
    text: str = ""
    calls: list = field(default_factory=list)
    finish: Finish = field(default_factory=Finish)
    ttft_ms: int | None = None


def agent_turn_run(*, message_id: int) -> Message | None:
    """Generate, store and broadcast the agent's reply to one participant message.

    Safe to run twice, or after a worker died mid-turn: a stored reply is returned as it is.
    Returns None when the turn failed (recorded on its AgentTurn).
    """
    rows = Message.objects.select_related("session__participant__condition")
    prompted = rows.filter(pk=message_id).first()
    if prompted is None:  # its participant withdrew and their data was deleted
        return None
    turn, _ = AgentTurn.objects.get_or_create(prompted=prompted)
    existing = prompted.replies.filter(sender=Message.Sender.AGENT).first()
    if existing:
        _turn_close(turn, AgentTurn.Status.DONE)
        return existing
    session, condition = prompted.session, prompted.session.participant.condition
    backend = get_backend(condition.agent_backend)
    fmt = "tools" if backend.name == "openai" and condition.llm_use_tools else "lines"
    view = selectors.agent_view(session)
    prompt = persona_mod.build_prompt(
        view.state,
        selectors.turns_until(prompted),
        changes=view.changes,
        agent_writes=condition.agent_writes,
        proposal_format=fmt,
        template=condition.llm_system_prompt if backend.name == "openai" else "",
    )
    tools = persona_mod.TOOLS if fmt == "tools" else None
    model_settings = condition.llm_settings() if backend.name == "openai" else {}
    _turn_start(turn)
    events.broadcast_agent(session.pk, events.agent_data("thinking", prompted.turn))
    started = time.monotonic()
    for attempt in range(1, settings.DYAD_AGENT_ATTEMPTS + 1):
        try:
            outcome = _stream(backend, prompt, model_settings, tools, prompted, turn)
            break
        except BackendError as error:
            _turn_error(turn, error, attempt)
            if error.permanent or attempt == settings.DYAD_AGENT_ATTEMPTS:
                return _fail(turn, session.pk, prompted.turn)
            time.sleep(settings.DYAD_AGENT_BACKOFF_SECONDS * 2 ** (attempt - 1))
    provenance = {
        "backend": backend.name,
        "model": outcome.finish.model or model_settings.get("model", ""),
        "params": {
            k: model_settings[k] for k in ("temperature", "max_tokens") if k in model_settings
        }
        | {"proposals": fmt},
        "prompt_hash": _hash(prompt, tools),
        "ttft_ms": outcome.ttft_ms,
        "latency_ms": int((time.monotonic() - started) * 1000),
        "prompt_tokens": outcome.finish.prompt_tokens,
        "completion_tokens": outcome.finish.completion_tokens,
        "finish_reason": outcome.finish.finish_reason,
        "retries": attempt - 1,
        "identity_version": view.version,
        "revisions_seen": view.last_revision_id,
    }
    try:
        reply = _reply_store(prompted, turn, outcome, provenance)
    except IntegrityError:  # a concurrent run stored the reply first
        reply = prompted.replies.get(sender=Message.Sender.AGENT)
        _turn_close(turn, AgentTurn.Status.DONE)
    except ChatError as error:  # the participant withdrew while the agent was replying
        log.info("Reply to message %s dropped: %s", prompted.pk, error.message)
        _turn_close(turn, AgentTurn.Status.FAILED)
        reply = None
    cache.delete(draft_key(session.pk))
    return reply


def _stream(backend, prompt, model_settings, tools, prompted, turn) -> Outcome:
    session_id, reply_to = prompted.session_id, prompted.turn

    def send(offset: int, text: str) -> None:
        events.broadcast_delta(session_id, reply_to, offset, text)
        cache.set(draft_key(session_id), {"reply_to": reply_to, "text": flusher.text}, 600)

    flusher = Flusher(send, settings.DYAD_STREAM_FLUSH_SECONDS, limit=texts.MESSAGE_MAX)
    hidden, outcome, started, beat = HiddenLines(), Outcome(), time.monotonic(), time.monotonic()
    try:
        for piece in backend.stream(prompt, settings=model_settings, tools=tools):
            if isinstance(piece, str):
                outcome.text += piece
                if outcome.ttft_ms is None:
                    outcome.ttft_ms = int((time.monotonic() - started) * 1000)
                flusher.add(hidden.feed(piece))
            elif isinstance(piece, ToolCall):
                outcome.calls.append(piece)
            elif isinstance(piece, Finish):
                outcome.finish = piece
            if time.monotonic() - beat > HEARTBEAT_SECONDS:
                beat = time.monotonic()
                AgentTurn.objects.filter(pk=turn.pk).update(heartbeat_at=timezone.now())
    except BackendError:
        flusher.reset()
        raise
    flusher.add(hidden.end())
    flusher.flush()
    return outcome


@transaction.atomic
def _reply_store(prompted: Message, turn: AgentTurn, outcome: Outcome, provenance: dict) -> Message:
    """Store the reply and close its turn in one transaction: once a page sees the reply,
    the participant may send their next message."""
    parsed = persona_mod.parse_reply(outcome.text)
    proposals, decisions = persona_mod.from_tool_calls(outcome.calls)
    session = lock_session(prompted.session_id)
    stored = Message.objects.create(
        session=session,
        turn=session.last_turn,
        sender=Message.Sender.AGENT,
        text=texts.clip(texts.scrub(parsed.text)) or "…",
        reply_to=prompted,
        answers=selectors.turns_answered(prompted),
        **provenance,
    )
    session.save(update_fields=["last_turn"])
    _turn_close(turn, AgentTurn.Status.DONE)
    transaction.on_commit(partial(events.broadcast_message, stored))
    agent_changes_apply(
        session=session,
        proposals=parsed.proposals + proposals,
        decisions=parsed.decisions + decisions,
    )
    answer_pending(session)  # what the participant wrote while the agent was replying
    return stored


def _hash(prompt: list[dict], tools) -> str:
    exact = json.dumps({"messages": prompt, "tools": tools}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(exact.encode()).hexdigest()


def _turn_start(turn: AgentTurn) -> None:
    AgentTurn.objects.filter(pk=turn.pk).update(
        status=AgentTurn.Status.RUNNING, attempts=F("attempts") + 1, heartbeat_at=timezone.now()
    )


def _turn_error(turn: AgentTurn, error: BackendError, attempt: int) -> None:
    turn.refresh_from_db(fields=["errors"])
    entry = {
        "at": timezone.now().isoformat(),
        "attempt": attempt,
        "error": str(error)[:500],
        "permanent": error.permanent,
    }
    AgentTurn.objects.filter(pk=turn.pk).update(
        errors=[*turn.errors, entry], heartbeat_at=timezone.now()
    )


def _turn_close(turn: AgentTurn, status: str) -> None:
    AgentTurn.objects.filter(pk=turn.pk).update(status=status, finished_at=timezone.now())


def _fail(turn: AgentTurn, session_id: int, reply_to: int) -> None:
    _turn_close(turn, AgentTurn.Status.FAILED)
    cache.delete(draft_key(session_id))
    events.broadcast_agent(session_id, events.agent_data("failed", reply_to, message=CALM_FAILURE))
    return None
