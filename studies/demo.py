"""The demo study and researcher account that ``make run`` sets up."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Condition, Endpoint, Study
from .services import designing
from .starters import CONSENT, DEBRIEF, PERSONAS

DEMO_SLUG = "demo"
DEMO_USERNAME = "researcher"
DEMO_PASSWORD = "dyad-demo"
DEMO_ENDPOINT = "demo-llm"


@transaction.atomic
def ensure_demo() -> tuple[Study, bool]:
    """Create the demo study and researcher if missing, and publish the study (participants
    enter only published studies). An existing demo keeps its data; if switching between the
    offline agent and an LLM changed its design, that is recorded as a new design version."""
    User = get_user_model()
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is None:
        user = User.objects.create_superuser(DEMO_USERNAME, "", DEMO_PASSWORD)
    study, created = Study.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "title": "Dyad demo study",
            "status": Study.Status.DRAFT,
            "consent_text": CONSENT,
            "debrief_text": DEBRIEF,
            "min_participant_turns": 3,
            "completion_code": "DYADDEMO",
            "record_typing": True,
            "instructions_text": (
                "Chat with the agent. If you can see the panel, you can change who the agent "
                'is; try telling it "be more playful" or "call yourself Nova". After 3 '
                "messages you can finish."
            ),
        },
    )
    if created:
        study.owners.add(user)
        Condition.objects.create(
            study=study,
            name="co-construct",
            panel_visibility="editable",
            agent_writes="propose",
            memory="carry",
            seed_persona=PERSONAS["co-construct"],
        )
        Condition.objects.create(
            study=study,
            name="hidden",
            panel_visibility="hidden",
            agent_writes="silent",
            memory="carry",
            seed_persona=PERSONAS["co-construct"],  # the same agent: only the panel differs,
        )
    _use_llm_from_environment(study)
    if study.is_frozen():
        designing.design_version_record(study=study)
    else:
        designing.study_publish(study=study, user=user)
    return study, created


def _use_llm_from_environment(study: Study) -> None:
    """With DYAD_LLM_BASE_URL and DYAD_LLM_MODEL set, the demo talks to that endpoint (its key,
    if any, read from DYAD_LLM_API_KEY at run time); without them, to the offline agent. The
    endpoint is the operator's: ``make run`` reads these variables from the operator's shell."""
    base_url, model = settings.DYAD_LLM_BASE_URL, settings.DYAD_LLM_MODEL
    endpoint = None
    if base_url and model:
        key_env = "DYAD_LLM_API_KEY" if os.environ.get("DYAD_LLM_API_KEY") else ""
        endpoint, _ = Endpoint.objects.update_or_create(
            name=DEMO_ENDPOINT,
            defaults={
                "base_url": base_url,
                "api_key_env": key_env,
                "description": "From DYAD_LLM_BASE_URL when make run started",
            },
        )
    backend = Condition.Backend.OPENAI if endpoint else Condition.Backend.SCRIPTED
    study.conditions.update(
        agent_backend=backend, llm_endpoint=endpoint, llm_model=model if endpoint else ""
    )
