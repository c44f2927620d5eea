"""The gate of every participant page: which participant this browser is, where they are in
the journey, and the decorator that sends them there.

The journey's rules live in ``journey`` (pure: facts in, the next step out); the facts are
gathered by ``selectors.participant_step``; ``participant_step`` below enforces the answer
on every page, whichever app serves it (chat, questionnaires or this one), so a link opened
twice, a back button or a bookmark never skips ahead or records anything twice.
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation

from . import selectors, session_keys
from .journey import Step

# The page of each step, by URL name (the apps that serve them are above this one).
STEP_PAGES = {
    "consent": "studies:consent",
    "declined": "studies:declined",
    "withdrawn": "studies:withdrawn",
    "pmq": "questionnaires:pmq",
    "comprehension": "studies:comprehension",
    "chat": "chat:chat",
    "wait": "studies:wait",
    "reveal": "chat:reveal",  # declining there withdraws: the chat app's to do
    "debrief": "studies:debrief",
}
# Pages on which a participant may withdraw (the footer link).
JOURNEY_PAGES = {
    STEP_PAGES[kind]
    for kind in ("consent", "pmq", "comprehension", "chat", "wait", "reveal", "debrief")
}


def step_url(study, step: Step) -> str:
    name = STEP_PAGES[step.kind]
    if step.kind == "pmq":
        return reverse(name, args=[study.slug, step.session_number, step.timepoint])
    if step.kind == "chat":
        return reverse(name, args=[study.slug, step.session_number])
    return reverse(name, args=[study.slug])


def in_language(study):
    """Participant pages speak the study's language (the dashboard stays in English)."""
    return translation.override(study.language if study else None)


def unavailable(request: HttpRequest, reason: str, study=None, status: int = 200):
    context = {"reason": reason, "study": study}
    with in_language(study):
        return render(request, "studies/unavailable.html", context, status=status)


def journey_context(request: HttpRequest, slug: str):
    """(study, participant, None) for this browser, or (.., .., response) to return instead:
    a not-found page, or the entry link for a browser that is nobody in this study yet."""
    # One query for the usual case (the participant, their study and condition); the study
    # alone only for a browser that is nobody there.
    session = request.session
    participant = selectors.participant_entering(slug, session_keys.participant_ids(session))
    if participant and participant.pk == session_keys.participant_id_for(
        session, participant.study_id
    ):
        return participant.study, participant, None
    study = selectors.study_for_entry(slug)
    if study is None:
        return None, None, unavailable(request, "not_found", status=404)
    pid = session_keys.participant_id_for(request.session, study.pk)
    participant = selectors.participant_in_study(study, pid)
    if participant is None:
        return study, None, redirect("studies:entry", slug=slug)
    return study, participant, None


def participant_step(kind: str):
    """Run the view only if this is the participant's current step; else go there."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, slug: str, **kwargs):
            study, participant, elsewhere = journey_context(request, slug)
            if elsewhere:
                return elsewhere
            step = selectors.participant_step(participant)
            number, timepoint = kwargs.pop("number", None), kwargs.pop("timepoint", None)
            here = (
                step.kind == kind
                and number in (None, step.session_number)
                and timepoint in (None, step.timepoint)
            )
            if not here:
                return redirect(step_url(study, step))
            with in_language(study):
                return view(request, study, participant, step, **kwargs)

        return wrapped

    return decorator


def journey_pages(request) -> dict:
    """Template context: whether this page is one a participant may withdraw from."""
    match = getattr(request, "resolver_match", None)
    return {"on_journey_page": bool(match) and match.view_name in JOURNEY_PAGES}
