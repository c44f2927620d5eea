"""The journey's study pages: entry, consent, waiting between sessions, debrief, and the
withdrawal receipt. The chat's pages are chat's, the PMQ's questionnaires'; every one of them
goes through the same gate (``steps.participant_step``)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from . import pictures, prolific, selectors, session_keys
from .framing import framing_sentence
from .services import enrolment
from .steps import participant_step, step_url, unavailable


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "studies/home.html")


@require_GET
def entry(request: HttpRequest, slug: str) -> HttpResponse:
    study = selectors.study_for_entry(slug)
    if study is None:
        return unavailable(request, "not_found", status=404)
    pilot = None
    if "pilot" in request.GET:  # a simulated participant: only a signed token makes one
        pilot = enrolment.pilot_for_token(study, request.GET["pilot"])
        if pilot is None:
            return unavailable(request, "bad_pilot", study=study, status=400)
    pid = enrolment.recruitment_id(request.GET.get("PROLIFIC_PID", ""))
    if pid and not pilot:
        participant = study.participants.recruited_as(study, pid).first()
    else:
        known = session_keys.participant_id_for(request.session, study.pk)
        participant = selectors.participant_in_study(study, known)
    if participant is None:
        if not (study.is_open() or pilot):  # pilots may run before a study is published
            return unavailable(request, study.closed_reason(), study=study)
        participant = enrolment.participant_enter(
            study=study,
            external_id="" if pilot else pid,
            external_study_id=request.GET.get("STUDY_ID", ""),
            external_session_id=request.GET.get("SESSION_ID", ""),
            pilot=pilot,
        )
    session_keys.remember(request.session, study.pk, participant.pk)
    return redirect(step_url(study, selectors.participant_step(participant)))


@require_http_methods(["GET", "POST"])
@participant_step("consent")
def consent(request, study, participant, step) -> HttpResponse:
    framing = framing_sentence(participant.condition)  # set by now where a condition frames
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision == "agree":
            enrolment.participant_consent(participant_id=participant.pk)
        elif decision == "decline":
            enrolment.participant_decline(participant_id=participant.pk)
        else:
            context = {
                "study": study,
                "framing": framing,
                "error": _("Please choose whether you agree to take part."),
            }
            return render(request, "studies/consent.html", context, status=400)
        return redirect("studies:entry", slug=study.slug)
    return render(request, "studies/consent.html", {"study": study, "framing": framing})


@require_http_methods(["GET", "POST"])
@participant_step("comprehension")
def comprehension(request, study, participant, step) -> HttpResponse:
    """The instructions, then one question about them; a wrong answer may be tried again."""
    error, status = "", 200
    if request.method == "POST":
        chosen = request.POST.getlist("choice")  # one line: two are no answer, not the last
        try:
            participant = enrolment.comprehension_answer(
                participant_id=participant.pk, choice=chosen[0] if len(chosen) == 1 else ""
            )
        except enrolment.NotAChoice:
            error, status = _("Please choose one of the answers."), 400
        else:
            if participant.comprehension_passed is not None:
                return redirect("studies:entry", slug=study.slug)
            left = study.comprehension_tries - len(participant.comprehension_answers)
            error = ngettext(
                "That is not quite right. Please read the instructions again (%(count)s try left).",
                "That is not quite right. Please read the instructions again (%(count)s tries "
                "left).",
                left,
            ) % {"count": left}
    context = {"study": study, "choices": study.choices(), "error": error}
    return render(request, "studies/comprehension.html", context, status=status)


@require_GET
@participant_step("declined")
def declined(request, study, participant, step) -> HttpResponse:
    context = {
        "study": study,
        "return_to": study.prolific_return(prolific.DECLINED),
        "code": study.outcome_code(prolific.DECLINED),
    }
    return render(request, "studies/declined.html", context)


@require_GET
@participant_step("withdrawn")
def withdrawn(request, study, participant, step) -> HttpResponse:
    # Declining the use of their data after a deceptive condition's reveal is a withdrawal
    # of someone who finished: they get the completion code.
    finished = participant.reconsent == participant.Reconsent.DECLINED
    outcome = prolific.COMPLETED if finished else prolific.WITHDRAWN
    context = {
        "study": study,
        "receipt": participant.withdrawal_receipt,
        "return_to": study.prolific_return(outcome),
        "code": study.outcome_code(outcome) or (participant.code if finished else ""),
        "finished": finished,
    }
    return render(request, "studies/withdrawn.html", context)


@require_GET
@participant_step("wait")
def wait(request, study, participant, step) -> HttpResponse:
    context = {"study": study, "number": step.session_number, "opens_at": step.opens_at}
    return render(request, "studies/wait.html", context)


@require_GET
@participant_step("debrief")
def debrief(request, study, participant, step) -> HttpResponse:
    enrolment.participant_complete(participant=participant)
    outcome = selectors.finish_outcome(participant)
    context = {
        "study": study,
        "code": study.outcome_code(outcome) or participant.code,
        "return_to": reverse("studies:complete", args=[study.slug])
        if study.prolific_return(outcome)
        else "",
    }
    return render(request, "studies/debrief.html", context)


@require_GET
@participant_step("debrief")
def complete(request, study, participant, step) -> HttpResponse:
    """Send a finished participant back to Prolific (only reachable once all is saved)."""
    address = study.prolific_return(selectors.finish_outcome(participant))
    if not address:
        return redirect("studies:debrief", slug=study.slug)
    return redirect(address)


@require_GET
def partner_picture(request: HttpRequest, name: str) -> HttpResponse:
    """A partner's picture, by the content-addressed name a condition records: it never
    changes, so browsers may keep it."""
    found = pictures.picture_file(name)
    if found is None:
        raise Http404("No such picture.")
    path, content_type = found
    response = HttpResponse(path.read_bytes(), content_type=content_type)  # 512 KiB at most
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
