"""The rows of ratings.csv (``rating_columns``): every rating of every sample of the study,
in the order given, each marked with whether it is its rater's newest on the reply."""

from __future__ import annotations

from collections.abc import Iterator

from studies.models import Study, exported

from ..models import Rating
from .rows import pages

FIELDS = {
    "rating": "id",
    "participant": "item__message__session__participant__code",
    "condition": "item__message__session__participant__condition__name",
    "session": "item__message__session__number",
    "turn": "item__message__turn",
    "identity_version": "item__message__identity_version",
    "sample": "item__sample_id",
    "sample_seed": "item__sample__seed",
    "sample_size": "item__sample__size",
    "sample_pool": "item__sample__pool",
    "item": "item__position",
    "rater": "rater_label",
    "answer": "answer",
    "rated_at": "rated_at",
}


def rating_rows(study: Study) -> Iterator[dict]:
    ratings = Rating.objects.filter(
        exported("item__message__session__participant__"), item__sample__study=study
    )
    newest = set(ratings.newest().values_list("id", flat=True))
    for page in pages(ratings.values_list(*FIELDS.values()), ["id"]):
        for values in page:
            row = dict(zip(FIELDS, values, strict=True))
            yield row | {"newest": row["rating"] in newest}


RATING_ROWS = {"ratings.csv": rating_rows}
