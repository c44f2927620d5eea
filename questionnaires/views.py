"""The PMQ page: one administration per session and timepoint, answered once."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from studies.steps import participant_step

from . import selectors, services
from .scoring import AnswerError


@require_http_methods(["GET", "POST"])
@participant_step("pmq")
def pmq(request, study, participant, step) -> HttpResponse:
    administration = services.administration_open(
        participant=participant, session_number=step.session_number, timepoint=step.timepoint
    )
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    if request.method == "POST":
        submitted = {key: request.POST.getlist(key) for key in request.POST}
        try:
            services.administration_submit(administration_id=administration.pk, submitted=submitted)
        except services.AlreadySubmitted:
            pass
        except AnswerError as error:
            errors = error.errors
            chosen = {code: values[0] for code, values in submitted.items() if values}
        if not errors:
            return redirect("studies:entry", slug=study.slug)
    context = {
        "study": study,
        "participant": participant,
        "step": step,
        "administration": administration,
        "items": selectors.items_as_shown(administration),
        "errors": errors,
        "chosen": chosen,
        "points": range(1, administration.instrument.scale_points + 1),
    }
    return render(request, "questionnaires/pmq.html", context, status=400 if errors else 200)
