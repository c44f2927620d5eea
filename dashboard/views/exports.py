"""Downloads of a study's data: the analysis ZIP, each of its files alone, and the restricted
recruitment file. Every download streams from a snapshot of the database (exports.files)."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..access import researcher_study
from ..exports import files
from ..exports.catalogue import RECRUITMENT, analysis_tables
from ..exports.package import CODEBOOK

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
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
    }
    return render(request, "dashboard/export.html", context)


@require_GET
@researcher_study
def export_zip(request, study):
    return _download(partial(files.zip_download, study.pk), files.download_name(study, ".zip"))


@require_GET
@researcher_study
def export_file(request, study, name: str):
    if name not in files.FILE_NAMES:
        raise Http404(f"No export file called {name!r}.")
    stem, suffix = name.rsplit(".", 1)
    return _download(
        partial(files.file_download, study.pk, name),
        files.download_name(study, f"-{stem}.{suffix}"),
    )


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
