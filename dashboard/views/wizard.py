"""The wizard's panel in a session's live view (Wizard-of-Oz conditions): the participant's
message waiting for a reply, the agent's draft where the condition drafts, a reply box and
the agent's own way to propose a change. Plain forms; the live view refreshes the panel
when its socket says a request opened or was settled."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from chat.errors import ChatError
from chat.services import wizard
from studies.text import whole_number

from ..access import researcher_study, session_of
from ..pages import live_page
from ..wizard_panel import study_researchers, wizard_context


@require_GET
@researcher_study
def wizard_panel(request, study, session_id: int):
    session = session_of(study, session_id)
    context = wizard_context(request, study, session)
    return render(request, "dashboard/session_live.html#wizard", context)


@require_POST
@researcher_study
def wizard_send(request, study, session_id: int):
    session = session_of(study, session_id)
    try:
        wizard.wizard_reply(
            session_id=session.pk,
            user=request.user,
            text=request.POST.get("text", ""),
            target=request.POST.get("target", ""),
            value=request.POST.get("value", ""),
        )
    except ChatError as error:
        kept = {"error": error.message, "typed": request.POST.get("text", "")}
        return live_page(request, study, session, wizard=kept)
    return redirect("dashboard:live", slug=study.slug, session_id=session.pk)


@require_POST
@researcher_study
def wizard_take_over(request, study, session_id: int):
    """Take over as the session's wizard, or assign it to another of the study's
    researchers (``wizard``: their id)."""
    session = session_of(study, session_id)
    chosen = request.POST.get("wizard")
    user = request.user
    if chosen:
        user = study_researchers(study).filter(pk=whole_number(chosen) or 0).first()
        if user is None:
            refused = {"error": "Choose one of this study's researchers."}
            return live_page(request, study, session, wizard=refused)
    wizard.wizard_take(session_id=session.pk, user=user)
    return redirect("dashboard:live", slug=study.slug, session_id=session.pk)
