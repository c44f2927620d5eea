"""Participants: who entered, in which condition, and how far they got."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac

from .conditions import Condition
from .study import Study


def new_participant_code() -> str:
    # No 0/O/1/I: codes get read aloud and copied by hand.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "P-" + "".join(secrets.choice(alphabet) for _ in range(8))


def real(through: str = "") -> Q:
    """Participants who are people: not a researcher's preview, not simulated (``through``
    reaches them over a relation, e.g. ``"participant__"``). Withdrawn people are real: the
    funnel counts them."""
    return Q(**{f"{through}is_preview": False, f"{through}is_simulated": False})


def present(through: str = "") -> Q:
    return Q(**{f"{through}withdrawn_at__isnull": True})


def counts_as_data(through: str = "") -> Q:
    """Participants whose data count (results, live views): real and not withdrawn. The one
    definition of the rule; ``through`` as for ``real``."""
    return real(through) & present(through)


def simulated(through: str = "", pilot: int | None = None) -> Q:
    """Simulated participants (of one pilot, or of all), whom results show apart. Withdrawn
    ones are included, like withdrawn people in ``real``."""
    q = Q(**{f"{through}is_simulated": True})
    return q & Q(**{f"{through}pilot_id": pilot}) if pilot else q


def exported(through: str = "") -> Q:
    """Who appears in exports: everyone but previews and the withdrawn; simulated rows come
    flagged ``is_simulated``."""
    return Q(**{f"{through}is_preview": False}) & present(through)


def withdrawn_mark(study_id: int, external_id: str) -> str:
    """What a withdrawal keeps of a recruitment id: a keyed hash (by the secret key), enough
    to know the person again when they open the study's link, not to recover the id."""
    digest = salted_hmac("dyad.withdrawn", f"{study_id}:{external_id}", algorithm="sha256")
    return digest.hexdigest()


class ParticipantQuerySet(models.QuerySet):
    def real(self) -> ParticipantQuerySet:
        return self.filter(real())

    def recruited_as(self, study: Study, external_id: str) -> ParticipantQuerySet:
        """The study's participant with this recruitment id, or the one who withdrew with it."""
        mark = withdrawn_mark(study.pk, external_id)
        return self.filter(Q(external_id=external_id) | Q(withdrawn_mark=mark), study=study)

    def counted(self) -> ParticipantQuerySet:
        return self.filter(counts_as_data())


class Participant(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="participants")
    code = models.CharField(max_length=12, unique=True, default=new_participant_code)
    # Recruitment identifiers stay out of every export (see docs/data.md).
    external_id = models.CharField(max_length=100, null=True, blank=True)
    external_study_id = models.CharField(max_length=100, blank=True)
    external_session_id = models.CharField(max_length=100, blank=True)
    condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, null=True, blank=True, related_name="participants"
    )
    design_hash = models.CharField(
        max_length=64, blank=True, help_text="The study design this participant took part in."
    )
    is_preview = models.BooleanField(default=False, help_text="A researcher's preview: not data.")
    # Set only at entry with a pilot's signed token (studies.pilots), never from a request field.
    is_simulated = models.BooleanField(
        default=False, help_text="A simulated participant of a pilot: never counted as real."
    )
    pilot = models.ForeignKey(
        "studies.Pilot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="participants",
    )
    entered_at = models.DateTimeField(auto_now_add=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_receipt = models.CharField(max_length=20, blank=True)
    # Kept when the recruitment ids are erased at withdrawal: see ``withdrawn_mark``.
    withdrawn_mark = models.CharField(max_length=64, blank=True, db_index=True)
    # The study's comprehension question: every choice made, in order, and the outcome.
    comprehension_answers = models.JSONField(default=list, blank=True)
    comprehension_passed = models.BooleanField(
        null=True, blank=True, help_text="None: not asked (yet); False: out of tries."
    )

    # A deceptive condition's re-consent, after the reveal: "given" or "declined" (then
    # withdrawn, as any withdrawal); "" until asked, and for every other condition.
    class Reconsent(models.TextChoices):
        NOT_ASKED = "", "not asked"
        GIVEN = "given", "agreed to the use of their data"
        DECLINED = "declined", "declined the use of their data (withdrawn)"

    reconsent = models.CharField(max_length=10, choices=Reconsent.choices, blank=True)
    reconsented_at = models.DateTimeField(null=True, blank=True)
    # Times the chat slowed them down (chat.limits): one count per run of refused frames.
    message_limit_hits = models.PositiveIntegerField(default=0)
    frame_limit_hits = models.PositiveIntegerField(default=0)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["study", "external_id"],
                condition=Q(external_id__isnull=False),
                name="one_participant_per_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def progress(self) -> str:
        moments = ("withdrawn_at", "declined_at", "completed_at", "consented_at")
        return progress_of({name: getattr(self, name) for name in moments})

    def planted_drift(self) -> float:
        """The share of the agent's replies that drift on purpose for this participant: their
        pilot's rate for a simulated participant, 0 for a person (never any drift)."""
        return self.pilot.drift if self.is_simulated and self.pilot_id else 0.0


def progress_of(row) -> str:
    """How far a participant got, from their timestamps (a row or a ``.values()`` dict)."""
    if row.get("withdrawn_at"):
        return "withdrawn"
    if row["declined_at"]:
        return "declined"
    if row["completed_at"]:
        return "completed"
    return "in progress" if row["consented_at"] else "entered"
