from __future__ import annotations

from django.contrib.auth import get_user_model

from chat.services import message_post, session_open
from tests.base import DyadTestCase


class AdminTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.answer_pmq(self.ana, raw="6")
        self.session = session_open(participant=self.ana, number=1)
        message_post(session_id=self.session.pk, client_id="a1", text="Admin can read me")
        self.admin = get_user_model().objects.create_superuser("root", "", "root-pass-123")
        self.client.force_login(self.admin)

    def test_researchers_see_participants_sessions_messages_and_pmq_in_admin(self):
        page = self.client.get("/admin/studies/participant/").content.decode()
        assert self.ana.code in page and self.ben.code in page
        page = self.client.get(f"/admin/chat/chatsession/{self.session.pk}/change/").content
        assert b"Admin can read me" in page
        page = self.client.get("/admin/chat/message/").content
        assert b"Admin can read me" in page
        page = self.client.get("/admin/questionnaires/administration/").content.decode()
        assert self.ana.code in page and "CCD" in page

    def test_participants_cannot_reach_the_admin(self):
        client = self.browser_of(self.ana)
        response = client.get("/admin/studies/participant/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


class AgentTurnAdminTests(AdminTests):
    def test_researchers_see_why_an_agent_turn_failed(self):
        from chat.models import AgentTurn

        turn = AgentTurn.objects.get()
        turn.status = "failed"
        turn.errors = [{"attempt": 1, "error": "HTTP 401: invalid api key", "permanent": True}]
        turn.save()
        page = self.client.get("/admin/chat/agentturn/").content.decode()
        assert "HTTP 401: invalid api key" in page and "failed" in page
