"""A session's review and live view, and the controls a researcher uses while it runs."""

from __future__ import annotations

from unittest import mock

from chat.services import agent_turn_run, identity_edit, message_post
from tests.dashboard.views.base import DashboardTestCase, answer


class SessionReviewTests(DashboardTestCase):
    def test_the_review_interleaves_transcript_and_revisions_with_provenance_and_pmq(self):
        answer(self.ana, "pre", "2")
        identity_edit(session_id=self.session.pk, target="persona.name", value="Nova")
        posted = message_post(session_id=self.session.pk, client_id="r1", text="Call me Al")
        agent_turn_run(message_id=posted.message.pk)
        page = self.as_user(self.rita).get(self.urls[2]).content.decode()
        order = [
            page.index(s)
            for s in (
                "participant applied",
                "the agent&#x27;s name: Mira → Nova",
                "Call me Al",
                "agent proposed",
                "the name you go by: (none) → Al",
            )
        ]
        assert order == sorted(order)
        assert "<dt>backend</dt><dd>scripted</dd>" in page
        assert "Identity at version 2" in page and "&quot;Nova&quot;" in page
        old = self.as_user(self.rita).get(self.urls[2] + "?version=1").content.decode()
        assert "Identity at version 1" in old and "&quot;Mira&quot;" in old
        for odd in ("²", "٣", "9" * 5000, "-1"):  # "²" was once a 500
            response = self.as_user(self.rita).get(self.urls[2], {"version": odd})
            assert response.status_code == 200 and "Identity at version 2" in response.text


class LiveControlTests(DashboardTestCase):
    def test_a_note_reaches_the_participants_transcript(self):
        rita = self.as_user(self.rita)
        url = f"/dashboard/studies/pilot/sessions/{self.session.pk}/note/"
        assert rita.post(url, {"text": "Please take your time."}).status_code == 302
        note = self.session.messages.get(sender="system")
        assert note.text == "Note from the researchers: Please take your time."
        page = self.browser_of(self.ana).get("/s/pilot/session/1/chat/")
        assert page.status_code in (200, 302)
        response = rita.post(url, {"text": "   "})
        assert response.status_code == 400 and b"1 to 1000 characters" in response.content
        assert self.session.messages.filter(sender="system").count() == 1

    def test_a_paused_agent_keeps_messages_and_answers_the_latest_on_resume(self):
        rita = self.as_user(self.rita)
        url = f"/dashboard/studies/pilot/sessions/{self.session.pk}/pause/"
        rita.post(url, {"paused": "1"})
        first = message_post(session_id=self.session.pk, client_id="p1", text="anyone?").message
        second = message_post(session_id=self.session.pk, client_id="p2", text="hello?").message
        assert not hasattr(first, "agent_turn") and not hasattr(second, "agent_turn")
        live = rita.get(f"/dashboard/studies/pilot/sessions/{self.session.pk}/live/")
        assert b"The agent is paused." in live.content
        with (
            mock.patch("chat.services.messages.agent_turn_start") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            rita.post(url, {"paused": "0"})
        enqueue.assert_called_once_with(second.pk)
        assert agent_turn_run(message_id=second.pk).reply_to_id == second.pk
        assert not first.replies.exists()
