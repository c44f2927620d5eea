"""What several page families show alike: the cohort chooser (people or one pilot's simulated
participants) and a session's live view (its identity, transcript and wizard panel), which
the session controls and the wizard's forms render again with what they refused."""

from __future__ import annotations

from django.shortcuts import render

from chat import events

from . import selectors
from .readable import readable
from .wizard_panel import wizard_context


def cohort_context(request, study) -> dict:
    """The study, whose data the page shows (``?pilot=``: people, all, or one pilot's), and
    the pilots to choose from."""
    return {
        "study": study,
        "cohort": selectors.cohort(study, request.GET.get("pilot")),
        "pilots": study.pilots.select_related("created_by"),
    }


def identity_context(study, session) -> dict:
    """The session's identity as it stands, in words, against the version before it."""
    view = selectors.identity_view_of(session)
    earlier = selectors.identity_at(session, view.version - 1)[0] if view.version > 1 else None
    return {
        "study": study,
        "session": session,
        "identity": view.state,
        "readable": readable(view.state, earlier),
        "against_version": view.version - 1 if earlier is not None else None,
        "shown_version": view.version,
        "revision": view.last_revision_id,
    }


def live_page(request, study, session, error: str = "", wizard: dict | None = None):
    """The session's live view; with ``error`` (a control refused), status 400. A wizard
    condition's panel comes with it (``wizard``: what its form should show again)."""
    context = {
        **identity_context(study, session),
        "chat_messages": session.messages.order_by("turn"),
        "labels": {sender: sender for sender in ("participant", "agent", "system")},
        "live_config": {"closeCodes": {"refused": events.REFUSED, "closed": events.CLOSED}},
        "wizard_condition": session.participant.condition.agent_backend == "wizard",
        "error": error,
    }
    if context["wizard_condition"]:
        context |= wizard_context(request, study, session, **(wizard or {}))
    status = 400 if error or (wizard or {}).get("error") else 200
    return render(request, "dashboard/session_live.html", context, status=status)
