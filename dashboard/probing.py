"""The Q&A probes at the end of a session (``chat.agent.probes``): each question put to the
session's agent, out of band, from the identity the session ended with and the conversation
it had; the answers are stored apart from the transcript (``Probe``) and never shown to the
participant. Part of scoring (``scoring``, beside ``judging``), not of the chat: synchronous,
it runs in a background task after the session, never in a turn.
"""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction
from django.utils import translation

from chat import selectors
from chat.agent import persona as persona_mod
from chat.agent.backends import BackendError, Finish, get_backend
from chat.agent.probes import PROBE_SET, PROBES, question
from chat.models import ChatSession, Probe
from chat.services.agent import planted_drift, prompt_hash


def probes_ask(*, session_id: int) -> list[Probe]:
    """Ask every probe not yet answered for this ended session; returns the answered ones.
    A backend error is kept on a row of its own (``error``) and the remaining probes are
    still asked, unless the error is one a retry cannot fix."""
    session = ChatSession.objects.select_related(
        "participant__condition__llm_endpoint",
        "participant__study",
        "participant__identity",
        "participant__pilot",
    ).get(pk=session_id)
    if not session.is_over() or session.participant.withdrawn_at:
        return []
    condition = session.participant.condition
    backend = get_backend(condition.helper_backend())
    plan = backend.plan(condition.llm_settings())
    view = selectors.identity_view(session.participant.identity, session.identity_version_end)
    turns = [
        persona_mod.Turn(sender, text)
        for sender, text in session.messages.order_by("turn").values_list("sender", "text")
    ]
    answered = set(
        session.probes.filter(probe_set=PROBE_SET, error="").values_list("key", flat=True)
    )
    language = session.participant.study.language
    for probe in PROBES:
        if probe.key in answered:
            continue
        asked = question(probe, language)
        messages = persona_mod.build_prompt(
            view.state,
            [*turns, persona_mod.Turn("participant", asked)],
            proposal_format=plan.proposal_format,
            template=plan.template,
        )
        row = Probe(
            session=session,
            probe_set=PROBE_SET,
            key=probe.key,
            question=asked,
            identity_version=view.version,
            backend=backend.name,
            prompt_hash=prompt_hash(messages, None),
        )
        settings = plan.settings | planted_drift(session, f"probe {probe.key}", probe.key)
        started = time.monotonic()
        try:
            with translation.override(language):
                row.answer, row.model, row.planted_drift = _ask(backend, messages, settings)
        except BackendError as error:
            row.error = str(error)[:300] or "the backend failed"
            row.latency_ms = round((time.monotonic() - started) * 1000)
            row.save()
            if error.permanent:
                break
            continue
        row.latency_ms = round((time.monotonic() - started) * 1000)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # another scoring of this session answered it meanwhile
            continue
    return list(session.probes.filter(probe_set=PROBE_SET, error=""))


def _ask(backend, messages: list[dict], settings: dict) -> tuple[str, str, dict | None]:
    """The answer's text (any proposal in it is dropped: probes change nothing), the model
    that wrote it, and any drift a pilot planted in it (kept apart, never scored)."""
    pieces, finish = [], Finish()
    for piece in backend.stream(messages, settings=settings):
        if isinstance(piece, str):
            pieces.append(piece)
        elif isinstance(piece, Finish):
            finish = piece
    return persona_mod.parse_reply("".join(pieces)).text.strip(), finish.model, finish.planted
