"""The study's live overview: every session in progress on one page, kept current over one
socket (``consumers.StudyWatchConsumer``) that says which rows to fetch again."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chat import events
from studies.text import whole_number

from .. import overview
from ..access import researcher_study
from ..pages import cohort_context

MAX_ROWS_ASKED = 500


@require_GET
@researcher_study
def live_overview(request, study):
    context = cohort_context(request, study)
    context |= {
        "rows": overview.live_rows(study, context["cohort"]),
        "overview_config": {"closeCodes": {"refused": events.REFUSED}},
    }
    return render(request, "dashboard/live_overview.html", context)


@require_GET
@researcher_study
def live_overview_rows(request, study):
    """The rows of the sessions asked for (``?ids=1,2,3``, or all with ``?ids=all``) that are
    still in progress; the page drops the others. Anything but session ids: 400."""
    cohort = cohort_context(request, study)["cohort"]
    asked = request.GET.get("ids", "")
    ids = None
    if asked != "all":
        ids = [whole_number(i.strip()) for i in asked.split(",")[:MAX_ROWS_ASKED] if i.strip()]
        if None in ids:
            return HttpResponseBadRequest("ids: session numbers separated by commas, or all")
    rows = overview.live_rows(study, cohort, ids)
    return render(request, "dashboard/live_overview.html#rows", {"study": study, "rows": rows})
