"""The study's analytics page: co-construction, uptake and drift per condition and session,
and the controls to score every session again or to add an LLM judge."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from studies.models import Endpoint

from . import analytics, background, selectors
from .forms import JudgeForm
from .views import researcher_study


@require_http_methods(["GET", "POST"])
@researcher_study
def analytics_page(request, study):
    form = JudgeForm(instance=study)
    if request.method == "POST":
        form = JudgeForm(request.POST, instance=study)
        if form.is_valid():
            form.save()
            messages.success(request, "Judge settings saved. Score again to use them.")
            return redirect(reverse("dashboard:analytics", args=[study.slug]))
    cohort = selectors.cohort(study, request.GET.get("pilot"))
    rows = analytics.scored(study, cohort)
    context = {
        "study": study,
        "cohort": cohort,
        "pilots": study.pilots.all(),
        "coverage": analytics.coverage(study, cohort, rows),
        "measures": analytics.by_condition(rows),
        "against_pmq": analytics.against_pmq(study, cohort, rows),
        "form": form,
        "has_endpoints": Endpoint.objects.exists(),
    }
    return render(request, "dashboard/analytics.html", context, status=400 if form.errors else 200)


@require_POST
@researcher_study
def analytics_rescore(request, study):
    background.study_scoring_start(study)
    messages.success(
        request,
        "Scoring again, in the background, every ended session whose scores are out of date "
        "(new judge settings, a question or judge call that failed, a newer version of the "
        "measures): reload this page to see them. Each session keeps its earlier scores.",
    )
    return redirect(reverse("dashboard:analytics", args=[study.slug]))
