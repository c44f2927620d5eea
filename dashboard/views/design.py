"""A study's design: its settings, its conditions, and publishing it. A published study's
design changes only with the researcher's confirmation, each change a new design version."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from studies.models import Condition, Preregistration
from studies.services import designing

from ..access import researcher_study
from ..forms import ConditionForm, StudyForm


def _design_form(request, study, form, heading: str, done):
    """Show, validate and save a design form; ``done()``: where a saved form goes."""
    context = {
        "study": study,
        "form": form,
        "heading": heading,
        "versioned": True,
        "plan_locked": Preregistration.objects.locked_of(study) is not None,
        "why": request.POST.get("deviation_why", ""),
    }
    if request.method == "POST":
        confirmed = bool(request.POST.get("confirm_new_version"))
        why = context["why"]
        try:
            designing.design_editable(study, confirmed=confirmed, why=why)
        except designing.DesignError as error:
            context["refused"] = str(error)
            return render(request, "dashboard/form.html", context, status=400)
        if form.is_valid():
            with transaction.atomic():
                form.save()
                if study.is_frozen():
                    study.refresh_from_db()
                    designing.design_version_record(study=study, user=request.user, why=why)
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
