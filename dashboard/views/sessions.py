"""One session: its review (the transcript, every change to the identity, any two versions
compared, its measures), its live view, and the researcher's controls while it runs (a note
to the participant, pausing the agent)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from chat import services as chat_services
from questionnaires.pmq import FACTORS
from studies.text import whole_number

from .. import analytics, selectors
from ..access import researcher_study, session_of
from ..pages import identity_context, live_page
from ..readable import differences, readable


@require_GET
@researcher_study
def session_review(request, study, session_id: int):
    session = session_of(study, session_id)
    state, shown_version = selectors.identity_at(session, whole_number(request.GET.get("version")))
    earlier = selectors.identity_at(session, shown_version - 1)[0] if shown_version > 1 else None
    context = {
        "study": study,
        "session": session,
        "identity": state,
        "readable": readable(state, earlier),
        "against_version": shown_version - 1 if earlier is not None else None,
        "shown_version": shown_version,
        **_comparison(session, request.GET),
        **selectors.session_review(session),
        "measures": analytics.session_timeline(session),
        "factors": FACTORS,
    }
    return render(request, "dashboard/session_review.html", context)


def _comparison(session, query) -> dict:
    """The diff between two versions the researcher chose (``?from=&to=``), if they did."""
    newest = selectors.identity_at(session, None)[1]
    versions = list(range(1, newest + 1))
    chosen = whole_number(query.get("from")), whole_number(query.get("to"))
    context = {"versions": versions, "compare_from": chosen[0], "compare_to": chosen[1]}
    if all(v in versions for v in chosen):
        a, b = (selectors.identity_at(session, v)[0] for v in chosen)
        context["comparison"] = differences(a, b)
    elif any(chosen):
        context["comparison_error"] = f"Choose two versions from 1 to {newest}."
    return context


@require_GET
@researcher_study
def session_live(request, study, session_id: int):
    return live_page(request, study, session_of(study, session_id))


@require_GET
@researcher_study
def session_live_identity(request, study, session_id: int):
    """The live view's identity as it stands: fetched after an ``identity`` notice."""
    context = identity_context(study, session_of(study, session_id))
    return render(request, "dashboard/session_live.html#identity", context)


@require_POST
@researcher_study
def session_note(request, study, session_id: int):
    session = session_of(study, session_id)
    try:
        chat_services.researcher_note(session_id=session.pk, text=request.POST.get("text", ""))
    except chat_services.ChatError as error:
        return live_page(request, study, session, error.message)
    return _back(request, study, session)


@require_POST
@researcher_study
def session_pause(request, study, session_id: int):
    session = session_of(study, session_id)
    chat_services.agent_pause(session_id=session.pk, paused=request.POST.get("paused") == "1")
    return _back(request, study, session)


def _back(request, study, session):
    """Back where the control was used: the study's live overview, or the session's view."""
    if request.POST.get("back") == "overview":
        return redirect("dashboard:live-overview", slug=study.slug)
    return redirect("dashboard:live", slug=study.slug, session_id=session.pk)
