"""Questions put to an ended session's agent out of band, after the session: the Q&A probes
(``probing``) and the personality inventory (``inventory``). Each goes through the session
condition's backend and settings, with the prompt its replies get, from the identity the
session ended with; the answers are never shown to the participant nor part of the
transcript. Synchronous: scoring runs in a background task, never in a turn.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import NamedTuple

from django.utils import translation

from chat import selectors
from chat.agent import persona as persona_mod
from chat.agent.backends import BackendError, Finish, TurnPlan, get_backend
from chat.models import ChatSession
from chat.selectors import IdentityView
from chat.services.agent import prompt_hash


class SessionAgent(NamedTuple):
    """An ended session's agent, as out-of-band questions reach it."""

    session: ChatSession
    backend: object
    plan: TurnPlan
    view: IdentityView  # the identity at the session's end
    language: str  # the study's


class Asked(NamedTuple):
    answer: str  # the reply's text, any PROPOSE or DECIDE line dropped: asking changes nothing
    model: str
    error: str  # "" when answered
    permanent: bool  # the error is one a retry cannot fix: ask nothing more now
    latency_ms: int
    prompt_hash: str
    planted: dict | None = None  # drift a pilot planted in the answer (kept apart, never scored)


def session_agent(session_id: int) -> SessionAgent | None:
    """The agent of an ended session; None for one still running or a withdrawn
    participant's."""
    session = ChatSession.objects.select_related(
        "participant__condition__llm_endpoint",
        "participant__study",
        "participant__identity",
        "participant__pilot",
    ).get(pk=session_id)
    if not session.is_over() or session.participant.withdrawn_at:
        return None
    condition = session.participant.condition
    backend = get_backend(condition.helper_backend())
    view = selectors.identity_view(session.participant.identity, session.identity_version_end)
    plan = backend.plan(condition.llm_settings())
    return SessionAgent(session, backend, plan, view, session.participant.study.language)


def ask(
    agent: SessionAgent,
    turns: Sequence[persona_mod.Turn],
    question: str,
    settings: dict | None = None,
) -> Asked:
    """Put one question to the agent after ``turns`` (the conversation, or none): the
    answer, or the backend's error. ``settings``: added to the condition's (a pilot's
    planted drift)."""
    messages = persona_mod.build_prompt(
        agent.view.state,
        [*turns, persona_mod.Turn("participant", question)],
        proposal_format=agent.plan.proposal_format,
        template=agent.plan.template,
    )
    digest = prompt_hash(messages, None)
    started = time.monotonic()
    try:
        with translation.override(agent.language):
            answer, model, planted = answer_of(
                agent.backend, messages, agent.plan.settings | (settings or {})
            )
    except BackendError as error:
        elapsed = round((time.monotonic() - started) * 1000)
        message = str(error)[:300] or "the backend failed"
        return Asked("", "", message, error.permanent, elapsed, digest)
    elapsed = round((time.monotonic() - started) * 1000)
    return Asked(answer, model, "", False, elapsed, digest, planted)


def answer_of(backend, messages: list[dict], settings: dict) -> tuple[str, str, dict | None]:
    """The answer's text (any proposal in it is dropped), the model that wrote it, and any
    drift a pilot planted in it."""
    pieces, finish = [], Finish()
    for piece in backend.stream(messages, settings=settings):
        if isinstance(piece, str):
            pieces.append(piece)
        elif isinstance(piece, Finish):
            finish = piece
    return persona_mod.parse_reply("".join(pieces)).text.strip(), finish.model, finish.planted
