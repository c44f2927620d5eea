"""The study's live overview page: every session in progress; who may see it; its cost with many
sessions."""

from __future__ import annotations

from unittest import mock

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.models import AgentTurn, ChatSession, Message
from chat.services import message_post, session_open
from studies.models import Participant
from tests.base import DyadTestCase
from tests.dashboard.export_data import away, begun_earlier, say


class OverviewPageTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.client = Client()
        self.client.force_login(self.rita)
        self.ana_session = begun_earlier(session_open(participant=self.ana, number=1))
        say(self.ana_session, "Call yourself Nova", typing={"typing_ms": 900, "paste_count": 1,
            "pasted_chars": 18})  # fmt: skip
        away(self.ana_session, "hidden", 5000)
        self.ben_session = session_open(participant=self.ben, number=1)
        with mock.patch("chat.services.messages.agent_turn_start"):  # the agent never answers
            message_post(session_id=self.ben_session.pk, client_id="b1", text="hello there")

    def test_each_session_in_progress_shows_its_state_and_flags(self):
        page = self.client.get("/dashboard/studies/pilot/live/").text
        ana = page.split(f'data-session="{self.ana_session.pk}"')[1].split("</tr>")[0]
        assert self.ana.code in ana and "1 of 1" in ana and "1 (min 2)" in ana
        assert "system:</span> Mira suggested a change" in ana  # the last message, a note
        assert '<td class="agent-waiting">waiting</td>' in ana
        assert "<td>1</td>" in ana  # the agent's open proposal
        assert ">pasted<" in ana and ">tab<" in ana
        ben = page.split(f'data-session="{self.ben_session.pk}"')[1].split("</tr>")[0]
        assert "participant:</span> hello there" in ben and "agent-replying" in ben
        assert 'Sessions in progress (<span id="overview-count">2</span>)' in page

    def test_the_rows_endpoint_gives_only_sessions_still_in_progress(self):
        ChatSession.objects.filter(pk=self.ana_session.pk).update(status="finished")
        ids = f"{self.ana_session.pk},{self.ben_session.pk},99999"
        rows = self.client.get("/dashboard/studies/pilot/live/rows/", {"ids": ids}).text
        assert f'data-session="{self.ben_session.pk}"' in rows
        assert f'data-session="{self.ana_session.pk}"' not in rows

    def test_the_rows_endpoint_refuses_what_is_not_a_session_id(self):
        for bad in ["x", "1" * 26, "9" * 5000, "-1", "²", f"{self.ben_session.pk},1e3"]:
            response = self.client.get("/dashboard/studies/pilot/live/rows/", {"ids": bad})
            assert response.status_code == 400, bad
            assert b"session numbers separated by commas" in response.content

    def test_pausing_from_the_overview_comes_back_to_it(self):
        response = self.client.post(
            f"/dashboard/studies/pilot/sessions/{self.ben_session.pk}/pause/",
            {"paused": "1", "back": "overview"},
        )
        assert response["Location"] == "/dashboard/studies/pilot/live/"
        page = self.client.get("/dashboard/studies/pilot/live/").text
        ben = page.split(f'data-session="{self.ben_session.pk}"')[1].split("</tr>")[0]
        assert "agent-paused" in ben and "Resume the agent of" in ben
        noted = self.client.post(
            f"/dashboard/studies/pilot/sessions/{self.ben_session.pk}/note/",
            {"text": "Please carry on", "back": "overview"},
        )
        assert noted["Location"] == "/dashboard/studies/pilot/live/"
        assert Message.objects.filter(session=self.ben_session, sender="system").exists()

    def test_the_page_costs_the_same_queries_for_2_and_200_sessions(self):
        with CaptureQueriesContext(connection) as few:
            self.client.get("/dashboard/studies/pilot/live/")
        now = timezone.now()
        people = Participant.objects.bulk_create(
            Participant(study=self.pilot, condition=self.editable, consented_at=now)
            for _ in range(198)
        )
        sessions = ChatSession.objects.bulk_create(
            ChatSession(participant=p, number=1, last_turn=1) for p in people
        )
        Message.objects.bulk_create(
            Message(session=s, turn=1, sender="agent", text="Hi") for s in sessions
        )
        AgentTurn.objects.bulk_create(
            AgentTurn(prompted=m, status="running")
            for m in Message.objects.filter(session__in=sessions)
        )
        with CaptureQueriesContext(connection) as many:
            page = self.client.get("/dashboard/studies/pilot/live/").text
        assert len(many) == len(few)
        assert 'id="overview-count">200<' in page
