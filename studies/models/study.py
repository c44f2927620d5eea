"""Studies and the published versions of their designs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from .. import checks, prolific


class StudyQuerySet(models.QuerySet):
    def visible_to(self, user) -> StudyQuerySet:
        """Studies this researcher owns or collaborates on; nothing for anyone else."""
        if not user.is_authenticated:
            return self.none()
        ids = self.filter(Q(owners=user) | Q(collaborators=user)).values("pk")
        return self.filter(pk__in=ids)


class Study(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        CLOSED = "closed"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="studies", blank=True)
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="collaborations", blank=True
    )
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text="The language of the pages participants see (your own texts are shown as "
        "you write them). The PMQ's items stay in English, the language it was validated in.",
    )
    consent_text = models.TextField(help_text="Markdown, shown before anything is recorded.")
    instructions_text = models.TextField(blank=True, help_text="Markdown, shown above the chat.")
    debrief_text = models.TextField(help_text="Markdown, shown at the end.")
    sessions_per_participant = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    min_participant_turns = models.PositiveSmallIntegerField(
        default=3, help_text="Participant messages needed before 'Finish' is enabled."
    )
    min_gap_hours = models.PositiveSmallIntegerField(
        default=0, help_text="Hours a participant must wait between two sessions."
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Optional: the chat ends after this many minutes."
    )
    # 12 a minute: one every 5 s on average, in bursts of up to 12, is more than anyone types
    # (and more than the agent answers: later messages wait and are answered together), but
    # holds a script to a paid reply every 5 s at most.
    messages_per_minute = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Most messages a participant may send in any minute. Past it the chat page "
        "keeps the message and sends it once the minute allows; how often each participant "
        "reached it is exported.",
    )

    class Withdrawal(models.TextChoices):
        DELETE = "delete", "delete their data"
        EXCLUDE = "exclude", "keep their data out of every export"

    withdrawal = models.CharField(
        max_length=10,
        choices=Withdrawal.choices,
        default=Withdrawal.DELETE,
        help_text="What happens to a participant's data when they withdraw.",
    )
    comprehension_question = models.CharField(
        max_length=300,
        blank=True,
        help_text="Optional: a question about the instructions, asked after them and before "
        "the first chat.",
    )
    comprehension_choices = models.TextField(
        blank=True, help_text="Its answers to choose from, one per line."
    )
    comprehension_answer = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Which of those lines is right (1 = the first)."
    )
    comprehension_tries = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Tries before the participant goes on anyway (the outcome is recorded).",
    )
    record_typing = models.BooleanField(
        default=False,
        help_text="Record how participants type: time from first keystroke to sending, "
        "pastes, and time away from the chat. The consent page says so.",
    )
    attention_checks = models.TextField(
        blank=True,
        help_text="Optional: rows among the PMQ's items that ask for one answer, one per line "
        "as 'session timepoint position answer': '1 pre 7 2' makes the 7th row of session 1's "
        "PMQ before the chat ask for 2; '* post 12 6', the 12th row after every chat ask for 6. "
        "Recorded and flagged, never scored.",
    )
    pmq_language = models.CharField(
        max_length=8,
        blank=True,
        help_text="Optional, with a translation below: the language code of your PMQ "
        "translation (e.g. de). Without one the PMQ is shown in English, as validated.",
    )
    pmq_translation = models.TextField(
        blank=True,
        help_text="Optional: your translation of the PMQ, one line each: 'pre: <stem>', "
        "'post: <stem>', and 'English pole = translation' for all 36 poles. Not validated: "
        "every administration records the language it was given in.",
    )
    pmq_before = models.BooleanField(default=True, help_text="PMQ before every session.")
    pmq_after = models.BooleanField(default=True, help_text="PMQ after every session.")
    completion_code = models.CharField(
        max_length=40, blank=True, help_text="Shown on the last page to people who finish."
    )
    timed_out_code = models.CharField(
        max_length=40,
        blank=True,
        help_text="Optional: given instead to people whose chat ran out of time before they had "
        "sent the messages needed.",
    )
    declined_code = models.CharField(
        max_length=40, blank=True, help_text="Optional: given to people who decline consent."
    )
    withdrawn_code = models.CharField(
        max_length=40, blank=True, help_text="Optional: given to people who withdraw."
    )
    prolific_completion_url = models.URLField(
        blank=True,
        help_text="Optional: Prolific's completion link (https://app.prolific.com/submissions/"
        "complete?cc=...). People who finish return to it; the other codes above return to "
        "it with cc= set to their code.",
    )
    # Analysis, not design: researchers may change these at any time (dashboard analytics).
    judge_endpoint = models.ForeignKey(
        "studies.Endpoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="judged_studies",
        verbose_name="LLM judge endpoint",
        help_text="Optional: one of the operator's endpoints, to score replies with an LLM "
        "judge as well as offline.",
    )
    judge_model = models.CharField("LLM judge model", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    design_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the design as published (frozen)."
    )

    objects = StudyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        try:
            checks.parse(self.attention_checks)
        except ValueError as error:
            raise ValidationError({"attention_checks": str(error)}) from None
        if self.comprehension_question:
            choices = self.choices()
            if len(choices) < 2:
                raise ValidationError(
                    {"comprehension_choices": "Give at least two answers, one per line."}
                )
            if not self.comprehension_answer or self.comprehension_answer > len(choices):
                raise ValidationError(
                    {
                        "comprehension_answer": f"Give the number of the right line, 1 to "
                        f"{len(choices)}."
                    }
                )

    def choices(self) -> list[str]:
        """The comprehension question's answers, as the participant sees them."""
        return [line.strip() for line in self.comprehension_choices.splitlines() if line.strip()]

    def outcome_code(self, outcome: str) -> str:
        """The code for an outcome of ``studies.prolific`` ("" where the study sets none)."""
        return {
            prolific.COMPLETED: self.completion_code,
            prolific.TIMED_OUT: self.timed_out_code,
            prolific.DECLINED: self.declined_code,
            prolific.WITHDRAWN: self.withdrawn_code,
        }[outcome]

    def prolific_return(self, outcome: str) -> str:
        """The address that takes a participant back to Prolific for ``outcome``, or ""."""
        code = self.outcome_code(outcome)
        return prolific.return_address(self.prolific_completion_url, code, outcome)

    def is_open(self) -> bool:
        """Taking new participants: active and published (so every one of them has a design
        version to carry)."""
        return self.status == self.Status.ACTIVE and self.is_frozen() and not self.held_for_plan()

    def held_for_plan(self) -> bool:
        """Real participants wait for the pre-registration's lock, where its author asked."""
        plan = getattr(self, "preregistration", None)
        return plan is not None and plan.hold_participants and plan.locked_at is None

    def closed_reason(self) -> str:
        """Why new people are turned away: "draft" until published (or while held for the
        plan's lock: "not started yet" to them), else the status."""
        if not self.is_frozen() or self.held_for_plan():
            return self.Status.DRAFT
        return self.status

    def is_owned_by(self, user) -> bool:
        return user.is_authenticated and self.owners.filter(pk=user.pk).exists()

    def is_frozen(self) -> bool:
        """Published: its design can no longer change (data would mix two designs)."""
        return bool(self.design_hash)


class StudyVersion(models.Model):
    """One published design of a study, kept forever: participants and sessions carry the
    hash of the version they took part in."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    design_hash = models.CharField(max_length=64)
    design = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["study", "number"]
        constraints = [
            models.UniqueConstraint(fields=["study", "number"], name="version_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.study.slug} v{self.number}"
