from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import ChatSession, Message
from chat.services import (
    ChatError,
    agent_turn_run,
    identity_edit,
    message_post,
    session_finish,
    session_open,
)
from questionnaires.services import administration_open, administration_submit
from tests.base import DyadTestCase


class ChatPageTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.answer_pmq(self.ana, raw="4")
        self.client = self.browser_of(self.ana)

    def test_the_chat_page_opens_with_the_agent_greeting_in_character(self):
        page = self.client.get("/s/pilot/session/1/chat/").content.decode()
        assert "Hi, I&#x27;m Mira, a travel companion." in page
        assert "Who the agent is" in page
        assert 'role="log"' in page
        assert "/ws/chat/" in page

    def test_a_hidden_panel_is_not_shown(self):
        pre = administration_open(participant=self.ben, session_number=1, timepoint="pre")
        administration_submit(
            administration_id=pre.pk, submitted={c: ["4"] for c in pre.item_order}
        )
        page = self.browser_of(self.ben).get("/s/pilot/session/1/chat/").content.decode()
        assert "Who the agent is" not in page
        assert "Good day. My name is Quill" in page

    def test_finish_is_refused_before_the_minimum_turns_and_allowed_after(self):
        self.client.get("/s/pilot/session/1/chat/")
        session = ChatSession.objects.get(participant=self.ana)
        response = self.client.post("/s/pilot/session/1/finish/")
        assert response.status_code == 400
        assert b"at least 2 messages" in response.content
        session.refresh_from_db()
        assert session.status == "active"
        for n in range(2):
            posted = message_post(session_id=session.pk, client_id=f"c{n}", text="hello")
            agent_turn_run(message_id=posted.message.pk)
        response = self.client.post("/s/pilot/session/1/finish/", follow=True)
        assert response.redirect_chain[-1][0] == "/s/pilot/session/1/pmq/post/"
        session.refresh_from_db()
        assert session.status == "finished" and session.ended_at is not None

    def test_the_time_limit_ends_the_chat_and_allows_finishing(self):
        self.pilot.time_limit_minutes = 5
        self.pilot.save()
        session = session_open(participant=self.ana, number=1)
        ChatSession.objects.filter(pk=session.pk).update(
            started_at=session.started_at - timedelta(minutes=6)
        )
        with self.assertRaisesMessage(ChatError, "This chat has ended"):
            message_post(session_id=session.pk, client_id="late", text="still there?")
        assert session_finish(session_id=session.pk).status == "finished"


class ChatPageCostTests(DyadTestCase):
    """Every arrival and every reload loads the chat page: its queries are counted."""

    def setUp(self):
        super().setUp()
        self.answer_pmq(self.ana, raw="4")
        self.client = self.browser_of(self.ana)
        self.client.get("/s/pilot/session/1/chat/")  # the session begins
        self.session = self.ana.chat_sessions.get()

    def queries_of_a_reload(self) -> int:
        with CaptureQueriesContext(connection) as queries:
            page = self.client.get("/s/pilot/session/1/chat/")
        assert page.status_code == 200
        return len(queries)

    def test_a_reload_costs_six_queries_however_long_the_chat_and_the_ledger(self):
        # The browser's session, the participant with study and condition, the PMQs done,
        # the sessions begun, the identity, the transcript.
        assert self.queries_of_a_reload() == 6
        for n in range(20):
            identity_edit(session_id=self.session.pk, target="partner.name", value=f"Al {n}")
        Message.objects.bulk_create(
            Message(session=self.session, turn=100 + n, sender="participant", text=f"m{n}")
            for n in range(40)
        )
        self.client.get("/s/pilot/session/1/chat/")  # the panel of the new version, once
        assert self.queries_of_a_reload() == 6

    def test_a_new_identity_version_costs_one_query_more_once(self):
        self.queries_of_a_reload()
        posted = message_post(session_id=self.session.pk, client_id="p", text="Call yourself Nova")
        agent_turn_run(message_id=posted.message.pk)  # a proposal waits in the panel
        assert self.queries_of_a_reload() == 7  # the open proposals, for the panel
        assert self.queries_of_a_reload() == 6
