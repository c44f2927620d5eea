"""A study's pre-registered plan, and the deviations from it recorded after it was locked."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ..preregistration import DIRECTIONS, PLAN_FIELDS
from .study import Study


class PreregistrationQuerySet(models.QuerySet):
    def locked_of(self, study: Study) -> Preregistration | None:
        """The study's plan once locked; None while there is none or it is still a draft."""
        return self.filter(study=study, locked_at__isnull=False).first()


class Preregistration(models.Model):
    """The plan a researcher writes before data come in: editable until locked, then frozen
    with the design version in force (``plan`` holds it as locked; ``plan_hash`` its SHA-256).
    """

    study = models.OneToOneField(Study, on_delete=models.CASCADE, related_name="preregistration")
    objects = PreregistrationQuerySet.as_manager()
    hypotheses = models.TextField(help_text="What you expect, and why; one per paragraph.")
    primary_outcome = models.CharField(max_length=80)
    outcome_session = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="The session whose outcome is compared (1 = the first).",
    )
    condition_a = models.CharField("condition A (the reference)", max_length=40)
    condition_b = models.CharField("condition B", max_length=40)
    direction = models.CharField(
        max_length=10,
        choices=[(k, f"The outcome is {v}") for k, v in DIRECTIONS.items()],
        default="two-sided",
    )
    alpha = models.FloatField(
        default=0.05, validators=[MinValueValidator(0.0001), MaxValueValidator(0.2)]
    )
    power = models.FloatField(
        default=0.8, validators=[MinValueValidator(0.5), MaxValueValidator(0.99)]
    )
    effect_size = models.FloatField(
        null=True,
        blank=True,
        help_text="Optional: the difference (B - A) you expect, in the outcome's units.",
    )
    sd = models.FloatField(
        "SD",
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0001)],
        help_text="Optional: the outcome's standard deviation within a condition.",
    )
    planned_n = models.PositiveIntegerField(
        "planned sample size per condition",
        validators=[MinValueValidator(2), MaxValueValidator(100_000)],
    )
    exclude_checks_failed = models.PositiveSmallIntegerField(
        "exclude at this many failed attention checks",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Optional: exclude a participant who failed this many or more.",
    )
    exclude_comprehension_failed = models.BooleanField(
        "exclude who failed the comprehension question", default=False
    )
    exclude_fewer_messages = models.PositiveSmallIntegerField(
        "exclude with fewer messages than",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Optional: exclude a participant who sent fewer messages than this in the "
        "outcome session.",
    )
    exclude_simulated = models.BooleanField(
        "exclude simulated participants",
        default=True,
        help_text="Pilots' simulated participants never count as data; a pilot's own view "
        "still analyses them.",
    )
    analysis_notes = models.TextField(blank=True, help_text="Anything else about the analysis.")
    hold_participants = models.BooleanField(
        "hold real participants until this plan is locked",
        default=False,
        help_text="Until then, people who open the study's link read that it has not started "
        "yet (pilots and your previews still run). Not part of the plan.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    plan = models.JSONField(null=True, blank=True)  # as locked: studies.preregistration
    plan_hash = models.CharField(max_length=64, blank=True)
    design_hash = models.CharField(max_length=64, blank=True)
    design_version = models.PositiveIntegerField(null=True, blank=True)

    FIELDS = PLAN_FIELDS

    def is_locked(self) -> bool:
        return self.locked_at is not None


class Deviation(models.Model):
    """A design change made after the plan was locked: what changed, when, by whom, and why
    (typed by the researcher). Kept forever and shown beside every result."""

    preregistration = models.ForeignKey(
        Preregistration, on_delete=models.CASCADE, related_name="deviations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    design_version = models.PositiveIntegerField()
    design_hash = models.CharField(max_length=64)
    changed = models.JSONField(default=list)  # the design's keys that differ, e.g. study.title
    why = models.TextField()

    class Meta:
        ordering = ["created_at", "id"]
