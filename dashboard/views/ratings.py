"""People's ratings of the agent's replies, to validate the measures: a study's samples
(and drawing one), rating a sample's replies one at a time (keyboard first, resumable,
blind to condition and scores), and the agreement between raters and with each measure."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from studies.text import whole_number

from .. import ratings
from ..access import researcher_study
from ..forms import RatingSampleForm
from ..models import Rating, RatingSample

SHORTCUTS = (("y", Rating.Answer.YES), ("n", Rating.Answer.NO), ("c", Rating.Answer.CANT_TELL))


@require_http_methods(["GET", "POST"])
@researcher_study
def ratings_page(request, study):
    """The study's samples with each rater's progress, and the form to draw a new one."""
    pilots = list(study.pilots.order_by("pk"))
    form = RatingSampleForm(request.POST or None, pilots=pilots)
    refused = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pilot = next((p for p in pilots if str(p.pk) == data["cohort"]), None)
        try:
            sample = ratings.sample_draw(
                study=study, pilot=pilot, size=data["size"], seed=data["seed"], user=request.user
            )
        except ratings.RatingError as error:
            refused = error.message
        else:
            return redirect("dashboard:rating-sample", slug=study.slug, sample_id=sample.pk)
    samples = list(study.rating_samples.select_related("pilot", "created_by").order_by("-pk"))
    progress = ratings.progress(study)
    for sample in samples:
        sample.cohort = ratings.cohort_label(sample.pilot)
        sample.raters = progress.get(sample.pk, [])
    context = {"study": study, "form": form, "refused": refused, "samples": samples}
    status = 400 if form.errors or refused else 200
    return render(request, "dashboard/ratings.html", context, status=status)


def _sample(study, sample_id: int) -> RatingSample:
    return get_object_or_404(
        RatingSample.objects.select_related("pilot", "created_by"), pk=sample_id, study=study
    )


@require_GET
@researcher_study
def rating_sample(request, study, sample_id: int):
    """A sample's agreement: between raters, and between each rater and each measure."""
    sample = _sample(study, sample_id)
    context = {
        "study": study,
        "sample": sample,
        "cohort": ratings.cohort_label(sample.pilot),
        "left_off": ratings.next_to_rate(sample, request.user),
        **ratings.agreement(sample),
    }
    return render(request, "dashboard/rating_sample.html", context)


@require_http_methods(["GET", "POST"])
@researcher_study
def rating_rate(request, study, sample_id: int):
    """One reply of the sample to rate (``?item=``; without it, where the rater left off).
    A POST appends the rater's answer and goes on to the next reply they have not rated."""
    sample = _sample(study, sample_id)
    if request.method == "POST":
        raw = request.POST.get("item", "")
        position = whole_number(raw)
        answer = request.POST.get("answer", "")
        try:
            ratings.rating_add(sample=sample, position=position, rater=request.user, answer=answer)
        except ratings.RatingError as error:
            return _rate_page(request, study, sample, raw, error.message)
        shown = Rating.Answer(answer).label
        number = ratings.number_of(sample, position)
        messages.success(request, f"Saved “{shown}” for reply {number}.")
        return redirect(_rate_url(study, sample, ratings.following(sample, request.user, position)))
    raw = request.GET.get("item")
    if raw is None:
        raw = str(ratings.next_to_rate(sample, request.user) or "")
    return _rate_page(request, study, sample, raw)


def _rate_url(study, sample, position: int | None) -> str:
    url = reverse("dashboard:rating-rate", args=[study.slug, sample.pk])
    return url + ("?" + urlencode({"item": position}) if position else "")


def _rate_page(request, study, sample, raw: str, error: str = ""):
    """The rating page for the reply at ``raw`` (empty: every reply rated); 400 with
    ``error``, or for a reply not in the sample."""
    position = whole_number(raw)
    shown = ratings.item_context(sample, position, request.user) if position else None
    if raw and shown is None and not error:
        error = (
            f"There is no reply {raw[:12]} in this sample (or its participant withdrew): "
            "go on where you left off."
        )
    context = {
        "study": study,
        "sample": sample,
        "error": error,
        "left_off": ratings.next_to_rate(sample, request.user),
        "shortcuts": SHORTCUTS,
        **(shown or {}),
    }
    return render(request, "dashboard/rate.html", context, status=400 if error else 200)
