"""A study's results: the PMQ per condition and session, and the analytics page
(co-construction, uptake and drift per condition and session, with the controls to score
every session again or to add an LLM judge)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chat import background
from questionnaires.pmq import NOTE
from studies.models import Endpoint, Preregistration
from studies.preregistration import DIRECTIONS

from .. import adoption, analytics, planned, selectors
from ..access import researcher_study
from ..charts import pmq_chart
from ..forms import JudgeForm
from ..pages import cohort_context


@require_GET
@researcher_study
def pmq_results(request, study):
    context = cohort_context(request, study)
    cohort = context["cohort"]
    cells = selectors.pmq_results(study, cohort)
    plan = Preregistration.objects.filter(study=study).first()
    context |= {
        "cells": cells,
        "chart": pmq_chart(cells),
        "note": NOTE,
        "plan": plan,
        "planned": planned.planned_analysis(study, plan, cohort) if plan else None,
        "deviations": plan.deviations.select_related("created_by") if plan else [],
        "contrasts": selectors.pmq_change_contrasts(
            study, cohort, (plan.condition_a, plan.condition_b) if plan else None
        ),
    }
    if context["planned"]:
        rules = context["planned"]["plan"]
        context["direction_text"] = DIRECTIONS[rules["direction"]]
        context["planned_groups"] = [
            (rules["condition_a"], context["planned"]["a"]),
            (rules["condition_b"], context["planned"]["b"]),
        ]
    return render(request, "dashboard/pmq_results.html", context)


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
    context = cohort_context(request, study)
    cohort = context["cohort"]
    rows = analytics.scored(study, cohort)
    plan = Preregistration.objects.locked_of(study)
    context |= {
        "deviations": plan.deviations.select_related("created_by") if plan else [],
        "coverage": analytics.coverage(study, cohort, rows),
        "measures": analytics.by_condition(rows),
        "against_pmq": analytics.against_pmq(study, cohort, rows),
        "inventory": adoption.set_vs_measured(study, cohort),
        "drift_validation": analytics.drift_validation(study, cohort),
        "form": form,
        "has_endpoints": Endpoint.objects.exists(),
    }
    return render(request, "dashboard/analytics.html", context, status=400 if form.errors else 200)


@require_POST
@researcher_study
def analytics_rescore(request, study):
    if background.start(background.SCORE_STUDY, study_id=study.pk):
        messages.success(
            request,
            "Scoring again, in the background, every ended session whose scores are out of "
            "date (new judge settings, a question or judge call that failed, a newer version "
            "of the measures): reload this page to see them. Each session keeps its earlier "
            "scores.",
        )
    else:
        messages.error(
            request, "Could not start scoring: the task queue did not answer. Try again soon."
        )
    return redirect(reverse("dashboard:analytics", args=[study.slug]))
