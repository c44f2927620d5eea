"""The study page: funnel, sessions, pilots."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.models import ChatSession
from questionnaires.models import Administration
from studies.models import Participant
from tests.dashboard.views.base import DashboardTestCase, answer


class StudyPageTests(DashboardTestCase):
    def test_the_funnel_counts_each_step_per_condition(self):
        answer(self.ana, "pre", "4")
        Participant.objects.create(study=self.pilot, declined_at=timezone.now())
        ChatSession.objects.filter(pk=self.session.pk).update(participant_turns=2)
        page = self.as_user(self.rita).get("/dashboard/studies/pilot/").content.decode()
        assert "Entered: <strong>3</strong>" in page and "declined: <strong>1</strong>" in page
        assert (
            '<th scope="row">editable</th><td>1</td><td>1</td><td>1</td><td>0</td><td>0</td>'
            in page
        )
        assert (
            '<th scope="row">hidden</th><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td>' in page
        )
        assert self.ana.code in page  # her session is live

    def test_the_study_page_costs_the_same_queries_for_1_and_500_participants(self):
        rita = self.as_user(rita_user := self.rita)
        assert rita_user.pk
        with CaptureQueriesContext(connection) as few:
            rita.get("/dashboard/studies/pilot/")
        now = timezone.now()
        people = Participant.objects.bulk_create(
            Participant(
                study=self.pilot,
                condition=self.editable if n % 2 else self.hidden,
                consented_at=now,
                code=f"P-BULK{n:04d}",
            )
            for n in range(500)
        )
        ChatSession.objects.bulk_create(
            ChatSession(participant=p, number=1, participant_turns=3) for p in people
        )
        template = Administration.objects.get_or_create(
            participant=self.ana,
            instrument_id=1,
            session_number=1,
            timepoint="pre",
            defaults={"item_order": [], "positive_left": {}, "instrument_version": "x"},
        )[0]
        Administration.objects.bulk_create(
            Administration(
                participant=p,
                instrument_id=template.instrument_id,
                session_number=1,
                timepoint="pre",
                item_order=[],
                positive_left={},
                instrument_version="x",
                submitted_at=now,
                scores={"CCD": 4, "HLC": 4, "CF": 4, "overall": 4},
            )
            for p in people
        )
        with CaptureQueriesContext(connection) as many:
            page = rita.get("/dashboard/studies/pilot/").content.decode()
        assert len(many) == len(few)
        assert "Entered: <strong>502</strong>" in page
