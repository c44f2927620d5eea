"""A study's pre-registration: write the plan (with a power calculation, from a pilot's
estimates where there is one), lock it with the design version in force, and see it as
locked, with every deviation from it since."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from studies.models import Preregistration
from studies.preregistration import DIRECTIONS, n_per_group
from studies.services import designing

from .. import planned
from ..access import researcher_study
from ..exports.catalogue import outcome_choices, outcome_label
from ..forms import PlanForm


@require_http_methods(["GET", "POST"])
@researcher_study
def plan_page(request, study):
    plan = Preregistration.objects.filter(study=study).first()
    if plan is not None and plan.is_locked():
        if request.method == "POST":
            refused = "The plan is locked: it cannot change. Nothing was saved."
            return _locked_page(request, study, plan, refused, status=400)
        return _locked_page(request, study, plan)
    initial = {k: request.GET[k] for k in ("effect_size", "sd") if k in request.GET}
    form = PlanForm(
        request.POST or None,
        instance=plan or Preregistration(study=study),
        initial=initial,
        study=study,
        outcomes=outcome_choices(),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Plan saved. It can still change until you lock it.")
        return redirect("dashboard:plan", slug=study.slug)
    context = {
        "study": study,
        "form": form,
        "plan": plan,
        "power": _power(plan),
        "estimates": planned.pilot_estimates(study, plan) if plan else [],
    }
    return render(request, "dashboard/plan.html", context, status=400 if form.errors else 200)


def _power(plan: Preregistration | None) -> dict | None:
    """The sample the plan's power calculation asks for, where it gives effect and SD."""
    if plan is None or not plan.effect_size or not plan.sd:
        return None
    d = abs(plan.effect_size) / plan.sd
    sides = 2 if plan.direction == "two-sided" else 1
    try:
        n = n_per_group(d, alpha=plan.alpha, power=plan.power, sides=sides)
    except ValueError as error:
        return {"d": d, "error": str(error)}
    return {"d": d, "n": n, "sides": sides}


def _locked_page(request, study, plan, refused: str = "", status: int = 200):
    context = {
        "study": study,
        "plan": plan,
        "rules": plan.plan,
        "outcome_label": outcome_label(plan.plan["primary_outcome"]),
        "deviations": plan.deviations.select_related("created_by"),
        "direction_text": DIRECTIONS[plan.plan["direction"]],
        "refused": refused,
    }
    return render(request, "dashboard/plan_locked.html", context, status=status)


@require_POST
@researcher_study
def plan_lock(request, study):
    try:
        designing.plan_lock(study=study, user=request.user)
    except designing.PlanError as error:
        context = {"study": study, "heading": "Lock the plan", "refused": str(error)}
        return render(request, "dashboard/form.html", context, status=400)
    return redirect("dashboard:plan", slug=study.slug)
