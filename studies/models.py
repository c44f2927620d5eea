from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q

from .design import Manipulation
from .persona import IdentityError, validate_persona


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

    class Withdrawal(models.TextChoices):
        DELETE = "delete", "delete their data"
        EXCLUDE = "exclude", "keep their data out of every export"

    withdrawal = models.CharField(
        max_length=10,
        choices=Withdrawal.choices,
        default=Withdrawal.DELETE,
        help_text="What happens to a participant's data when they withdraw.",
    )
    pmq_before = models.BooleanField(default=True, help_text="PMQ before every session.")
    pmq_after = models.BooleanField(default=True, help_text="PMQ after every session.")
    completion_code = models.CharField(max_length=40, blank=True)
    prolific_completion_url = models.URLField(blank=True)
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

    def is_open(self) -> bool:
        """Taking new participants: active and published (so every one of them has a design
        version to carry)."""
        return self.status == self.Status.ACTIVE and self.is_frozen()

    def closed_reason(self) -> str:
        """Why new people are turned away: "draft" until published, else the status."""
        return self.status if self.is_frozen() else self.Status.DRAFT

    def is_owned_by(self, user) -> bool:
        return user.is_authenticated and self.owners.filter(pk=user.pk).exists()

    def is_frozen(self) -> bool:
        """Published: its design can no longer change (data would mix two designs)."""
        return bool(self.design_hash)


ENV_NAME = r"[A-Z_][A-Z0-9_]*"


def validate_env_name(value: str) -> None:
    from django.core.exceptions import ValidationError

    if value and not re.fullmatch(ENV_NAME, value):
        raise ValidationError("Capital letters, digits and _, e.g. LAB_OPENAI_KEY.")


