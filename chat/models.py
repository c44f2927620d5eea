from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ChatSession(models.Model):
    """One sitting of a participant with the agent: session ``number`` of the study's N."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        FINISHED = "finished"
        WITHDRAWN = "withdrawn", "ended because the participant withdrew"

    participant = models.ForeignKey(
        "studies.Participant", on_delete=models.CASCADE, related_name="chat_sessions"
    )
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    participant_turns = models.PositiveIntegerField(default=0)
    last_turn = models.PositiveIntegerField(default=0)
    agent_paused = models.BooleanField(default=False, help_text="Set by a researcher watching.")
    wizard = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Wizard of Oz: the researcher who answers in this session.",
    )
    design_hash = models.CharField(max_length=64, blank=True)
    identity_version_start = models.PositiveIntegerField(null=True, blank=True)
    identity_version_end = models.PositiveIntegerField(null=True, blank=True)
    # Typing telemetry (chat.telemetry): the typing time its messages' reports claimed, kept
    # to bound the next one by the session's own wall time, and the reports refused as
    # impossible (malformed, or claiming more time than the session has had).
    typing_ms_total = models.PositiveBigIntegerField(default=0)
    telemetry_refused = models.PositiveIntegerField(
        default=0, help_text="Typing and activity reports refused as impossible."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "number"], name="session_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.participant} session {self.number}"

    def deadline(self):
        limit = self.participant.study.time_limit_minutes
        return self.started_at + timedelta(minutes=limit) if limit else None

    def is_time_up(self, now=None) -> bool:
        deadline = self.deadline()
        return deadline is not None and (now or timezone.now()) >= deadline

    def can_finish(self, now=None) -> bool:
        min_turns = self.participant.study.min_participant_turns
        return self.participant_turns >= min_turns or self.is_time_up(now)

    def is_over(self) -> bool:
        return self.status != self.Status.ACTIVE


class Message(models.Model):
    # What an agent reply records about how it was made (docs/data.md).
    PROVENANCE = (
        "backend", "model", "params", "prompt_hash", "prompt_tokens", "completion_tokens",
        "ttft_ms", "latency_ms", "finish_reason", "retries",
    )  # fmt: skip

    class Authored(models.TextChoices):
        AGENT = "", "by the agent's backend"
        WIZARD = "wizard", "written by a wizard"
        EDITED = "edited", "the backend's draft, edited by a wizard"
        APPROVED = "approved", "the backend's draft, sent unchanged by a wizard"
        FALLBACK = "fallback", "by the backend, because no wizard answered in time"

    class Sender(models.TextChoices):
        PARTICIPANT = "participant"
        AGENT = "agent"
        SYSTEM = "system"

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    turn = models.PositiveIntegerField(help_text="Order within the session, from 1.")
    sender = models.CharField(max_length=12, choices=Sender.choices)
    text = models.TextField()
    client_id = models.CharField(max_length=64, null=True, blank=True)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    created_at = models.DateTimeField(default=timezone.now)
    backend = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=100, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Total time.")
    ttft_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Time to first token.")
    params = models.JSONField(null=True, blank=True, help_text="Model parameters used.")
    prompt_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the prompt.")
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    finish_reason = models.CharField(max_length=40, blank=True)
    retries = models.PositiveSmallIntegerField(default=0)
    authored = models.CharField(
        max_length=10, choices=Authored.choices, blank=True, help_text="Who wrote an agent reply."
    )
    wizard = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Wizard of Oz: the researcher who wrote, edited or sent this reply.",
    )
    identity_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="Identity version the agent saw (agent messages)."
    )
    answers = models.JSONField(
        null=True,
        blank=True,
        help_text="Agent replies: the participant turns this reply answers (a list).",
    )
    revisions_seen = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Last revision id in the agent's view (agent messages)."
    )
    # How the participant wrote it, where the study records typing (chat.telemetry).
    typing_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="From the first keystroke or paste to sending, ms."
    )
    paste_count = models.PositiveIntegerField(null=True, blank=True)
    pasted_chars = models.PositiveIntegerField(
        null=True, blank=True, help_text="Characters pasted into the message box for it."
    )
    # Agent replies: when the model's text was complete, when the page showed "typing" (only
    # where it did) and when the reply appeared to the participant (chat.pacing).
    generated_at = models.DateTimeField(null=True, blank=True)
    typing_started_at = models.DateTimeField(null=True, blank=True)
    shown_at = models.DateTimeField(null=True, blank=True)
    # A pilot's planted drift (chat.agent.planting): how this reply was made to drift, or
    # None. Kept to validate the measures against; never shown, scored or exported but in
    # drift_validation.csv.
    planted_drift = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["session", "turn"]
        constraints = [
            models.UniqueConstraint(fields=["session", "turn"], name="turn_once_per_session"),
            # The idempotency key: a resent message finds its first copy, never a second row.
            models.UniqueConstraint(
                fields=["session", "client_id"],
                condition=Q(client_id__isnull=False),
                name="client_id_once_per_session",
            ),
            # At most one agent reply per participant message, however often a turn is retried.
            models.UniqueConstraint(
                fields=["reply_to"],
                condition=Q(sender="agent"),
                name="one_agent_reply_per_message",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} #{self.turn} {self.sender}"


class Identity(models.Model):
    """The shared state of one participant with the agent, across all their sessions.

    The record is its ledger of revisions; ``state``, ``version`` and ``last_revision_id``
    are the state it derives to now, kept in step with every revision appended (under the
    identity row's lock), so a turn never replays the ledger. Any past version is rebuilt
    from the ledger (``selectors.identity_view``).
    """

    participant = models.OneToOneField(
        "studies.Participant", on_delete=models.CASCADE, related_name="identity"
    )
    created_at = models.DateTimeField(default=timezone.now)
    state = models.JSONField(default=dict, help_text="The state now (derived; see revisions).")
    version = models.PositiveIntegerField(default=0, help_text="Newest version in the ledger.")
    last_revision_id = models.PositiveBigIntegerField(default=0, help_text="Newest ledger row.")

    class Meta:
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return f"identity of {self.participant}"


class RevisionQuerySet(models.QuerySet):
    def in_effect(self) -> RevisionQuerySet:
        """Revisions that changed the state (applied, or accepted), in version order."""
        return self.filter(version__isnull=False).order_by("version")

    def open_proposals(self) -> RevisionQuerySet:
        return self.filter(status=Revision.Status.PROPOSED, decision__isnull=True)


class Revision(models.Model):
    """One event in the identity's ledger. Rows are never changed: a proposal is settled by a
    second row (accepted, rejected or expired) that ``resolves`` it."""

    class Author(models.TextChoices):
        PARTICIPANT = "participant"
        AGENT = "agent"
        RESEARCHER = "researcher"
        SYSTEM = "system"

    class Status(models.TextChoices):
        APPLIED = "applied"
        PROPOSED = "proposed"
        ACCEPTED = "accepted"
        REJECTED = "rejected"
        EXPIRED = "expired"

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(
        null=True, blank=True, help_text="Identity version this revision created, if it did."
    )
    author = models.CharField(max_length=12, choices=Author.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    session = models.ForeignKey(
        ChatSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    turn = models.PositiveIntegerField(null=True, blank=True, help_text="Last turn before it.")
    target = models.CharField(max_length=60)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    resolves = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="decision"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["identity", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "version"],
                condition=Q(version__isnull=False),
                name="identity_version_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.identity} r{self.pk} {self.author} {self.status} {self.target}"


class AgentTurn(models.Model):
    """The agent's work on one participant message: operational state, not a record of the
    conversation (the reply is a Message). Failures stay listed in ``errors``."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    IN_FLIGHT = (Status.QUEUED, Status.RUNNING)

    prompted = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="agent_turn")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"turn for {self.prompted} ({self.status})"

    def is_in_flight(self) -> bool:
        return self.status in self.IN_FLIGHT


