"""Withdrawal: from any page of the journey, or by a researcher on request."""

from __future__ import annotations

from unittest import mock

from asgiref.sync import sync_to_async
from django.test import Client

from chat.models import ChatSession, Identity, Message, Revision
from chat.selectors import history
from chat.services import (
    ChatError,
    agent_pause,
    agent_turn_run,
    identity_edit,
    message_post,
    participant_withdraw,
    session_open,
)
from questionnaires.models import Administration, Response
from studies.models import Participant, Study
from tests.base import DyadTestCase
from tests.chat.sockets import ConsumerTestCase


class WithdrawalTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.answer_pmq(self.ana, raw="3")
        self.session = session_open(participant=self.ana, number=1)
        identity_edit(session_id=self.session.pk, target="persona.name", value="Nova")
        posted = message_post(session_id=self.session.pk, client_id="w1", text="Call me Al")
        agent_turn_run(message_id=posted.message.pk)
        self.client = self.browser_of(self.ana)

    def data_of(self, participant) -> list[int]:
        return [
            ChatSession.objects.filter(participant=participant).count(),
            Message.objects.filter(session__participant=participant).count(),
            Identity.objects.filter(participant=participant).count(),
            Revision.objects.filter(identity__participant=participant).count(),
            Administration.objects.filter(participant=participant).count(),
            Response.objects.filter(administration__participant=participant).count(),
        ]

    def test_a_participant_withdraws_from_the_chat_and_their_data_is_deleted(self):
        page = self.client.get("/s/pilot/session/1/chat/").content.decode()
        assert 'href="/s/pilot/withdraw/"' in page
        assert b"everything you have written" in self.client.get("/s/pilot/withdraw/").content
        response = self.client.post("/s/pilot/withdraw/", follow=True)
        assert response.redirect_chain[-1][0] == "/s/pilot/withdrawn/"
        self.ana.refresh_from_db()
        receipt = self.ana.withdrawal_receipt
        assert receipt.startswith("W-") and receipt.encode() in response.content
        assert self.data_of(self.ana) == [0, 0, 0, 0, 0, 0]
        assert self.ana.withdrawn_at and self.ana.external_id is None
        assert Participant.objects.filter(pk=self.ben.pk).exists()
        # Every later visit shows the receipt, never the study again.
        for url in ("/s/pilot/", "/s/pilot/session/1/chat/", "/s/pilot/withdraw/"):
            assert self.client.get(url, follow=True).redirect_chain[-1][0] == "/s/pilot/withdrawn/"
        rita = Client()
        rita.force_login(self.rita)
        funnel = rita.get("/dashboard/studies/pilot/").content.decode()
        assert "withdrawn: <strong>1</strong>" in funnel

    def test_withdrawing_twice_changes_nothing(self):
        self.client.post("/s/pilot/withdraw/")
        self.ana.refresh_from_db()
        first = (self.ana.withdrawal_receipt, self.ana.withdrawn_at)
        self.client.post("/s/pilot/withdraw/")
        self.ana.refresh_from_db()
        assert (self.ana.withdrawal_receipt, self.ana.withdrawn_at) == first

    def test_an_exclude_study_keeps_the_data_but_out_of_results(self):
        self.pilot.withdrawal = "exclude"
        self.pilot.save()
        before = self.data_of(self.ana)
        self.client.post("/s/pilot/withdraw/")
        assert self.data_of(self.ana) == before and before[1] > 0
        rita = Client()
        rita.force_login(self.rita)
        results = rita.get("/dashboard/studies/pilot/pmq/").content.decode()
        assert "No questionnaires have been submitted yet." in results
        study_page = rita.get("/dashboard/studies/pilot/").content.decode()
        assert self.ana.code not in study_page  # neither live nor among finished sessions

    def test_a_researcher_withdraws_a_participant_on_request(self):
        rita = Client()
        rita.force_login(self.rita)
        response = rita.post("/dashboard/studies/pilot/withdraw/", {"code": self.ana.code.lower()})
        assert response.status_code == 200
        self.ana.refresh_from_db()
        assert self.ana.withdrawal_receipt.encode() in response.content
        assert self.data_of(self.ana) == [0, 0, 0, 0, 0, 0]
        response = rita.post("/dashboard/studies/pilot/withdraw/", {"code": "P-NOSUCH1"})
        assert response.status_code == 400 and b"No participant with the code" in response.content
        assert Participant.objects.filter(withdrawn_at__isnull=False).count() == 1


class WithdrawalClosesTheChatTests(ConsumerTestCase):
    """In both modes: withdrawal ends every session, closes open sockets, refuses the rest."""

    def setUp(self):
        super().setUp()
        agent_pause(session_id=self.session.pk, paused=True)  # no replies to wait for

    async def withdraw_while_chatting(self, mode: str) -> None:
        await Study.objects.filter(pk=self.pilot.pk).aupdate(withdrawal=mode)
        ws, _, _ = await self.connect()
        await ws.send_json_to({"type": "message", "client_id": "w1", "text": "before"})
        await self.receive_until(ws, lambda f: f["type"] == "ack")
        stored = await Message.objects.acount()
        await sync_to_async(participant_withdraw)(participant_id=self.ana.pk)
        closed = await self.receive_until(ws, lambda f: f["type"] == "closed")
        assert closed["reason"] == "withdrawn"
        assert (await ws.receive_output(timeout=5))["code"] == 4410
        # A new socket is closed at once; the services refuse whatever it might have sent.
        again, _, _ = await self.connect()
        assert await self.close_code(again) == 4410
        with self.assertRaises(ChatError) as refused:
            await sync_to_async(message_post)(
                session_id=self.session.pk, client_id="w2", text="after"
            )
        assert refused.exception.code == "closed"
        assert await sync_to_async(history)(self.session.pk, 0) is None
        kept = await Message.objects.acount()
        assert kept == (stored if mode == "exclude" else 0)

    async def test_exclude_mode_ends_the_sessions_and_refuses_everything_after(self):
        await self.withdraw_while_chatting("exclude")
        session = await ChatSession.objects.aget(pk=self.session.pk)
        assert session.status == "withdrawn" and session.ended_at is not None

    async def test_delete_mode_closes_the_socket_too(self):
        await self.withdraw_while_chatting("delete")
        assert not await ChatSession.objects.filter(pk=self.session.pk).aexists()

    def test_a_reply_in_flight_when_they_withdraw_is_not_stored(self):
        Study.objects.filter(pk=self.pilot.pk).update(withdrawal="exclude")
        agent_pause(session_id=self.session.pk, paused=False)
        with mock.patch("chat.services.messages.agent_turn_start"):
            prompted = message_post(session_id=self.session.pk, client_id="x", text="hi").message
        participant_withdraw(participant_id=self.ana.pk)
        assert agent_turn_run(message_id=prompted.pk) is None
        assert not Message.objects.filter(reply_to=prompted).exists()


class StudyFormWithdrawalTests(DyadTestCase):
    def test_the_withdrawal_mode_is_chosen_in_the_study_form(self):
        rita = Client()
        rita.force_login(self.rita)
        page = rita.get("/dashboard/studies/pilot/edit/").content.decode()
        assert 'name="withdrawal"' in page and "keep their data out of every export" in page
