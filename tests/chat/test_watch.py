"""The researcher's live view of a session: who may watch, what it receives, and catching up
after a reconnect."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from chat.services import identity_edit, message_post
from config.asgi import application
from tests.chat.sockets import ORIGIN, ConsumerTestCase


class WatchTests(ConsumerTestCase):
    async def test_the_owner_watches_the_session_live(self):
        watcher, connected, _ = await self.watch(self.rita)
        assert connected
        ws, _, _ = await self.connect()
        await ws.send_json_to({"type": "message", "client_id": "w1", "text": "Who are you?"})
        seen = await self.receive_until(
            watcher, lambda f: f["type"] == "message" and f["message"]["sender"] == "agent"
        )
        assert seen["message"]["text"].startswith("I'm Mira")
        revision = await sync_to_async(identity_edit)(
            session_id=self.session.pk, target="persona.name", value="Nova"
        )
        notice = await self.receive_until(watcher, lambda f: f["type"] == "identity")
        assert notice["revision"] == revision.pk
        client = Client()
        await sync_to_async(client.force_login)(self.rita)
        url = f"/dashboard/studies/pilot/sessions/{self.session.pk}/live/identity/"
        shown = (await sync_to_async(client.get)(url)).content.decode()
        assert "Nova" in shown and "(version 2)" in shown
        await ws.disconnect()
        await watcher.disconnect()

    async def test_other_researchers_participants_and_strangers_cannot_watch(self):
        for user in (self.omar, None):
            ws, _, _ = await self.watch(user)
            assert await self.close_code(ws) == 4403
        cookie = await sync_to_async(self.cookie_of)(self.ana)
        ws = WebsocketCommunicator(
            application, f"/ws/watch/{self.session.pk}/", headers=[ORIGIN, (b"cookie", cookie)]
        )
        await ws.connect()
        assert await self.close_code(ws) == 4403

    async def test_after_a_reconnect_the_live_view_asks_for_what_it_missed(self):
        watcher, _, _ = await self.watch(self.rita)
        await watcher.disconnect()
        await sync_to_async(message_post)(
            session_id=self.session.pk, client_id="missed", text="said while away"
        )
        again, _, _ = await self.watch(self.rita)
        await again.send_json_to({"type": "sync", "after": 1})
        history = await self.receive_until(again, lambda f: f["type"] == "history")
        assert "said while away" in [m["text"] for m in history["messages"]]
        await again.send_json_to({"type": "message", "client_id": "x", "text": "hi"})
        refused = await self.receive_until(again, lambda f: f["type"] == "error")
        assert refused["code"] == "unknown_type"  # read-only: it cannot write
        await again.disconnect()
