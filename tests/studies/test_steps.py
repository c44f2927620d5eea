"""The gate of every participant page (``studies.steps.participant_step``): which
participant this browser is in this study, in one query, and where they are."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from studies import session_keys
from studies.models import Participant
from tests.base import DyadTestCase


class GateTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.other = self.published_study("other", {"only": {"panel_visibility": "visible"}})
        self.ana_elsewhere = Participant.objects.create(
            study=self.other, condition=self.other.conditions.get(), consented_at=timezone.now()
        )

    def test_a_browser_in_two_studies_is_its_own_participant_in_each(self):
        client = self.browser_of(self.ana)
        session = client.session
        session_keys.remember(session, self.other.pk, self.ana_elsewhere.pk)
        session.save()
        pilot = client.get("/s/pilot/session/1/chat/")
        assert pilot["Location"] == "/s/pilot/session/1/pmq/pre/"  # ana's next step here
        other = client.get("/s/other/session/1/chat/")
        assert other.status_code == 200 and b"Hi, I&#x27;m Mira" in other.content
        assert self.ana_elsewhere.chat_sessions.count() == 1
        assert self.ana.chat_sessions.count() == 0

    def test_a_browser_that_is_nobody_in_a_study_is_sent_to_its_entry(self):
        client = self.browser_of(self.ana_elsewhere)
        response = client.get("/s/pilot/session/1/chat/")
        assert response["Location"] == "/s/pilot/"
        assert client.get("/s/nowhere/session/1/chat/").status_code == 404

    def test_a_participant_remembered_for_another_study_is_not_taken_for_this_one(self):
        client = self.browser_of(self.ana_elsewhere)
        session = client.session
        session[session_keys.KEY] = {str(self.pilot.pk): self.ana_elsewhere.pk}  # nonsense
        session.save()
        assert client.get("/s/pilot/session/1/chat/")["Location"] == "/s/pilot/"

    def test_a_journey_page_costs_four_queries_to_pass_the_gate(self):
        client = self.browser_of(self.ana)
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/s/pilot/session/1/pmq/pre/")
        assert page.status_code == 200
        # The browser's session, the participant with study and condition, the PMQs done,
        # the sessions begun; then the page's own.
        tables = ["django_session", "studies_participant", "questionnaires_administration"]
        tables += ["chat_chatsession"]
        for sql, table in zip([q["sql"] for q in queries][:4], tables, strict=True):
            assert sql.startswith(f'SELECT "{table}".')
        assert 'INNER JOIN "studies_study"' in queries[1]["sql"]
        assert not any(q["sql"].startswith('SELECT "studies_study".') for q in queries)
