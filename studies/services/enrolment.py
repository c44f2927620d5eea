"""Writes for enrolment: entering (with a recruitment id or a pilot's token), consenting
(with assignment), declining, the comprehension question, completing, and the participant's
side of a withdrawal."""

from __future__ import annotations

import secrets

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from ..allocation import choose_condition
from ..models import Condition, Participant, Pilot, Study, real, withdrawn_mark
from ..text import whole_number


def recruitment_id(value: str) -> str:
    """A recruitment id as stored: ids come from the URL, so NUL characters (which PostgreSQL
    refuses) are dropped, and so is anything past 100 characters."""
    return value.replace("\x00", "").strip()[:100]


PILOT_SALT = "dyad.pilot"
PILOT_TOKEN_DAYS = 7


def pilot_token(pilot: Pilot) -> str:
    """The signed token a pilot's simulated participants enter with (``?pilot=``): only what
    the server signed marks a participant as simulated."""
    return signing.dumps({"pilot": pilot.pk, "study": pilot.study_id}, salt=PILOT_SALT)


def pilot_for_token(study: Study, token: str) -> Pilot | None:
    """The running pilot of ``study`` this token was signed for; None for anything else."""
    try:
        data = signing.loads(token, salt=PILOT_SALT, max_age=PILOT_TOKEN_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("study") != study.pk:
        return None
    pilot = Pilot.objects.filter(pk=data.get("pilot"), study=study).first()
    return pilot if pilot and pilot.is_running() else None


def participant_enter(
    *,
    study: Study,
    external_id: str = "",
    external_study_id: str = "",
    external_session_id: str = "",
    pilot: Pilot | None = None,
) -> Participant:
    """The participant with this external id, or a new one. Never two for one external id.
    With a pilot (checked by the caller with ``pilot_for_token``), a simulated one."""
    external_id, external_study_id, external_session_id = (
        recruitment_id(value) for value in (external_id, external_study_id, external_session_id)
    )
    if external_id:
        found = Participant.objects.recruited_as(study, external_id).first()
        if found:  # withdrawn or not: a withdrawal is never undone by entering again
            return found
    try:
        with transaction.atomic():
            participant = Participant.objects.create(
                study=study,
                is_simulated=pilot is not None,
                pilot=pilot,
                design_hash=study.design_hash,
                external_id=external_id or None,
                external_study_id=external_study_id,
                external_session_id=external_session_id,
            )
            if frames_consent(study):
                condition_assign(participant)
                participant.save(update_fields=["condition"])
            return participant
    except IntegrityError:  # the same external id entered at the same moment
        return study.participants.get(external_id=external_id)


@transaction.atomic
def participant_consent(*, participant_id: int) -> Participant:
    """Record consent and assign a condition, balanced by weight.

    The study row is locked while counting, so concurrent enrolments are assigned one at a
    time (on SQLite, IMMEDIATE transactions do the same).
    """
    participant = Participant.objects.select_for_update().get(pk=participant_id)
    if participant.consented_at or participant.declined_at:
        return participant
    if participant.condition_id is None:  # a preview comes with the condition to preview
        condition_assign(participant)
    participant.consented_at = timezone.now()
    participant.save(update_fields=["condition", "consented_at"])
    return participant


def condition_assign(participant: Participant) -> None:
    """Give the participant a condition, balanced by weight among those who have one and
    did not decline (inside the caller's transaction; the caller saves). The study row is
    locked while counting, so concurrent enrolments are assigned one at a time (on SQLite,
    IMMEDIATE transactions do the same). Simulated participants are balanced among their
    own pilot, people among people."""
    study = Study.objects.select_for_update().get(pk=participant.study_id)
    cohort = (
        Q(participants__pilot_id=participant.pilot_id)
        if participant.pilot_id
        else real("participants__")
    )
    enrolled = cohort & Q(
        participants__condition__isnull=False, participants__declined_at__isnull=True
    )
    conditions = study.conditions.annotate(enrolled=Count("participants", filter=enrolled))
    counts = {c.pk: c.enrolled for c in conditions}
    weights = {c.pk: c.weight for c in conditions}
    participant.condition_id = choose_condition(counts, weights)


def frames_consent(study: Study) -> bool:
    """Whether the consent page says who the partner is (a condition frames it): then a
    participant's condition is assigned when they enter, before they read it."""
    unstated = Condition.Framing.UNSTATED
    return study.conditions.exclude(partner_framing=unstated, framing_text="").exists()


@transaction.atomic
def participant_decline(*, participant_id: int) -> Participant:
    """Record that consent was declined, and keep nothing else about the person."""
    participant = Participant.objects.select_for_update().get(pk=participant_id)
    if participant.consented_at or participant.declined_at:
        return participant
    participant.declined_at = timezone.now()
    participant.external_id = None
    participant.external_study_id = ""
    participant.external_session_id = ""
    participant.save()
    return participant


class NotAChoice(ValueError):
    pass


@transaction.atomic
def comprehension_answer(*, participant_id: int, choice: str) -> Participant:
    """Record one try at the study's comprehension question (``choice``: the number of the
    line chosen). Right: passed. Wrong with no tries left: failed, and the participant goes on
    (the outcome is in the data). NotAChoice, recording nothing, for anything but one of the
    lines; a try after the outcome changes nothing."""
    participant = (
        Participant.objects.select_for_update().select_related("study").get(pk=participant_id)
    )
    study = participant.study
    choices = study.choices()
    number = whole_number(choice)
    if number is None or not 1 <= number <= len(choices):
        raise NotAChoice("Please choose one of the answers.")
    if participant.comprehension_passed is not None:
        return participant
    participant.comprehension_answers = [*participant.comprehension_answers, number]
    if number == study.comprehension_answer:
        participant.comprehension_passed = True
    elif len(participant.comprehension_answers) >= study.comprehension_tries:
        participant.comprehension_passed = False
    participant.save(update_fields=["comprehension_answers", "comprehension_passed"])
    return participant


def participant_complete(*, participant: Participant) -> Participant:
    if participant.completed_at is None:
        participant.completed_at = timezone.now()
        participant.save(update_fields=["completed_at"])
    return participant


def participant_locked(participant_id: int) -> Participant:
    """The participant row, locked until the transaction ends (call inside one)."""
    return Participant.objects.select_for_update().select_related("study").get(pk=participant_id)


def participant_withdrawal_record(*, participant: Participant) -> Participant:
    """Keep only the fact of withdrawal on the participant's row: its time and a receipt code
    (shown to them), with recruitment ids erased but for a keyed hash of the external id, so
    that opening the link again shows the withdrawal rather than enrolling anew (inside the
    caller's transaction; the data itself is the business of the apps that hold it:
    ``chat.services.participant_withdraw``)."""
    participant.withdrawn_at = timezone.now()
    participant.withdrawal_receipt = "W-" + secrets.token_hex(4).upper()
    if participant.external_id:
        participant.withdrawn_mark = withdrawn_mark(participant.study_id, participant.external_id)
    participant.external_id = None
    participant.external_study_id = participant.external_session_id = ""
    participant.save()
    return participant


@transaction.atomic
def reconsent_record(*, participant_id: int, given: bool) -> Participant:
    """After a deceptive condition's reveal: the participant's choice whether their data may
    be used, recorded once (a second answer changes nothing). Declining is recorded here;
    the caller then withdraws them (``chat.services.participant_withdraw``)."""
    participant = participant_locked(participant_id)
    if participant.reconsent:
        return participant
    participant.reconsent = Participant.Reconsent.GIVEN if given else Participant.Reconsent.DECLINED
    participant.reconsented_at = timezone.now()
    participant.save(update_fields=["reconsent", "reconsented_at"])
    return participant
