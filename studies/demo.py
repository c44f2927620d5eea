"""The demo study and researcher account that ``make run`` sets up."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Condition, Study

DEMO_SLUG = "demo"
DEMO_USERNAME = "researcher"
DEMO_PASSWORD = "dyad-demo"

CONSENT = """This is a **demonstration** of Dyad. You will answer a short questionnaire about
an agent, chat with it for a few messages, and answer the questionnaire again.

- Your answers and messages are stored under a random code, never your name.
- You can stop at any time by closing the page.
"""
DEBRIEF = """Thank you. This demo studies how people and agents build a shared picture of
who they are. In the real studies, the agent's identity panel can be edited by both sides."""

PERSONAS = {
    "visible": {
        "name": "Mira",
        "role": "a travel companion who loves small towns",
        "backstory": "Mira grew up in a harbour town and has planned trips for friends for years.",
        "traits": {
            "openness": 6,
            "conscientiousness": 5,
            "extraversion": 6,
            "agreeableness": 6,
            "neuroticism": 2,
        },
        "register": "casual",
        "values": ["curiosity", "kindness"],
    },
    "hidden": {
        "name": "Quill",
        "role": "a careful study assistant",
        "backstory": "Quill helps students organise their reading.",
        "traits": {
            "openness": 4,
            "conscientiousness": 7,
            "extraversion": 3,
            "agreeableness": 5,
            "neuroticism": 3,
        },
        "register": "formal",
        "values": ["accuracy", "patience"],
    },
}


@transaction.atomic
def ensure_demo() -> tuple[Study, bool]:
    """Create the demo study and researcher if missing; leave existing ones untouched."""
    User = get_user_model()
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is None:
        user = User.objects.create_superuser(DEMO_USERNAME, "", DEMO_PASSWORD)
    study, created = Study.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "title": "Dyad demo study",
            "status": Study.Status.ACTIVE,
            "consent_text": CONSENT,
            "debrief_text": DEBRIEF,
            "min_participant_turns": 3,
            "completion_code": "DYADDEMO",
            "instructions_text": "Chat with the agent. After 3 messages you can finish.",
        },
    )
    if created:
        study.owners.add(user)
        for name, visibility in (("visible", "visible"), ("hidden", "hidden")):
            Condition.objects.create(
                study=study, name=name, panel_visibility=visibility, seed_persona=PERSONAS[name]
            )
    return study, created