class SessionEvent(models.Model):
    """A stretch of a chat session the participant spent away, as their page reported it
    when they came back (where the study records typing): the tab hidden, or idle."""

    class Kind(models.TextChoices):
        HIDDEN = "hidden", "the chat's tab was hidden"
        IDLE = "idle", "the tab was visible, with no key, pointer or scroll activity"

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="events")
    client_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    duration_ms = models.PositiveIntegerField()
    ended_at = models.DateTimeField(default=timezone.now, help_text="When the server heard it.")

    class Meta:
        ordering = ["session", "ended_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "client_id"], name="event_once_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.kind} {self.duration_ms} ms"


class Probe(models.Model):
    """The agent's answer to one Q&A probe (``chat.agent.probes``), asked at the end of a
    session out of band: never shown to the participant, never part of the transcript. A
    failed ask is kept with its error; the probe is asked again on the next scoring."""

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="probes")
    probe_set = models.CharField(max_length=40)
    key = models.CharField(max_length=40)
    question = models.TextField()
    answer = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    identity_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The identity the agent answered from."
    )
    backend = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=100, blank=True)
    prompt_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the prompt.")
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    planted_drift = models.JSONField(null=True, blank=True)  # as on Message

    class Meta:
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "probe_set", "key"],
                condition=Q(error=""),
                name="probe_answered_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} probe {self.key}"


class WizardRequest(models.Model):
    """A participant message a wizard is asked to answer (Wizard of Oz conditions): the
    draft they were shown, and what became of it. Kept, never changed but to settle it."""

    class Status(models.TextChoices):
        WAITING = "waiting"
        ANSWERED = "answered"
        TIMED_OUT = "timed_out", "no wizard answered in time: the agent stood in"

    prompted = models.OneToOneField(
        Message, on_delete=models.CASCADE, related_name="wizard_request"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    draft = models.TextField(blank=True, help_text="The agent's draft shown to the wizard.")
    draft_model = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True, help_text="What the wizard sent.")
    proposal = models.JSONField(null=True, blank=True, help_text="A change the wizard proposed.")
    wizard = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"wizard request for {self.prompted} ({self.status})"
