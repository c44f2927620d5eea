"""Pilot runs: simulated participants a researcher sends through a study before recruiting."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .conditions import Endpoint
from .study import Study


class Pilot(models.Model):
    """One run of simulated participants. They enter with this pilot's signed token (only a
    researcher can start one), take the path a browser takes, and are flagged
    ``is_simulated`` everywhere; deleting the pilot's data is one action."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="pilots")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    participants_wanted = models.PositiveIntegerField()
    concurrency = models.PositiveSmallIntegerField(default=10)
    seed = models.BigIntegerField(default=0)
    effect = models.CharField(
        max_length=100, blank=True, help_text='Planted effect, e.g. "co-construct:hlc:+0.5".'
    )
    drift = models.FloatField(
        default=0.0,
        help_text="Planted drift: the share (0-1) of the offline agent's replies and Q&A "
        "answers that contradict or forget its identity on purpose (docs/data.md).",
    )
    pace = models.FloatField(default=1.0, help_text="1: people's own pace; 0: no waiting.")
    skip_gaps = models.BooleanField(default=True)
    endpoint = models.ForeignKey(
        Endpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="pilots"
    )
    model = models.CharField(max_length=100, blank=True)
    profiles = models.JSONField(
        default=list, blank=True, help_text="Profiles supplied (a list); others are drawn."
    )
    base_url = models.CharField(
        max_length=300, help_text="Where the simulated participants reach the study."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["study", "-id"]

    def __str__(self) -> str:
        return f"pilot {self.pk} of {self.study.slug}"

    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
