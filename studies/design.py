"""A study's design as data, and its content hash. Pure: no Django imports."""

from __future__ import annotations

import hashlib
import json
from typing import NamedTuple

STUDY_FIELDS = (
    "title",
    "slug",
    "language",
    "consent_text",
    "instructions_text",
    "debrief_text",
    "sessions_per_participant",
    "min_gap_hours",
    "min_participant_turns",
    "time_limit_minutes",
    "messages_per_minute",
    "comprehension_question",
    "comprehension_choices",
    "comprehension_answer",
    "comprehension_tries",
    "record_typing",
    "pmq_before",
    "pmq_after",
    "pmq_language",
    "pmq_translation",
    "attention_checks",
    "completion_code",
    "timed_out_code",
    "declined_code",
    "withdrawn_code",
    "prolific_completion_url",
    "withdrawal",
)
CONDITION_FIELDS = (
    "name",
    "weight",
    "panel_visibility",
    "participant_writes",
    "agent_writes",
    "memory",
    "locked_fields",
    "agent_backend",
    "llm_endpoint",
    "llm_model",
    "llm_temperature",
    "llm_max_tokens",
    "llm_system_prompt",
    "llm_use_tools",
    "llm_timeout_seconds",
    "seed_persona",
    "wizard_drafts",
    "wizard_timeout_seconds",
    "partner_framing",
    "framing_text",
    "partner_name",
    "partner_label",
    "partner_picture",
    "partner_picture_alt",
    "reply_pacing",
    "pacing_wpm",
    "pacing_jitter",
    "pacing_read_seconds",
    "pacing_delay_seconds",
    "pacing_max_seconds",
    "pacing_indicator",
    "deceptive",
    "reveal_text",
)


class Manipulation(NamedTuple):
    """A condition's identity settings (``Condition.manipulation``), as ``chat.rules`` reads
    them to decide who may write what."""

    panel: str  # "hidden", "visible", "editable"
    participant_writes: str  # "direct" or "propose"
    agent_writes: str  # "off", "silent", "announced", "propose"
    locked: frozenset[str]


class Pacing(NamedTuple):
    """A condition's reply pacing (``Condition.pacing``), as ``chat.pacing`` applies it."""

    mode: str  # "stream", "human", "delay"
    wpm: int
    jitter: float  # 0..0.9: the typing time is scaled by 1 + jitter * (2u - 1)
    read_seconds: float
    delay_seconds: float
    max_seconds: float
    indicator: bool

    @property
    def holds(self) -> bool:
        """Whether replies are held back and shown whole (else they stream as written)."""
        return self.mode != "stream"


def design(study: dict, conditions: list[dict]) -> dict:
    """Everything that shapes what participants experience, and nothing else."""
    return {
        "study": {k: study[k] for k in STUDY_FIELDS},
        "conditions": sorted(
            ({k: c[k] for k in CONDITION_FIELDS} for c in conditions), key=lambda c: c["name"]
        ),
    }


def content_hash(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
