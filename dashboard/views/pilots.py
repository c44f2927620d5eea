"""Pilots from the study page: start one, follow its progress, delete its data."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from studies.models import Pilot

from .. import pilots
from ..access import researcher_study
from ..forms import PilotForm


@require_POST
@researcher_study
def pilot_new(request, study):
    conditions = list(study.conditions.values_list("name", flat=True))
    form = PilotForm(request.POST, conditions=conditions)
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            pilot = pilots.pilot_create(
                study=study,
                user=request.user,
                participants=data["participants"],
                concurrency=data["concurrency"],
                base_url=settings.DYAD_SITE_URL,  # never the request's Host: its sender picks it
                seed=data["seed"],
                effect=form.effect(),
                drift=data["drift"] or 0.0,
                pace=float(data["pace"]),
                skip_gaps=data["skip_gaps"],
                endpoint=data["endpoint"],
                model=data["model"],
            )
        except pilots.PilotError as refused:
            error = str(refused)
        else:
            pilots.pilot_start(pilot=pilot)
            return redirect(reverse("dashboard:study", args=[study.slug]) + "#pilots")
    context = {"study": study, "heading": "Run a pilot", "form": form, "refused": error}
    return render(request, "dashboard/form.html", context, status=400)


@require_GET
@researcher_study
def pilot_list(request, study):
    """The pilots and their progress (the study page polls it while one runs)."""
    context = {"study": study, "pilots": study.pilots.select_related("created_by")}
    return render(request, "dashboard/study_detail.html#pilots", context)


@require_POST
@researcher_study
def pilot_delete(request, study, pilot_id: int):
    pilot = get_object_or_404(Pilot, pk=pilot_id, study=study)
    try:
        pilots.pilot_delete(pilot=pilot)
    except pilots.PilotError as refused:
        context = {"study": study, "heading": "Delete a pilot's data", "refused": str(refused)}
        return render(request, "dashboard/form.html", context, status=400)
    return redirect(reverse("dashboard:study", args=[study.slug]) + "#pilots")
