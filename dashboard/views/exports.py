"""Downloads of a study's data: the analysis ZIP, each of its files alone, and the restricted
recruitment file. Every download streams from a snapshot of the database (exports.files)."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from studies.models import Preregistration
from studies.text import whole_number

from ..access import researcher_study
from ..exports import files
from ..exports.catalogue import RECRUITMENT, analysis_tables
from ..exports.package import CODEBOOK, PLAN_FILES

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".zip": "application/zip",
}


def _download(produce, name: str) -> StreamingHttpResponse:
    suffix = name[name.rindex(".") :]
    response = StreamingHttpResponse(
        files.on_own_thread(produce), content_type=CONTENT_TYPES[suffix]
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@researcher_study
def export_page(request, study):
    tables = analysis_tables(list(study.conditions.values_list("name", flat=True)))
    context = {
        "study": study,
        "tables": [*tables, CODEBOOK],
        "recruitment": RECRUITMENT,
        "is_owner": study.is_owned_by(request.user),
        "pilots": study.pilots.order_by("pk"),
        "plan": Preregistration.objects.locked_of(study),
    }
    return render(request, "dashboard/export.html", context)


@require_GET
@researcher_study
def export_zip(request, study):
    """The analysis ZIP; ``?pilot=``: people, a pilot's number, or all (the default)."""
    pilot = request.GET.get("pilot")
    if refused := _refused_selection(study, pilot):
        return refused
    produce = partial(files.zip_download, study.pk, pilot)
    return _download(produce, files.download_name(study, _suffix(pilot, ".zip")))


@require_GET
@researcher_study
def export_file(request, study, name: str):
    if name not in files.DOWNLOADABLE:
        raise Http404(f"No export file called {name!r}.")
    if name in PLAN_FILES and Preregistration.objects.locked_of(study) is None:
        raise Http404("This study has no locked pre-registration yet.")
    pilot = request.GET.get("pilot")
    if refused := _refused_selection(study, pilot):
        return refused
    stem, suffix = name.rsplit(".", 1)
    return _download(
        partial(files.file_download, study.pk, name, pilot),
        files.download_name(study, _suffix(pilot, f"-{stem}.{suffix}")),
    )


def _refused_selection(study, pilot: str | None) -> HttpResponseBadRequest | None:
    try:
        files.selection(study, pilot)
    except files.NoSuchSelection as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    return None


def _suffix(pilot: str | None, suffix: str) -> str:
    """Downloads of part of a study say which part in their names."""
    if pilot == "people":
        return f"-people{suffix}"
    number = whole_number(pilot)
    return f"-pilot{number}{suffix}" if number else suffix


@require_GET
@researcher_study
def export_recruitment(request, study):
    if not study.is_owned_by(request.user):
        raise PermissionDenied(
            "Only the study's owners can download recruitment ids: they identify people."
        )
    return _download(
        partial(files.file_download, study.pk, RECRUITMENT.name),
        files.download_name(study, "-recruitment-RESTRICTED.csv"),
    )
