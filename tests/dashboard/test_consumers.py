"""The live overview's socket (dashboard/consumers.py): which rows to fetch again."""

from __future__ import annotations

import asyncio
from unittest import mock

from asgiref.sync import sync_to_async

from chat.models import ChatSession
from chat.services import session_open
from tests.chat.sockets import ConsumerTestCase


class OverviewSocketTests(ConsumerTestCase):
    async def overview(self, user):
        ws, _, _ = await self.watch(user, "/ws/watch-study/pilot/")
        return ws

    async def test_sessions_that_start_after_an_empty_overview_opened_are_noticed(self):
        await sync_to_async(ChatSession.objects.all().delete)()
        with mock.patch("dashboard.consumers.FOLLOW_SECONDS", 0.2):
            watcher = await self.overview(self.rita)
            await asyncio.sleep(0.5)  # followed once with nothing in progress
            ben = await sync_to_async(session_open)(participant=self.ben, number=1)
            new = await self.receive_until(watcher, lambda f: f["type"] == "changed")
            assert new["sessions"] == [ben.pk]
            await watcher.disconnect()

    async def test_one_socket_says_which_sessions_changed_and_notices_new_ones(self):
        with mock.patch("dashboard.consumers.FOLLOW_SECONDS", 0.2):
            watcher = await self.overview(self.rita)
            ws, _, _ = await self.connect()
            await ws.send_json_to({"type": "message", "client_id": "o1", "text": "hello"})
            changed = await self.receive_until(watcher, lambda f: f["type"] == "changed")
            assert changed["sessions"] == [self.session.pk]
            ben = await sync_to_async(session_open)(participant=self.ben, number=1)
            new = await self.receive_until(
                watcher, lambda f: f["type"] == "changed" and ben.pk in f["sessions"]
            )
            assert new["sessions"] == [ben.pk]
            await ws.disconnect()
            await watcher.disconnect()

    async def test_other_researchers_and_strangers_are_refused(self):
        for user in (self.omar, None):
            ws = await self.overview(user)
            assert await self.close_code(ws) == 4403
