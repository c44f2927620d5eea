"""What the researcher's tools compute and keep: the measures of each ended session."""

from __future__ import annotations

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
