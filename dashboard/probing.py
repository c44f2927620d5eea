"""The Q&A probes at the end of a session (``chat.agent.probes``): each question put to the
session's agent, out of band (``asking``), from the identity the session ended with and the
conversation it had; the answers are stored apart from the transcript (``Probe``) and never
shown to the participant. Part of scoring (``scoring``, beside ``judging``), not of the chat:
synchronous, it runs in a background task after the session, never in a turn.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from chat.agent import persona as persona_mod
from chat.agent.probes import PROBE_SET, PROBES, question
from chat.models import Probe
from chat.services.agent import planted_drift

from . import asking


def probes_ask(*, session_id: int) -> list[Probe]:
    """Ask every probe not yet answered for this ended session; returns the answered ones.
    A backend error is kept on a row of its own (``error``) and the remaining probes are
    still asked, unless the error is one a retry cannot fix."""
    agent = asking.session_agent(session_id)
    if agent is None:
        return []
    session = agent.session
    turns = [
        persona_mod.Turn(sender, text)
        for sender, text in session.messages.order_by("turn").values_list("sender", "text")
    ]
    answered = set(
        session.probes.filter(probe_set=PROBE_SET, error="").values_list("key", flat=True)
    )
    for probe in PROBES:
        if probe.key in answered:
            continue
        asked = question(probe, agent.language)
        drift = planted_drift(session, f"probe {probe.key}", probe.key)  # a pilot's, if any
        result = asking.ask(agent, turns, asked, drift)
        row = Probe(
            session=session,
            probe_set=PROBE_SET,
            key=probe.key,
            question=asked,
            answer=result.answer,
            model=result.model,
            error=result.error,
            identity_version=agent.view.version,
            backend=agent.backend.name,
            prompt_hash=result.prompt_hash,
            latency_ms=result.latency_ms,
            planted_drift=result.planted,
        )
        if result.error:
            row.save()
            if result.permanent:
                break
            continue
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # another scoring of this session answered it meanwhile
            continue
    return list(session.probes.filter(probe_set=PROBE_SET, error=""))