class Endpoint(models.Model):
    """An LLM endpoint the operator set up: where agent turns may send prompts, and which
    environment variable of the server holds its key. Only superusers (operators) create or
    change endpoints; researchers choose one by name for a condition, never a URL or a
    variable, so nothing a researcher types decides which host the server calls or what it
    reads from its environment."""

    name = models.SlugField(max_length=60, unique=True)
    base_url = models.URLField(
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="e.g. http://127.0.0.1:11434/v1 (Ollama) or https://api.openai.com/v1",
    )
    api_key_env = models.CharField(
        "API key variable",
        max_length=60,
        blank=True,
        validators=[validate_env_name],
        help_text="Name of the server's environment variable that holds the key (never the "
        "key itself); empty for endpoints without a key.",
    )
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Condition(models.Model):
    class PanelVisibility(models.TextChoices):
        HIDDEN = "hidden"
        VISIBLE = "visible", "visible, read-only"
        EDITABLE = "editable"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="conditions")
    name = models.SlugField(max_length=60)
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Relative allocation weight."
    )

    class ParticipantWrites(models.TextChoices):
        DIRECT = "direct", "apply directly"
        PROPOSE = "propose", "proposals the agent accepts or rejects"

    class AgentWrites(models.TextChoices):
        OFF = "off"
        SILENT = "silent", "apply silently"
        ANNOUNCED = "announced", "apply and announce"
        PROPOSE = "propose", "proposals the participant accepts or rejects"

    class Memory(models.TextChoices):
        CARRY = "carry", "carry over between sessions"
        RESET = "reset", "reset to the seed every session"

    panel_visibility = models.CharField(
        max_length=10, choices=PanelVisibility.choices, default=PanelVisibility.VISIBLE
    )
    participant_writes = models.CharField(
        max_length=10, choices=ParticipantWrites.choices, default=ParticipantWrites.DIRECT
    )
    agent_writes = models.CharField(
        max_length=10, choices=AgentWrites.choices, default=AgentWrites.PROPOSE
    )
    memory = models.CharField(max_length=10, choices=Memory.choices, default=Memory.CARRY)
    locked_fields = models.JSONField(
        default=list,
        blank=True,
        help_text='Targets nobody but researchers may change, e.g. ["persona.name", "partner"].',
    )

    class Backend(models.TextChoices):
        SCRIPTED = "scripted", "offline scripted agent"
        OPENAI = "openai", "OpenAI-compatible endpoint"

    agent_backend = models.CharField(
        max_length=20, choices=Backend.choices, default=Backend.SCRIPTED
    )
    llm_endpoint = models.ForeignKey(
        Endpoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conditions",
        verbose_name="LLM endpoint",
        help_text="One of the endpoints the server's operator has set up.",
    )
    llm_model = models.CharField(max_length=100, blank=True)
    llm_temperature = models.FloatField(
        default=0.7, validators=[MinValueValidator(0.0), MaxValueValidator(2.0)]
    )
    llm_max_tokens = models.PositiveIntegerField(default=300)
    llm_system_prompt = models.TextField(
        blank=True,
        help_text="Optional template; {identity} stands for Dyad's description of "
        "the agent, the participant and the changes to take on board.",
    )
    llm_use_tools = models.BooleanField(
        default=True, help_text="Proposals as tool calls; off: as PROPOSE lines in the text."
    )
    llm_timeout_seconds = models.PositiveSmallIntegerField(default=60)
    seed_persona = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["study", "name"], name="condition_name_per_study")
        ]
        ordering = ["study", "id"]

    def __str__(self) -> str:
        return f"{self.study.slug}/{self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        hidden = self.panel_visibility == self.PanelVisibility.HIDDEN
        if hidden and self.agent_writes == self.AgentWrites.PROPOSE:
            raise ValidationError(
                {"agent_writes": "Participants cannot accept proposals in a hidden panel."}
            )

        try:
            validate_persona(self.seed_persona)
        except IdentityError as error:
            raise ValidationError({"seed_persona": error.message}) from None
        if self.agent_backend == self.Backend.OPENAI and not self.llm_endpoint_id:
            raise ValidationError(
                {"llm_endpoint": "An OpenAI-compatible agent needs one of the endpoints."}
            )
        if self.agent_backend == self.Backend.OPENAI and not self.llm_model:
            raise ValidationError({"llm_model": "An OpenAI-compatible agent needs a model."})
        if not isinstance(self.locked_fields, list):
            raise ValidationError(
                {"locked_fields": 'A list of field names, e.g. ["persona.name"].'}
            )

    def llm_settings(self) -> dict:
        """What an OpenAI-compatible backend needs: where and with which key variable from
        the operator's endpoint, the rest from the condition. The key itself is read from
        the environment at the moment of the call."""
        endpoint = self.llm_endpoint
        return {
            "base_url": endpoint.base_url if endpoint else "",
            "model": self.llm_model,
            "temperature": self.llm_temperature,
            "max_tokens": self.llm_max_tokens,
            "api_key_env": endpoint.api_key_env if endpoint else "",
            "use_tools": self.llm_use_tools,
            "timeout": self.llm_timeout_seconds,
            "system_prompt": self.llm_system_prompt,
        }

    def design_values(self, fields) -> dict:
        """The condition's design as data: the endpoint by its name."""
        values = {f: getattr(self, f) for f in fields if f != "llm_endpoint"}
        if "llm_endpoint" in fields:
            values["llm_endpoint"] = self.llm_endpoint.name if self.llm_endpoint_id else ""
        return values

    @property
    def manipulation(self) -> Manipulation:
        return Manipulation(
            panel=self.panel_visibility,
            participant_writes=self.participant_writes,
            agent_writes=self.agent_writes,
            locked=frozenset(self.locked_fields or ()),
        )


def new_participant_code() -> str:
    # No 0/O/1/I: codes get read aloud and copied by hand.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "P-" + "".join(secrets.choice(alphabet) for _ in range(8))


def real(through: str = "") -> Q:
    """Participants who are people, not a researcher's preview (``through`` reaches them over
    a relation, e.g. ``"participant__"``). Withdrawn people are real: the funnel counts them."""
    return Q(**{f"{through}is_preview": False})


def counts_as_data(through: str = "") -> Q:
    """Participants whose data count (results, exports, live views): real and not withdrawn.
    The one definition of the rule; ``through`` as for ``real``."""
    return real(through) & Q(**{f"{through}withdrawn_at__isnull": True})


class ParticipantQuerySet(models.QuerySet):
    def real(self) -> ParticipantQuerySet:
        return self.filter(real())

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
    entered_at = models.DateTimeField(auto_now_add=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_receipt = models.CharField(max_length=20, blank=True)

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


def progress_of(row) -> str:
    """How far a participant got, from their timestamps (a row or a ``.values()`` dict)."""
    if row.get("withdrawn_at"):
        return "withdrawn"
    if row["declined_at"]:
        return "declined"
    if row["completed_at"]:
        return "completed"
    return "in progress" if row["consented_at"] else "entered"


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
