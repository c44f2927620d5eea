"""The named cast every test draws on (STYLE.md): study "pilot" (published) with conditions
"editable" and "hidden", participants "ana" and "ben", researchers "rita" (owns pilot) and
"omar" (owns nothing of rita's)."""

from __future__ import annotations

from http.cookies import SimpleCookie

from channels.testing import ChannelsLiveServerTestCase
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from django.test import Client, TestCase, TransactionTestCase
from django.utils import timezone

from studies import session_keys
from studies.models import Condition, Endpoint, Participant, Study
from studies.services.designing import study_publish

PERSONA = {
    "name": "Mira",
    "role": "a travel companion",
    "backstory": "Mira grew up by the sea.",
    "traits": {"openness": 6, "extraversion": 6},
    "register": "casual",
    "values": ["curiosity"],
}


class Cast:
    def make_cast(self) -> None:
        User = get_user_model()
        self.rita = User.objects.create_user("rita", password="rita-pass-123")
        self.omar = User.objects.create_user("omar", password="omar-pass-123")
        self.pilot = Study.objects.create(
            title="Pilot",
            slug="pilot",
            consent_text="Please **read** this.",
            debrief_text="Thanks *a lot*.",
            min_participant_turns=2,
            completion_code="PILOT-OK",
        )
        self.pilot.owners.add(self.rita)
        self.editable = Condition.objects.create(
            study=self.pilot, name="editable", panel_visibility="editable", seed_persona=PERSONA
        )
        self.hidden = Condition.objects.create(
            study=self.pilot,
            name="hidden",
            panel_visibility="hidden",
            agent_writes="silent",  # a hidden panel takes no proposals
            seed_persona={**PERSONA, "name": "Quill", "register": "formal"},
        )
        study_publish(study=self.pilot, user=self.rita)
        now = timezone.now()
        self.ana = Participant.objects.create(
            study=self.pilot, condition=self.editable, consented_at=now, external_id="ANA-PID"
        )
        self.ben = Participant.objects.create(
            study=self.pilot, condition=self.hidden, consented_at=now
        )

    def published_study(self, slug: str, conditions: dict[str, dict], **fields) -> Study:
        """A study of one session without PMQs (unless ``fields`` say otherwise), with these
        conditions (name -> fields, seeded with PERSONA), published: people may enter."""
        defaults = {"title": slug.title(), "consent_text": "ok", "debrief_text": "bye"}
        defaults |= {"min_participant_turns": 1, "pmq_before": False, "pmq_after": False}
        study = Study.objects.create(slug=slug, **(defaults | fields))
        for name, design in conditions.items():
            Condition.objects.create(study=study, name=name, seed_persona=PERSONA, **design)
        study_publish(study=study)
        return study

    def use_llm(self, condition: Condition, base_url: str, model: str = "fake-1", **fields):
        """Point a condition at an endpoint, as an operator sets it up (admin) and a
        researcher chooses it (dashboard)."""
        endpoint, _ = Endpoint.objects.update_or_create(
            name="fake", defaults={"base_url": base_url, "api_key_env": ""}
        )
        Condition.objects.filter(pk=condition.pk).update(
            agent_backend="openai", llm_endpoint=endpoint, llm_model=model, **fields
        )
        condition.refresh_from_db()
        return endpoint

    def answer_pmq(self, participant: Participant, timepoint="pre", number=1, raw="4") -> None:
        """Submit a PMQ for the participant, every item at ``raw``."""
        from questionnaires.services import administration_open, administration_submit

        shown = administration_open(
            participant=participant, session_number=number, timepoint=timepoint
        )
        answers = {code: [raw] for code in shown.item_order}
        administration_submit(administration_id=shown.pk, submitted=answers)

    def browser_of(self, participant: Participant) -> Client:
        """A test client whose session says it is this participant."""
        client = Client()
        session = client.session
        session_keys.remember(session, participant.study_id, participant.pk)
        session.save()
        return client

    def cookie_of(self, participant: Participant) -> bytes:
        """A Cookie header for a WebSocket handshake as this participant."""
        session = SessionStore()
        session_keys.remember(session, participant.study_id, participant.pk)
        session.save()
        cookie = SimpleCookie({settings.SESSION_COOKIE_NAME: session.session_key})
        return cookie.output(header="", sep=";").strip().encode()


class DyadTestCase(Cast, TestCase):
    def setUp(self) -> None:
        self.make_cast()


class DyadTransactionTestCase(Cast, TransactionTestCase):
    def setUp(self) -> None:
        self.make_cast()


class LiveServerTestCase(ChannelsLiveServerTestCase):
    """Channels' live server, which forks a Daphne process. On PostgreSQL the pools' open
    connections are closed first: a child that inherited them would share their sockets with
    this process, and the two would hang on each other's replies."""

    @classmethod
    def setUpClass(cls):
        for connection in connections.all():
            connection.close()
            if getattr(connection, "pool", None):
                connection.close_pool()
        super().setUpClass()
