"""The participant journey: entry, consent, PMQ, chat, debrief.

Every step view checks where the participant really is (``selectors.participant_step``) and
redirects there if the URL asks for another step, so a link opened twice, a back button or a
bookmark never skips ahead or records anything twice.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat import services as chat_services
from chat.events import status_data
from chat.panel import panel_context
from questionnaires import selectors as q_selectors
from questionnaires import services as q_services
from questionnaires.scoring import AnswerError

from . import selectors, services, session_keys
from .journey import Step

PROLIFIC_PARAMS = ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID")


def step_url(study, step: Step) -> str:
    if step.kind == "wait":
        return reverse("studies:wait", args=[study.slug])
    if step.kind == "pmq":
        return reverse("studies:pmq", args=[study.slug, step.session_number, step.timepoint])
    if step.kind == "chat":
        return reverse("studies:chat", args=[study.slug, step.session_number])
    return reverse(f"studies:{step.kind}", args=[study.slug])


def unavailable(request: HttpRequest, reason: str, study=None, status: int = 200):
    context = {"reason": reason, "study": study}
    return render(request, "studies/unavailable.html", context, status=status)


def _journey_context(request: HttpRequest, slug: str):
    """(study, participant, None) for this browser, or (.., .., response) to return instead:
    a not-found page, or the entry link for a browser that is nobody in this study yet."""
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
            study, participant, elsewhere = _journey_context(request, slug)
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
            return view(request, study, participant, step, **kwargs)

        return wrapped

    return decorator


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "studies/home.html")


@require_GET
def entry(request: HttpRequest, slug: str) -> HttpResponse:
    study = selectors.study_for_entry(slug)
    if study is None:
        return unavailable(request, "not_found", status=404)
    pid = services.recruitment_id(request.GET.get("PROLIFIC_PID", ""))
    if pid:
        participant = study.participants.filter(external_id=pid).first()
    else:
        known = session_keys.participant_id_for(request.session, study.pk)
        participant = selectors.participant_in_study(study, known)
    if participant is None:
        if not study.is_open():
            return unavailable(request, study.closed_reason(), study=study)
        participant = services.participant_enter(
            study=study,
            external_id=pid,
            external_study_id=request.GET.get("STUDY_ID", ""),
            external_session_id=request.GET.get("SESSION_ID", ""),
        )
    session_keys.remember(request.session, study.pk, participant.pk)
    return redirect(step_url(study, selectors.participant_step(participant)))


@require_http_methods(["GET", "POST"])
@participant_step("consent")
def consent(request, study, participant, step) -> HttpResponse:
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision == "agree":
            services.participant_consent(participant_id=participant.pk)
        elif decision == "decline":
            services.participant_decline(participant_id=participant.pk)
        else:
            context = {"study": study, "error": "Please choose whether you agree to take part."}
            return render(request, "studies/consent.html", context, status=400)
        return redirect("studies:entry", slug=study.slug)
    return render(request, "studies/consent.html", {"study": study})


@require_GET
@participant_step("declined")
def declined(request, study, participant, step) -> HttpResponse:
    return render(request, "studies/declined.html", {"study": study})


@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    """Offered on every page of the journey: confirm, then withdraw and show the receipt."""
    study, participant, elsewhere = _journey_context(request, slug)
    if elsewhere:
        return elsewhere
    if participant.withdrawn_at:
        return redirect("studies:withdrawn", slug=slug)
    if request.method == "POST":
        services.participant_withdraw(participant_id=participant.pk)
        return redirect("studies:withdrawn", slug=slug)
    return render(request, "studies/withdraw.html", {"study": study})


@require_GET
@participant_step("withdrawn")
def withdrawn(request, study, participant, step) -> HttpResponse:
    context = {"study": study, "receipt": participant.withdrawal_receipt}
    return render(request, "studies/withdrawn.html", context)


@require_http_methods(["GET", "POST"])
@participant_step("pmq")
def pmq(request, study, participant, step) -> HttpResponse:
    administration = q_services.administration_open(
        participant=participant, session_number=step.session_number, timepoint=step.timepoint
    )
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    if request.method == "POST":
        submitted = {key: request.POST.getlist(key) for key in request.POST}
        try:
            q_services.administration_submit(
                administration_id=administration.pk, submitted=submitted
            )
        except q_services.AlreadySubmitted:
            pass
        except AnswerError as error:
            errors = error.errors
            chosen = {code: values[0] for code, values in submitted.items() if values}
        if not errors:
            return redirect("studies:entry", slug=study.slug)
    context = {
        "study": study,
        "step": step,
        "administration": administration,
        "items": q_selectors.items_as_shown(administration),
        "errors": errors,
        "chosen": chosen,
        "points": range(1, administration.instrument.scale_points + 1),
    }
    return render(request, "questionnaires/pmq.html", context, status=400 if errors else 200)


@require_GET
@participant_step("chat")
def chat(request, study, participant, step) -> HttpResponse:
    session = chat_services.session_open(participant=participant, number=step.session_number)
    context = panel_context(session)
    agent_name = context["panel"]["agent_name"]
    context |= {
        "chat_messages": session.messages.order_by("turn"),
        "status": status_data(session),
        "agent_name": agent_name,
        "chat_config": {
            "agentName": agent_name,
            "maxChars": settings.DYAD_MAX_MESSAGE_CHARS,
            "staleSeconds": settings.DYAD_AGENT_STALE_SECONDS + 5,
        },
    }
    return render(request, "chat/chat.html", context)


@require_POST
@participant_step("chat")
def chat_finish(request, study, participant, step) -> HttpResponse:
    session = chat_services.session_open(participant=participant, number=step.session_number)
    try:
        chat_services.session_finish(session_id=session.pk)
    except chat_services.ChatError as error:
        context = {
            "study": study,
            "reason": "too_early",
            "detail": error.message,
            "back": step_url(study, step),
        }
        return render(request, "studies/unavailable.html", context, status=400)
    return redirect("studies:entry", slug=study.slug)


@require_GET
@participant_step("wait")
def wait(request, study, participant, step) -> HttpResponse:
    context = {"study": study, "number": step.session_number, "opens_at": step.opens_at}
    return render(request, "studies/wait.html", context)


@require_GET
@participant_step("debrief")
def debrief(request, study, participant, step) -> HttpResponse:
    services.participant_complete(participant=participant)
    code = study.completion_code or participant.code
    return render(request, "studies/debrief.html", {"study": study, "code": code})


@require_GET
@participant_step("debrief")
def complete(request, study, participant, step) -> HttpResponse:
    """Send a finished participant back to Prolific (only reachable once all is saved)."""
    if not study.prolific_completion_url:
        return redirect("studies:debrief", slug=study.slug)
    return redirect(study.prolific_completion_url)
