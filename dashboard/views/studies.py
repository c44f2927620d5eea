"""The researcher's studies: the list, a new study (blank, from a template or a copy), a
study's page (enrolment funnel, live and finished sessions, pilots), trying it as a
participant, and withdrawing a participant on their request."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat import presence
from chat import services as chat_services
from studies import session_keys
from studies.models import Condition, Study
from studies.services import designing
from studies.text import whole_number

from .. import selectors
from ..access import researcher_study
from ..forms import PilotForm, StudyCopyForm, StudyForm
from ..pages import cohort_context


@require_GET
@login_required
def study_list(request):
    return render(
        request, "dashboard/study_list.html", {"studies": selectors.study_list(request.user)}
    )


@require_GET
@researcher_study
def study_detail(request, study):
    context = cohort_context(request, study)
    cohort = context["cohort"]
    live = list(selectors.live_sessions(study, cohort))
    here = presence.online([s.pk for s in live])
    for session in live:
        session.online = session.pk in here
    conditions = list(study.conditions.values_list("name", flat=True))
    context |= {
        "funnel": selectors.funnel(study, cohort),
        "live": live,
        "finished": selectors.finished_sessions(study, cohort),
        "pilot_form": PilotForm(conditions=conditions),
    }
    return render(request, "dashboard/study_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def study_new(request):
    form = StudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        study = designing.study_create(owner=request.user, **form.cleaned_data)
        return redirect("dashboard:study", slug=study.slug)
    copy_form = StudyCopyForm(
        initial={"source": request.GET.get("from", "")}, studies=_own_studies(request.user)
    )
    return _new_page(request, form, copy_form)


def _own_studies(user):
    return Study.objects.visible_to(user).order_by("title")


def _new_page(request, form, copy_form):
    status = 400 if form.errors or copy_form.errors else 200
    context = {"form": form, "copy_form": copy_form, "heading": "New study"}
    return render(request, "dashboard/study_new.html", context, status=status)


@require_POST
@login_required
def study_new_copy(request):
    """A new draft from a template or a copy of one of the researcher's studies."""
    copy_form = StudyCopyForm(request.POST, studies=_own_studies(request.user))
    if copy_form.is_valid():
        data = copy_form.cleaned_data
        try:
            study = designing.study_copy(
                owner=request.user, title=data["title"], slug=data["slug"], **copy_form.origin()
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                copy_form.add_error(field if field in copy_form.fields else None, problems)
        else:
            return redirect("dashboard:study", slug=study.slug)
    return _new_page(request, StudyForm(), copy_form)


@require_POST
@researcher_study
def preview(request, study):
    """Try the participant journey in one condition, in this browser, without it counting."""
    condition_id = whole_number(request.POST.get("condition"))
    condition = get_object_or_404(Condition, study=study, pk=condition_id or 0)
    participant = designing.preview_start(study=study, condition=condition)
    session_keys.remember(request.session, study.pk, participant.pk)
    return redirect("studies:entry", slug=study.slug)


@require_POST
@researcher_study
def participant_withdraw(request, study):
    """Withdraw a participant on their request (by their pseudonymous code)."""
    code = request.POST.get("code", "").strip().upper()
    valid = re.fullmatch(r"P-[A-Z0-9]{8}", code) is not None
    participant = study.participants.filter(code=code).first() if valid else None
    if participant is None:
        context = {
            "study": study,
            "heading": "Withdraw a participant",
            "refused": f"No participant with the code {code[:20] or '(empty)'} in this study.",
        }
        return render(request, "dashboard/form.html", context, status=400)
    participant = chat_services.participant_withdraw(participant_id=participant.pk)
    context = {"study": study, "participant": participant}
    return render(request, "dashboard/withdrawn.html", context)
