"""The chat's pages: the chat itself and finishing it; the identity panel (edit a field, add
or remove a statement, settle a proposal: each answers htmx with the panel fragment, plain
forms with a redirect); and withdrawing from the study, which ends the chat."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studies import framing
from studies import selectors as study_selectors
from studies.errors import Refused
from studies.services import enrolment
from studies.steps import in_language, journey_context, participant_step, step_url

from . import selectors, services
from .events import CLOSED, REFUSED, status_data
from .page_text import page_text
from .panel import TEMPLATE, panel_context, panel_html

QUIET_SECONDS = 10  # a page waiting on a reply that hears nothing this long asks what there is


def _session(participant, step):
    """The step's session: the one the gate read, or a new one (which opens with a greeting)."""
    number = step.session_number
    found = selectors.session_numbered(participant, number)
    return found or services.session_open(participant=participant, number=number)


@require_GET
@participant_step("chat")
def chat(request, study, participant, step) -> HttpResponse:
    session = _session(participant, step)
    view = selectors.identity_now(participant.pk)
    condition = participant.condition
    mode = condition.panel_visibility
    agent_name = framing.partner_name(condition, view.state["persona"]["name"])
    context = {
        "study": study,
        "session": session,
        "panel": {"mode": mode},
        "panel_html": panel_html(request, session, view) if mode != "hidden" else "",
        "chat_messages": selectors.transcript(session),
        "status": status_data(session),
        "agent_name": agent_name,
        "partner": {
            "name": agent_name,
            "phrase": framing.framing_phrase(condition),
            "sentence": framing.framing_sentence(condition),
            "picture": condition.partner_picture,
            "picture_alt": condition.partner_picture_alt,
        },
        "labels": {"participant": _("You"), "agent": agent_name, "system": _("Note")},
        "chat_config": {
            "agentName": agent_name,
            "nameFixed": condition.partner_name != condition.PartnerName.IDENTITY,
            "maxChars": settings.DYAD_MAX_MESSAGE_CHARS,
            "quietSeconds": QUIET_SECONDS,
            "recordTyping": study.record_typing,
            "text": page_text(),
            "closeCodes": {"refused": REFUSED, "closed": CLOSED},
        },
    }
    return render(request, "chat/chat.html", context)


@require_POST
@participant_step("chat")
def chat_finish(request, study, participant, step) -> HttpResponse:
    session = _session(participant, step)
    try:
        services.session_finish(session_id=session.pk)
    except services.ChatError as error:
        context = {
            "study": study,
            "reason": "too_early",
            "detail": error.message,
            "back": step_url(study, step),
        }
        return render(request, "studies/unavailable.html", context, status=400)
    return redirect("studies:entry", slug=study.slug)


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    """Offered on every page of the journey: confirm, then withdraw and show the receipt."""
    study, participant, elsewhere = journey_context(request, slug)
    if elsewhere:
        return elsewhere
    if participant.withdrawn_at:
        return redirect("studies:withdrawn", slug=slug)
    if request.method == "POST":
        if study_selectors.participant_step(participant).kind == "reveal":
            # At the reveal, withdrawing is declining the use of their data: they finished.
            services.reconsent_decline(participant_id=participant.pk)
        else:
            services.participant_withdraw(participant_id=participant.pk)
        return redirect("studies:withdrawn", slug=slug)
    with in_language(study):
        return render(request, "chat/withdraw.html", {"study": study})


@require_http_methods(["GET", "POST"])
@participant_step("reveal")
def reveal(request, study, participant, step) -> HttpResponse:
    """A deceptive condition's reveal, after the last questionnaire: the truth, then the
    choice again whether their data may be used. Declining withdraws them (here, with the
    withdrawal, because the chat holds most of their data); either way they have finished,
    and get the study's completion code."""
    enrolment.participant_complete(participant=participant)
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision == "use":
            enrolment.reconsent_record(participant_id=participant.pk, given=True)
            return redirect("studies:entry", slug=study.slug)
        if decision == "withdraw":
            services.reconsent_decline(participant_id=participant.pk)
            return redirect("studies:withdrawn", slug=study.slug)
        context = {
            "study": study,
            "condition": participant.condition,
            "error": _("Please choose whether your data may be used."),
        }
        return render(request, "chat/reveal.html", context, status=400)
    return render(request, "chat/reveal.html", {"study": study, "condition": participant.condition})


def _respond(request, study, step, session, *, message="", error=""):
    if request.htmx:
        context = panel_context(session, message=message, error=error)
        return render(request, TEMPLATE, context, status=400 if error else 200)
    if error:
        context = {
            "study": study,
            "reason": "refused",
            "detail": error,
            "back": step_url(study, step),
        }
        return render(request, "studies/unavailable.html", context, status=400)
    return redirect(step_url(study, step))


@require_GET
@participant_step("chat")
def identity_panel(request, study, participant, step):
    """The panel as it stands: what a page fetches after an ``identity`` notice."""
    if participant.condition.panel_visibility == "hidden":
        raise Http404("This study has no identity panel.")
    session = _session(participant, step)
    return HttpResponse(panel_html(request, session, selectors.identity_now(participant.pk)))


@require_POST
@participant_step("chat")
def identity_edit(request, study, participant, step):
    session = _session(participant, step)
    target = request.POST.get("target", "")
    value = None if request.POST.get("remove") else request.POST.get("value", "")
    try:
        revision = services.identity_edit(session_id=session.pk, target=target, value=value)
    except Refused as refused:
        return _respond(request, study, step, session, error=refused.message)
    if revision is None:
        message = _("Nothing changed: that is already the value.")
    elif revision.status == "proposed":
        message = _("Suggested. The agent will consider it on its next turn.")
    else:
        message = _("Saved.")
    return _respond(request, study, step, session, message=message)


@require_POST
@participant_step("chat")
def proposal_decide(request, study, participant, step, proposal_id: int):
    session = _session(participant, step)
    decision = request.POST.get("decision")
    if decision not in ("accept", "reject"):
        return _respond(request, study, step, session, error=_("Choose accept or reject."))
    try:
        services.proposal_decide(
            session_id=session.pk, proposal_id=proposal_id, accept=decision == "accept"
        )
    except Refused as refused:
        return _respond(request, study, step, session, error=refused.message)
    message = _("Accepted.") if decision == "accept" else _("Rejected.")
    return _respond(request, study, step, session, message=message)
