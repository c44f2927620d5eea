"""Conditions, the arms of a study, and the LLM endpoints they may use."""

from __future__ import annotations

import re

from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models

from ..design import Manipulation, Pacing
from ..persona import IdentityError, validate_persona
from .study import Study

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
        WIZARD = "wizard", "Wizard of Oz: a researcher writes the agent's replies"

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
    wizard_drafts = models.BooleanField(
        "wizard edits a draft",
        default=False,
        help_text="Wizard of Oz: the agent (an LLM if an endpoint and model are set, else the "
        "offline agent) drafts each reply for the wizard to edit and send.",
    )
    wizard_timeout_seconds = models.PositiveSmallIntegerField(
        "wizard time-out (seconds)",
        default=90,
        validators=[MinValueValidator(5), MaxValueValidator(900)],
        help_text="Wizard of Oz: if no wizard sends a reply within this time, the agent (an LLM "
        "if set, else the offline agent) replies instead, recorded as a fallback.",
    )

    # Who the participant is told they talk with, and how the partner shows itself.
    class Framing(models.TextChoices):
        AI = "ai", "an AI agent"
        PERSON = "person", "another participant"
        UNSTATED = "unstated", "not stated"

    partner_framing = models.CharField(
        max_length=10,
        choices=Framing.choices,
        default=Framing.UNSTATED,
        help_text="What the consent page, the instructions and the chat's header say the "
        "partner is.",
    )
    framing_text = models.TextField(
        blank=True,
        help_text="Optional, Markdown: your own words for it, shown on the consent page and "
        "above the chat (empty: the preset's sentence, in the study's language).",
    )

    class PartnerName(models.TextChoices):
        IDENTITY = "identity", "the identity's name (changes with it)"
        FIXED = "fixed", "a fixed label"
        NONE = "none", "no name"

    partner_name = models.CharField(
        "partner's name", max_length=10, choices=PartnerName.choices, default=PartnerName.IDENTITY
    )
    partner_label = models.CharField(
        "fixed label",
        max_length=40,
        blank=True,
        default="Partner",
        help_text="With a fixed label: the name shown for the partner, e.g. Partner or Alex.",
    )
    partner_picture = models.CharField(
        max_length=100,
        blank=True,
        help_text="The partner's picture as uploaded (content-addressed: partners/<sha256>.<ext>).",
    )
    partner_picture_alt = models.CharField(
        "picture's alt text",
        max_length=150,
        blank=True,
        help_text="What the picture shows, for screen readers (needed with a picture).",
    )

    # How the partner's replies appear (chat.pacing).
    class Pacing(models.TextChoices):
        STREAM = "stream", "at once, as the model writes them"
        HUMAN = "human", "held, then shown after a human typing time"
        DELAY = "delay", "held, then shown after a fixed delay"

    reply_pacing = models.CharField(max_length=10, choices=Pacing.choices, default=Pacing.STREAM)
    pacing_wpm = models.PositiveSmallIntegerField(
        "typing speed (words per minute)",
        default=40,
        validators=[MinValueValidator(5), MaxValueValidator(300)],
        help_text="Human pace: the reply's words at this speed make its typing time.",
    )
    pacing_jitter = models.PositiveSmallIntegerField(
        "jitter (%)",
        default=25,
        validators=[MaxValueValidator(90)],
        help_text="Human pace: each typing time is made up to this much shorter or longer, "
        "at random (seeded by the session and turn).",
    )
    pacing_read_seconds = models.FloatField(
        "reading delay (seconds)",
        default=2.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(120.0)],
        help_text="Human pace: from the participant's message to the partner starting to type.",
    )
    pacing_delay_seconds = models.FloatField(
        "fixed delay (seconds)",
        default=5.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(300.0)],
        help_text="Fixed delay: from the participant's message to the reply appearing.",
    )
    pacing_max_seconds = models.FloatField(
        "longest typing time (seconds)",
        default=60.0,
        validators=[MinValueValidator(1.0), MaxValueValidator(600.0)],
        help_text="Human pace: no reply types for longer than this.",
    )
    pacing_indicator = models.BooleanField(
        "typing indicator",
        default=True,
        help_text='Held replies: show "… is typing" while the partner types (human pace) or '
        "for the delay (fixed delay).",
    )

    # Deception: a condition that tells participants something untrue must reveal it.
    deceptive = models.BooleanField(
        default=False,
        help_text="Participants are told something untrue (e.g. that they talk with a person). "
        "They then read the reveal below after the last questionnaire and choose again "
        "whether their data may be used.",
    )
    reveal_text = models.TextField(
        blank=True,
        help_text="Markdown: the truth, shown in the debrief of a deceptive condition (needed "
        "for one).",
    )

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
        if self.agent_backend == self.Backend.WIZARD and bool(self.llm_endpoint_id) != bool(
            self.llm_model
        ):
            raise ValidationError(
                {
                    "llm_model": "A wizard's LLM helper needs both an endpoint and a model (or "
                    "neither: the offline agent drafts and stands in)."
                }
            )
        if self.agent_backend == self.Backend.OPENAI and not self.llm_endpoint_id:
            raise ValidationError(
                {"llm_endpoint": "An OpenAI-compatible agent needs one of the endpoints."}
            )
        if self.agent_backend == self.Backend.OPENAI and not self.llm_model:
            raise ValidationError({"llm_model": "An OpenAI-compatible agent needs a model."})
        if self.deceptive and not self.reveal_text.strip():
            raise ValidationError(
                {"reveal_text": "A deceptive condition needs the reveal its participants read."}
            )
        if self.partner_name == self.PartnerName.FIXED and not self.partner_label.strip():
            raise ValidationError({"partner_label": "Give the label to show, e.g. Partner."})
        if self.partner_picture and not self.partner_picture_alt.strip():
            raise ValidationError(
                {"partner_picture_alt": "Say what the picture shows, for screen readers."}
            )
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

    def helper_backend(self) -> str:
        """The backend that drafts for a wizard and stands in when none answers in time, and
        that answers Q&A probes: the LLM if one is set, else the offline agent."""
        if self.agent_backend != self.Backend.WIZARD:
            return self.agent_backend
        has_llm = self.llm_endpoint_id and self.llm_model
        return self.Backend.OPENAI if has_llm else self.Backend.SCRIPTED

    @property
    def pacing(self) -> Pacing:
        """How this condition's replies appear (``chat.pacing`` applies it)."""
        return Pacing(
            mode=self.reply_pacing,
            wpm=self.pacing_wpm,
            jitter=self.pacing_jitter / 100,
            read_seconds=self.pacing_read_seconds,
            delay_seconds=self.pacing_delay_seconds,
            max_seconds=self.pacing_max_seconds,
            indicator=self.pacing_indicator,
        )

    def shown_name(self, identity_name: str) -> str:
        """The partner's name on the participant's pages: the identity's, the fixed label,
        or "" for none."""
        if self.partner_name == self.PartnerName.FIXED:
            return self.partner_label
        return identity_name if self.partner_name == self.PartnerName.IDENTITY else ""

    @property
    def manipulation(self) -> Manipulation:
        return Manipulation(
            panel=self.panel_visibility,
            participant_writes=self.participant_writes,
            agent_writes=self.agent_writes,
            locked=frozenset(self.locked_fields or ()),
        )
