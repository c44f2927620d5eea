"""The agent's turn: snapshot the identity, prompt, stream from the backend, persist once.

An async coroutine: a turn waits on the network, so it holds no thread while the model
writes. Its database work comes in short steps (``db``: on the process's database thread,
never held across the stream). Three steps a backend varies through its plan
(``backends.TurnPlan``): the prompt, the attempts (retried here on transient errors) and the
reply's provenance. Streamed text reaches the page in batches (``streaming.Flusher``) and is
checkpointed in the cache (``drafts``), so a page that reconnects mid-reply resumes it. The
reply is stored once, at the end, with its provenance; a permanent error, or the last
attempt, is recorded on the AgentTurn and shown to the participant calmly.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import NamedTuple

from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from studies import text as texts

from .. import drafts, events, selectors
from .. import pacing as pacing_mod
from ..agent import persona as persona_mod
from ..agent import planting
from ..agent.backends import BackendError, Finish, ToolCall, TurnPlan, get_backend
from ..errors import ChatError
from ..models import AgentTurn, Message
from ..streaming import Flusher, HiddenLines, Pacer
from . import wizard
from .identity import agent_changes_apply
from .messages import answer_pending
from .transcript import lock_session

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    text: str = ""
    calls: list = field(default_factory=list)
    finish: Finish = field(default_factory=Finish)
    ttft_ms: int | None = None
    shown_from: datetime | None = None  # when its first text went to the page (streamed)
    retries: int = 0
    authored: str = Message.Authored.AGENT
    wizard_id: int | None = None


class Prompt(NamedTuple):
    """Everything one turn sends, fixed before the first attempt."""

    messages: list[dict]
    tools: list | None
    plan: TurnPlan
    view: selectors.AgentView
    conversation: selectors.Conversation


class Begun(NamedTuple):
    prompted: Message
    turn: AgentTurn
    backend: object  # for a wizard condition: the helper that drafts and stands in
    prompt: Prompt | None  # None: the reply exists already
    reply: Message | None
    wizard_seconds: int | None = None  # a Wizard-of-Oz condition: how long to wait
    pacing: object = None  # the condition's reply pacing (studies.design.Pacing)


async def agent_turn_arun(message_id: int, *, db=database_sync_to_async):
    """Generate, store and broadcast the agent's reply to one participant message.

    Safe to run twice, or after a worker died mid-turn: a stored reply is returned as it is.
    Returns None when the turn failed (recorded on its AgentTurn), or when the participant
    withdrew meanwhile.
    """
    begun = await db(_begin)(message_id)
    if begun is None or begun.reply is not None:
        return begun.reply if begun else None
    prompted, turn, held = begun.prompted, begun.turn, begun.pacing.holds
    began = timezone.now()
    if held:  # "typing" shows on the pacing's clock, not the model's
        typing = pacing_mod.typing_starts(begun.pacing, prompted.created_at)
        indicator = asyncio.create_task(_typing_at(prompted, typing)) if typing else None
    else:
        thinking = events.agent_data("thinking", prompted.turn)
        await events.abroadcast_agent(prompted.session_id, thinking)
    started = time.monotonic()
    outcome = None
    if begun.wizard_seconds is not None:
        outcome = await _from_wizard(begun, db)
    if outcome is None:
        outcome = await _attempts(begun, db, show=not held)
        if outcome is not None and begun.wizard_seconds is not None:
            outcome.authored = Message.Authored.FALLBACK
    if outcome is None:
        if held and indicator:
            indicator.cancel()
        return await _fail(turn, prompted, db)
    provenance = _provenance(begun.backend, begun.prompt, outcome, started)
    if held:
        provenance |= await _hold(begun, outcome, indicator)
    else:
        provenance |= _streamed_times(begun, outcome, began)
    reply = await db(_store)(prompted, turn, outcome, provenance, begun.prompt.conversation)
    if begun.backend.streams and not held:
        await sync_to_async(drafts.drop, thread_sensitive=False)(prompted.session_id)
    return reply


async def _typing_at(prompted: Message, when) -> datetime:
    """Show "typing" on the session's pages at ``when`` (a held reply's indicator); returns
    when it went (later than ``when`` if the turn itself started late)."""
    wait = (when - timezone.now()).total_seconds()
    if wait > 0:
        await asyncio.sleep(wait)
    sent = timezone.now()
    await events.abroadcast_agent(prompted.session_id, events.agent_data("thinking", prompted.turn))
    return sent


async def _hold(begun: Begun, outcome: Outcome, indicator) -> dict:
    """Wait until a held reply is due (``chat.pacing``); its times, as the page saw them."""
    prompted, generated = begun.prompted, timezone.now()
    plan = pacing_mod.schedule(
        begun.pacing,
        received=prompted.created_at,
        generated=generated,
        text=persona_mod.parse_reply(outcome.text).text,
        key=pacing_mod.draw_key(
            prompted.session.participant.code, prompted.session.number, prompted.turn
        ),
    )
    wait = (plan.shown - timezone.now()).total_seconds()
    if wait > 0:
        await asyncio.sleep(wait)
    typed = None
    if indicator is not None:
        if indicator.done() and not indicator.cancelled() and indicator.exception() is None:
            typed = indicator.result()
        indicator.cancel()
    return {
        "generated_at": generated,
        "typing_started_at": typed,
        "shown_at": timezone.now(),
    }


def _streamed_times(begun: Begun, outcome: Outcome, began) -> dict:
    """A reply shown as it streams: "typing" from the turn's start, its text from when the
    first of it went to the page in the attempt that made it (a backend that does not
    stream, or a wizard: when it is stored, whole)."""
    now = timezone.now()
    by_backend = outcome.authored in (Message.Authored.AGENT, Message.Authored.FALLBACK)
    first = outcome.shown_from if by_backend else None
    return {"generated_at": now, "typing_started_at": began, "shown_at": first or now}


def agent_turn_run(*, message_id: int) -> Message | None:
    """``agent_turn_arun`` from synchronous code (commands, tests): its database steps run in
    the calling thread, inside any transaction that thread has open. A thread that runs an
    event loop itself (Playwright's, in browser tests) has the turn run on a helper thread."""
    run = partial(
        async_to_sync(agent_turn_arun), message_id, db=partial(sync_to_async, thread_sensitive=True)
    )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with ThreadPoolExecutor(1) as helper:
        return helper.submit(run).result()


def _begin(message_id: int) -> Begun | None:
    """Load the message and its turn; build the prompt and mark the turn running, unless
    the reply is there already."""
    prompted = selectors.prompted_for_turn(message_id)
    if prompted is None:  # its participant withdrew and their data was deleted
        return None
    turn = getattr(prompted, "agent_turn", None)  # queued with the message (``turn_begin``)
    if turn is None:  # a turn started by hand
        turn, _ = AgentTurn.objects.get_or_create(prompted=prompted)
    if turn.status == AgentTurn.Status.DONE:  # the reply and the turn's end are stored together
        existing = prompted.replies.filter(sender=Message.Sender.AGENT).first()
        if existing:
            return Begun(prompted, turn, None, None, existing)
    condition = prompted.session.participant.condition
    backend = get_backend(condition.helper_backend())
    prompt = _prompt(prompted, backend)
    _turn_start(turn)
    wizard = condition.agent_backend == condition.Backend.WIZARD
    seconds = condition.wizard_timeout_seconds if wizard else None
    return Begun(prompted, turn, backend, prompt, None, seconds, condition.pacing)


async def _from_wizard(begun: Begun, db) -> Outcome | None:
    """The wizard's reply as the outcome of the turn, or None if none came in time (the
    helper backend then stands in). A draft, where the condition asks for one, first."""
    condition = begun.prompted.session.participant.condition
    draft = ("", "")
    if condition.wizard_drafts:
        draft = await wizard.draft_of(begun.backend, begun.prompt)
    answered = await wizard.answer(begun.prompted, draft, begun.wizard_seconds, db)
    if answered is None:
        return None
    calls = [ToolCall("propose_change", answered.proposal)] if answered.proposal else []
    return Outcome(
        text=answered.text,
        calls=calls,
        finish=Finish(model=answered.draft_model, finish_reason="wizard"),
        authored=answered.authored,
        wizard_id=answered.wizard_id,
    )


def _prompt(prompted: Message, backend) -> Prompt:
    """The identity as the agent sees it, the conversation so far and how it may propose
    changes, as the backend's plan for this condition asks."""
    condition = prompted.session.participant.condition
    plan = backend.plan(condition.llm_settings())
    drift = planted_drift(prompted.session, f"turn {prompted.turn}")
    plan = plan._replace(settings=plan.settings | drift)
    conversation = selectors.conversation(prompted)
    view = selectors.agent_view(prompted.session, seen=conversation.seen)
    messages = persona_mod.build_prompt(
        view.state,
        conversation.turns,
        changes=view.changes,
        agent_writes=condition.agent_writes,
        proposal_format=plan.proposal_format,
        template=plan.template,
    )
    tools = persona_mod.TOOLS if plan.proposal_format == "tools" else None
    return Prompt(messages, tools, plan, view, conversation)


async def _attempts(begun: Begun, db, *, show: bool):
    """Stream the reply, retrying transient errors with backoff: retries live here, in the
    service, where the draft, the turn's record and the typing indicator are (the task does
    not retry). None once an error is permanent or the attempts are spent. A reply's
    ``retries`` counts every failed attempt on its turn: this run's, and those of earlier
    runs (before the participant's "Try again", or cut off when a process stopped). With
    ``show`` off (a held reply) nothing reaches the page until the reply is stored."""
    turn = begun.turn
    earlier = len(turn.errors)
    for attempt in range(1, settings.DYAD_AGENT_ATTEMPTS + 1):
        try:
            outcome = await _stream(begun.backend, begun.prompt, begun.prompted, show=show)
        except BackendError as error:
            await db(_turn_error)(turn, error, attempt)
            if error.permanent or attempt == settings.DYAD_AGENT_ATTEMPTS:
                return None
            await asyncio.sleep(settings.DYAD_AGENT_BACKOFF_SECONDS * 2 ** (attempt - 1))
        else:
            outcome.retries = earlier + attempt - 1
            return outcome
    return None


@dataclass
class _Relay:
    """Where a reply's batches go: each to the page as a ``delta`` frame, and the text so far
    to the draft cache (for pages that reconnect mid-reply) at most once every
    ``drafts.DRAFT_SECONDS``: a write through a thread costs more than the delta itself
    (measured: 38% of a streaming worker's CPU at every flush)."""

    session_id: int
    reply_to: int
    flusher: Flusher
    saved: float = 0.0  # when the draft was last kept

    async def send(self, offset: int, text: str) -> None:
        await events.abroadcast_delta(self.session_id, self.reply_to, offset, text)
        if self.flusher.sent and time.monotonic() - self.saved >= drafts.DRAFT_SECONDS:
            self.saved = time.monotonic()
            await sync_to_async(drafts.save, thread_sensitive=False)(
                self.session_id, self.reply_to, self.flusher.text
            )


async def _stream(backend, prompt: Prompt, prompted: Message, *, show: bool = True) -> Outcome:
    hidden, outcome, started = HiddenLines(), Outcome(), time.monotonic()
    flusher = Flusher(settings.DYAD_STREAM_FLUSH_SECONDS, limit=texts.MESSAGE_MAX)
    relay = _Relay(prompted.session_id, prompted.turn, flusher)
    pacer = Pacer(flusher, relay.send) if backend.streams and show else None
    if pacer:
        # The model's socket is read on the pacer's clock too: one read then takes every
        # event that came meanwhile, at a fraction of the CPU of a read per token (measured:
        # 36 ms of a worker's CPU per 300-token reply unpaced, 8-12 ms paced at 0.25 s,
        # bench/sse_bench.py), and each read's text makes one batch, sent at once.
        backend.read_every = flusher.interval
    pieces = backend.astream(prompt.messages, settings=prompt.plan.settings, tools=prompt.tools)
    try:
        async for piece in pieces:
            if isinstance(piece, str):
                outcome.text += piece
                if outcome.ttft_ms is None:
                    outcome.ttft_ms = int((time.monotonic() - started) * 1000)
                if pacer:
                    flusher.add(hidden.feed(piece))
                    if outcome.shown_from is None and flusher.pending:
                        outcome.shown_from = timezone.now()
                    pacer.poke()
            elif isinstance(piece, ToolCall):
                outcome.calls.append(piece)
            elif isinstance(piece, Finish):
                outcome.finish = piece
    except BackendError:
        if pacer:
            await pacer.finish()
            if flusher.sent:
                await relay.send(*flusher.reset())
        raise
    except BaseException:
        if pacer:
            pacer.task.cancel()
        raise
    if pacer:
        flusher.add(hidden.end())
        await pacer.finish()
    return outcome


def planted_drift(session, where: str, probe: str = "") -> dict:
    """What the backend's settings carry to make a pilot's offline agent drift at the pilot's
    rate (``planting.settings``), seeded by the pilot, participant, session and ``where``;
    nothing for a person. Only the offline agent reads it (``Pilot.drift`` needs one)."""
    participant = session.participant
    rate = participant.planted_drift()
    if not rate:
        return {}
    key = f"{participant.pilot.seed}:{participant.code}:{session.number}:{where}"
    return planting.settings(rate, key, probe)


def _provenance(backend, prompt: Prompt, outcome: Outcome, started: float) -> dict:
    """How the reply was made (Message.PROVENANCE and what the agent saw)."""
    by_wizard = outcome.authored not in (Message.Authored.AGENT, Message.Authored.FALLBACK)
    return {
        "backend": "wizard" if by_wizard else backend.name,
        "model": outcome.finish.model or prompt.plan.settings.get("model", ""),
        "params": prompt.plan.params | {"proposals": prompt.plan.proposal_format},
        "prompt_hash": prompt_hash(prompt.messages, prompt.tools),
        "ttft_ms": outcome.ttft_ms,
        "latency_ms": int((time.monotonic() - started) * 1000),
        "prompt_tokens": outcome.finish.prompt_tokens,
        "completion_tokens": outcome.finish.completion_tokens,
        "finish_reason": outcome.finish.finish_reason,
        "retries": outcome.retries,
        "authored": outcome.authored,
        "wizard_id": outcome.wizard_id,
        "identity_version": prompt.view.version,
        "revisions_seen": prompt.view.last_revision_id,
        "planted_drift": outcome.finish.planted,  # kept apart: never shown, scored, exported
    }


def _store(
    prompted: Message,
    turn: AgentTurn,
    outcome: Outcome,
    provenance: dict,
    read: selectors.Conversation,
):
    try:
        return _reply_store(prompted, turn, outcome, provenance, read)
    except IntegrityError:  # a concurrent run stored the reply first
        _turn_close(turn, AgentTurn.Status.DONE)
        return prompted.replies.get(sender=Message.Sender.AGENT)
    except ChatError as error:  # the participant withdrew while the agent was replying
        log.info("Reply to message %s dropped: %s", prompted.pk, error.message)
        _turn_close(turn, AgentTurn.Status.FAILED)
        return None


@transaction.atomic
def _reply_store(
    prompted: Message,
    turn: AgentTurn,
    outcome: Outcome,
    provenance: dict,
    read: selectors.Conversation,
) -> Message:
    """Store the reply and close its turn in one transaction: once a page sees the reply,
    the participant may send their next message. ``read``: the transcript as the turn read
    it when it began (the reply answers what the agent saw)."""
    parsed = persona_mod.parse_reply(outcome.text)
    proposals, decisions = persona_mod.from_tool_calls(outcome.calls)
    session = lock_session(prompted.session_id, study=False)
    # What the participant wrote while the agent was replying: as read, if nothing was
    # written since (the reply takes the turn after the newest one read).
    if session.last_turn == read.last_turn + 1:
        waiting = read.waiting
    else:
        waiting = selectors.latest_participant_after(prompted)
    stored = Message.objects.create(
        session=session,
        turn=session.last_turn,
        sender=Message.Sender.AGENT,
        text=texts.clip(texts.scrub(parsed.text)) or "…",
        reply_to=prompted,
        answers=read.answers,
        **provenance,
    )
    session.save(update_fields=["last_turn"])
    _turn_close(turn, AgentTurn.Status.DONE)
    transaction.on_commit(partial(events.broadcast_message, stored))
    if parsed.proposals or parsed.decisions or proposals or decisions:
        agent_changes_apply(
            session=session,
            proposals=parsed.proposals + proposals,
            decisions=parsed.decisions + decisions,
        )
    if waiting is not None:
        answer_pending(session, waiting=waiting)
    return stored


def prompt_hash(prompt: list[dict], tools) -> str:
    """SHA-256 of exactly what was sent: the messages and the tools."""
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


async def _fail(turn: AgentTurn, prompted: Message, db) -> None:
    await db(_turn_close)(turn, AgentTurn.Status.FAILED)
    await sync_to_async(drafts.drop, thread_sensitive=False)(prompted.session_id)
    failed = events.agent_data("failed", prompted.turn, message=events.CALM_FAILURE)
    await events.abroadcast_agent(prompted.session_id, failed)
    return None
