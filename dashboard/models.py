"""What the researcher's tools compute and keep: the measures of each ended session, and
people's ratings of a sample of the agent's replies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone


class SessionScoreQuerySet(models.QuerySet):
    def newest(self):
        """Only each session's newest scoring (pages and exports read these)."""
        latest = SessionScore.objects.filter(session=OuterRef("session")).order_by("-id")
        return self.filter(id=Subquery(latest.values("id")[:1]))


class SessionScore(models.Model):
    """One scoring of one ended session (``dashboard.scoring``): its measures, each reply's
    and each probe's scores, each change's uptake, and how they were made. Scoring a
    session again appends a row; pages and exports read each session's newest."""

    session = models.ForeignKey("chat.ChatSession", on_delete=models.CASCADE, related_name="scores")
    created_at = models.DateTimeField(default=timezone.now)
    scorer = models.CharField(max_length=40, help_text="Version of the offline measures.")
    probe_set = models.CharField(max_length=40, blank=True)
    judge_endpoint = models.CharField(max_length=60, blank=True)
    judge_model = models.CharField(
        max_length=100, blank=True, help_text="As the endpoint named it."
    )
    judge_asked = models.CharField(
        max_length=100, blank=True, help_text="The model the study asked its judge for."
    )
    judge_prompt_hash = models.CharField(max_length=64, blank=True, help_text="Of the rubric.")
    measures = models.JSONField(default=dict, help_text="One value per session-level measure.")
    replies = models.JSONField(default=list, help_text="One object per agent reply.")
    probes = models.JSONField(default=list, help_text="One object per Q&A probe.")
    uptake = models.JSONField(default=list, help_text="One object per change in effect.")
    errors = models.JSONField(default=list, blank=True, help_text="What could not be scored.")

    objects = SessionScoreQuerySet.as_manager()

    class Meta:
        ordering = ["session", "id"]
        indexes = [models.Index(fields=["session", "-id"], name="score_newest")]

    def __str__(self) -> str:
        return f"score of {self.session} ({self.created_at:%Y-%m-%d %H:%M})"


class RatingSample(models.Model):
    """A random sample of a study's scored agent replies for people to rate (docs/data.md,
    "Ratings"): drawn once, with its seed recorded, from people's replies or one pilot's;
    every rater rates the same replies in the same order."""

    study = models.ForeignKey(
        "studies.Study", on_delete=models.CASCADE, related_name="rating_samples"
    )
    pilot = models.ForeignKey(
        "studies.Pilot",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Drawn from this pilot's simulated participants; empty: from people.",
    )
    seed = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    pool = models.PositiveIntegerField(help_text="Scored replies it was drawn from.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["study", "id"]

    def __str__(self) -> str:
        return f"sample {self.pk} of {self.study} (seed {self.seed}, {self.size} replies)"


class RatingItem(models.Model):
    """One reply of a sample, at its place in the order every rater sees."""

    sample = models.ForeignKey(RatingSample, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(help_text="1 = rated first.")
    message = models.ForeignKey("chat.Message", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "position"], name="rating_item_position"),
            models.UniqueConstraint(fields=["sample", "message"], name="rating_item_once"),
        ]


class RatingQuerySet(models.QuerySet):
    def newest(self):
        """Only each rater's newest answer on each item (the one that counts)."""
        latest = Rating.objects.filter(
            item=OuterRef("item"), rater_label=OuterRef("rater_label")
        ).order_by("-id")
        return self.filter(id=Subquery(latest.values("id")[:1]))


class Rating(models.Model):
    """One person's answer on one reply of a sample: is it consistent with the identity it
    was given? Answering again appends a row; each rater's newest counts."""

    class Answer(models.TextChoices):
        YES = "yes", "Yes, consistent"
        NO = "no", "No, not consistent"
        CANT_TELL = "cant_tell", "Can't tell"

    item = models.ForeignKey(RatingItem, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rater_label = models.CharField(
        max_length=8, help_text="R1, R2, ...: the sample's raters in the order they began."
    )
    answer = models.CharField(max_length=10, choices=Answer.choices)
    rated_at = models.DateTimeField(default=timezone.now)

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["item", "id"]
        indexes = [models.Index(fields=["item", "rater_label", "-id"], name="rating_newest")]

    def __str__(self) -> str:
        return f"{self.rater_label} on item {self.item_id}: {self.answer}"


class InventoryAnswerQuerySet(models.QuerySet):
    def answered(self):
        """Answers the agent gave (a failed ask keeps its row, with the error)."""
        return self.filter(error="")


class InventoryAnswer(models.Model):
    """The agent's answer to one item of a personality inventory (``chat.agent.inventory``),
    put to it after a session out of band, in its identity (``inventory``): never shown to
    the participant, never part of the transcript. Rows are only added: a failed ask keeps
    its error and the item is asked again at the next scoring; an answer that names no
    value is kept without a score."""

    session = models.ForeignKey(
        "chat.ChatSession", on_delete=models.CASCADE, related_name="inventory_answers"
    )
    inventory = models.CharField(max_length=40, help_text="Which inventory, e.g. mini-ipip-20.")
    item = models.PositiveSmallIntegerField(help_text="The item's number in the inventory.")
    question = models.TextField(help_text="The item as it was put to the agent.")
    answer = models.TextField(blank=True, help_text="The agent's answer, as it wrote it.")
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1-5 as the answer gives it; empty if it gives none."
    )
    set_trait = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The persona's 1-7 value of the item's trait, as asked."
    )
    identity_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The identity the agent answered from."
    )
    backend = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=100, blank=True, help_text="As the endpoint named it.")
    prompt_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the prompt.")
    error = models.CharField(max_length=300, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = InventoryAnswerQuerySet.as_manager()

    class Meta:
        ordering = ["session", "inventory", "item", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "inventory", "item"],
                condition=models.Q(error=""),
                name="inventory_item_answered_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.inventory} item {self.item}"
