from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Instrument(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    citation = models.TextField(blank=True)
    scale_points = models.PositiveSmallIntegerField(default=7)
    note = models.TextField(blank=True, help_text="Caveats shown in exports.")

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    class Kind(models.TextChoices):
        SEMANTIC_DIFFERENTIAL = "semantic_differential"
        LIKERT = "likert"
        TEXT = "text"

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField(max_length=40)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    factor = models.CharField(max_length=20, blank=True)
    positive_pole = models.CharField(max_length=60, blank=True)
    negative_pole = models.CharField(max_length=60, blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["instrument", "position"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="item_code_per_instrument")
        ]

    def __str__(self) -> str:
        return self.code


class Administration(models.Model):
    """One showing of an instrument to a participant, at one timepoint of one session."""

    class Timepoint(models.TextChoices):
        PRE = "pre"
        POST = "post"

    participant = models.ForeignKey(
        "studies.Participant", on_delete=models.CASCADE, related_name="administrations"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT)
    session_number = models.PositiveSmallIntegerField()
    timepoint = models.CharField(max_length=4, choices=Timepoint.choices)
    # The wording the participant saw: the referent differs before and after a session.
    instrument_version = models.TextField()
    item_order = models.JSONField(help_text="Item codes in the order shown.")
    positive_left = models.JSONField(help_text="Item code -> was the positive pole on the left.")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    scores = models.JSONField(null=True, blank=True, help_text="Factor -> mean recoded score.")
    instrument_language = models.CharField(
        max_length=8, default="en", help_text="en: the validated English PMQ; else a translation."
    )
    translated_poles = models.JSONField(
        null=True, blank=True, help_text="English pole -> the pole as shown, when translated."
    )
    checks = models.JSONField(
        default=list, blank=True, help_text="Attention checks shown: code, row, answer asked for."
    )
    check_answers = models.JSONField(
        null=True, blank=True, help_text="Each check with the answer given and whether it passed."
    )
    checks_failed = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Checks answered otherwise than asked (None: no checks)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "instrument", "session_number", "timepoint"],
                name="one_administration_per_timepoint",
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant} {self.instrument.code} s{self.session_number} {self.timepoint}"


class Response(models.Model):
    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="responses"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT)
    raw = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text="Position chosen: 1 = left end, 7 = right end.",
    )
    positive_on_left = models.BooleanField()
    display_position = models.PositiveSmallIntegerField(help_text="1 = shown first.")
    score = models.PositiveSmallIntegerField(help_text="Recoded so that 7 = positive pole.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["administration", "item"], name="one_answer_per_item")
        ]
