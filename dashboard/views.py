"""The researcher dashboard: studies, enrolment funnel, session review, PMQ results.

Every view goes through ``researcher_study``: a researcher sees only the studies they own or
collaborate on (any other is "not found", like a study that does not exist), and people who
are not signed in (participants among them) are sent to the sign-in page.
"""

from __future__ import annotations

import re
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat import events, presence
from chat import services as chat_services
from chat.models import ChatSession
from questionnaires.pmq import FACTORS, NOTE
from studies import session_keys
from studies.models import Condition, Study
from studies.services import designing
from studies.text import whole_number

from . import analytics, selectors
from .charts import pmq_chart
from .forms import ConditionForm, PilotForm, StudyCopyForm, StudyForm
from .readable import differences, readable
from .wizard_panel import wizard_context


def researcher_study(view):
    @login_required
    @wraps(view)
    def wrapped(request, slug: str, **kwargs):
        # Another researcher's study answers exactly like one that does not exist: its
        # slug must not tell anyone that it is there.
        study = Study.objects.visible_to(request.user).filter(slug=slug).first()
        if study is None:
            raise Http404("No such study.")
        return view(request, study, **kwargs)

    return wrapped


@require_GET
@login_required
def study_list(request):
    return render(
        request, "dashboard/study_list.html", {"studies": selectors.study_list(request.user)}
    )


@require_GET
@researcher_study
def study_detail(request, study):
    cohort = selectors.cohort(study, request.GET.get("pilot"))
    live = list(selectors.live_sessions(study, cohort))
    here = presence.online([s.pk for s in live])
    for session in live:
        session.online = session.pk in here
    conditions = list(study.conditions.values_list("name", flat=True))
    context = {
        "study": study,
        "cohort": cohort,
        "funnel": selectors.funnel(study, cohort),
        "live": live,
        "finished": selectors.finished_sessions(study, cohort),
        "pilots": study.pilots.select_related("created_by"),
        "pilot_form": PilotForm(conditions=conditions),
    }
    return render(request, "dashboard/study_detail.html", context)


@require_GET
@researcher_study
def session_review(request, study, session_id: int):
    session = get_object_or_404(
        ChatSession.objects.select_related("participant__condition"),
        pk=session_id,
        participant__study=study,
    )
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
def pmq_results(request, study):
    cohort = selectors.cohort(study, request.GET.get("pilot"))
    cells = selectors.pmq_results(study, cohort)
    context = {
        "study": study,
        "cohort": cohort,
        "pilots": study.pilots.all(),
        "cells": cells,
        "chart": pmq_chart(cells),
        "note": NOTE,
    }
    return render(request, "dashboard/pmq_results.html", context)


def _session_of(study, session_id: int) -> ChatSession:
    return get_object_or_404(
        ChatSession.objects.select_related("participant__condition"),
        pk=session_id,
        participant__study=study,
    )


@require_GET
@researcher_study
def session_live(request, study, session_id: int):
    return live_page(request, study, _session_of(study, session_id))


def live_page(request, study, session, error: str = "", wizard: dict | None = None):
    """The session's live view; with ``error`` (a control refused), status 400. A wizard
    condition's panel comes with it (``wizard``: what its form should show again)."""
    context = _live_context(study, session, error)
    if context["wizard_condition"]:
        context |= wizard_context(request, study, session, **(wizard or {}))
    status = 400 if error or (wizard or {}).get("error") else 200
    return render(request, "dashboard/session_live.html", context, status=status)


@require_GET
@researcher_study
def session_live_identity(request, study, session_id: int):
    """The live view's identity as it stands: fetched after an ``identity`` notice."""
    session = _session_of(study, session_id)
    context = _identity_context(study, session)
    return render(request, "dashboard/session_live.html#identity", context)


def _identity_context(study, session) -> dict:
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


def _live_context(study, session, error: str = "") -> dict:
    return {
        **_identity_context(study, session),
        "chat_messages": session.messages.order_by("turn"),
        "labels": {sender: sender for sender in ("participant", "agent", "system")},
        "live_config": {"closeCodes": {"refused": events.REFUSED, "closed": events.CLOSED}},
        "wizard_condition": session.participant.condition.agent_backend == "wizard",
        "error": error,
    }


@require_POST
@researcher_study
def session_note(request, study, session_id: int):
    session = _session_of(study, session_id)
    try:
        chat_services.researcher_note(session_id=session.pk, text=request.POST.get("text", ""))
    except chat_services.ChatError as error:
        return live_page(request, study, session, error.message)
    return _back(request, study, session)


@require_POST
@researcher_study
def session_pause(request, study, session_id: int):
    session = _session_of(study, session_id)
    chat_services.agent_pause(session_id=session.pk, paused=request.POST.get("paused") == "1")
    return _back(request, study, session)


def _back(request, study, session):
    """Back where the control was used: the study's live overview, or the session's view."""
    if request.POST.get("back") == "overview":
        return redirect("dashboard:live-overview", slug=study.slug)
    return redirect("dashboard:live", slug=study.slug, session_id=session.pk)


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


def _design_form(request, study, form, heading: str, done):
    """Show, validate and save a design form. A published study's design changes only with
    the researcher's confirmation, and each change is recorded as a new version."""
    context = {"study": study, "form": form, "heading": heading, "versioned": True}
    if request.method == "POST":
        confirmed = bool(request.POST.get("confirm_new_version"))
        try:
            designing.design_editable(study, confirmed=confirmed)
        except designing.DesignError as error:
            context["refused"] = str(error)
            return render(request, "dashboard/form.html", context, status=400)
        if form.is_valid():
            with transaction.atomic():
                form.save()
                if study.is_frozen():
                    study.refresh_from_db()
                    designing.design_version_record(study=study, user=request.user)
            return done()
    return render(request, "dashboard/form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@researcher_study
def study_edit(request, study):
    form = StudyForm(request.POST or None, instance=study)
    return _design_form(
        request,
        study,
        form,
        "Edit study",
        lambda: redirect("dashboard:study", slug=form.instance.slug),
    )


@require_http_methods(["GET", "POST"])
@researcher_study
def condition_edit(request, study, name: str | None = None):
    condition = study.conditions.filter(name=name).first() if name else Condition(study=study)
    if condition is None:
        raise Http404("No such condition.")
    form = ConditionForm(request.POST or None, request.FILES or None, instance=condition)
    heading = f"Condition {name}" if name else "New condition"
    return _design_form(
        request, study, form, heading, lambda: redirect("dashboard:study", slug=study.slug)
    )


@require_POST
@researcher_study
def study_publish(request, study):
    try:
        designing.study_publish(study=study, user=request.user)
    except designing.DesignError as error:
        context = {"study": study, "heading": "Publish", "refused": str(error)}
        return render(request, "dashboard/form.html", context, status=400)
    return redirect("dashboard:study", slug=study.slug)


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
