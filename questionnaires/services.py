"""Administering questionnaires: open one (randomised, recorded) and submit answers once."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from studies import checks

from . import pmq, translation
from .models import Administration, Instrument, Item, Response
from .scoring import factor_scores, parse_answers, recode

_rng = random.SystemRandom()
log = logging.getLogger(__name__)


class AlreadySubmitted(Exception):
    pass


def pmq_instrument() -> Instrument:
    """The built-in PMQ, reinstalled from questionnaires/pmq.py if its rows are missing (the
    migration installs it; a flushed test database does not have it). The instrument and its
    items appear together, in one transaction, or a page could meet half of them."""
    found = Instrument.objects.filter(code=pmq.CODE).annotate(n=Count("items")).first()
    if found and found.n == len(pmq.ITEMS):
        return found
    with transaction.atomic():
        return pmq.install(Instrument, Item)


def administration_open(*, participant, session_number: int, timepoint: str) -> Administration:
    """This timepoint's PMQ for the participant, created on first view.

    Item order is shuffled per administration. Which pole stands on the left is drawn once
    per item and participant and reused at every later timepoint.
    """
    instrument = pmq_instrument()
    found = participant.administrations.filter(
        instrument=instrument, session_number=session_number, timepoint=timepoint
    ).first()
    if found:
        return found
    codes = list(instrument.items.values_list("code", flat=True))
    earlier = participant.administrations.filter(instrument=instrument).first()
    sides = earlier.positive_left if earlier else {c: _rng.random() < 0.5 for c in codes}
    order = _rng.sample(codes, len(codes))
    placed = checks.placed(
        study_checks(participant.study), session_number, timepoint, items=len(codes)
    )
    translated = study_translation(participant.study)
    version = translated.stems[timepoint] if translated else pmq.stem(timepoint)
    try:
        with transaction.atomic():
            return Administration.objects.create(
                participant=participant,
                instrument=instrument,
                session_number=session_number,
                timepoint=timepoint,
                instrument_version=version,
                instrument_language=participant.study.pmq_language if translated else "en",
                translated_poles=translated.poles if translated else None,
                item_order=order,
                positive_left=sides,
                checks=placed,
            )
    except IntegrityError:  # opened in two tabs at once
        return participant.administrations.get(
            instrument=instrument, session_number=session_number, timepoint=timepoint
        )


@transaction.atomic
def administration_submit(
    *, administration_id: int, submitted: Mapping[str, Sequence[str]]
) -> Administration:
    """Validate, store and score every answer at once; raise AnswerError and store nothing
    if any item is missing, repeated or out of range; AlreadySubmitted on a second submit."""
    administration = (
        Administration.objects.select_for_update()
        .select_related("instrument")
        .get(pk=administration_id)
    )
    if administration.submitted_at:
        raise AlreadySubmitted()
    instrument = administration.instrument
    items = {item.code: item for item in instrument.items.all()}
    shown = checks.rows(administration.item_order, administration.checks)
    answers = parse_answers(submitted, [code for code, _ in shown], instrument.scale_points)
    scores: dict[str, int] = {}
    rows = []
    for position, (code, check) in enumerate(shown, start=1):
        if check:
            continue  # recorded below, never scored
        left = administration.positive_left[code]
        scores[code] = recode(answers[code], left, instrument.scale_points)
        rows.append(
            Response(
                administration=administration,
                item=items[code],
                raw=answers[code],
                positive_on_left=left,
                display_position=position,
                score=scores[code],
            )
        )
    Response.objects.bulk_create(rows)
    administration.scores = factor_scores(scores, {c: i.factor for c, i in items.items()})
    if administration.checks:
        administration.check_answers = checks.graded(administration.checks, answers)
        administration.checks_failed = sum(not c["passed"] for c in administration.check_answers)
    administration.submitted_at = timezone.now()
    administration.save(update_fields=["scores", "check_answers", "checks_failed", "submitted_at"])
    return administration


def study_checks(study) -> list[checks.Check]:
    """The study's attention checks (none if its list cannot be read: the design form
    refuses such a list, so this is a study edited around it, and never a participant's
    problem)."""
    try:
        return checks.parse(study.attention_checks)
    except ValueError:
        log.warning("Study %s has attention checks that cannot be read", study.slug)
        return []


def study_translation(study) -> translation.Translation | None:
    """The study's own PMQ translation, if it has a complete one (the design form refuses
    an incomplete one; a study edited around it gets the validated English PMQ)."""
    try:
        return translation.parse(study.pmq_translation) if study.pmq_language else None
    except ValueError:
        log.warning("Study %s has a PMQ translation that cannot be read", study.slug)
        return None


def answers_delete(*, participants) -> None:
    """Delete every questionnaire these participants (ids, or a queryset) answered, responses
    included (a withdrawal in a study that deletes data, a pilot's data; in the caller's
    transaction)."""
    Administration.objects.filter(participant__in=participants).delete()
