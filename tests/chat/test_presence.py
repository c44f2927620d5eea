"""Whether a participant has the chat page open, as the study page shows it."""

from __future__ import annotations

from asgiref.sync import sync_to_async

from tests.chat.sockets import ConsumerTestCase


class PresenceTests(ConsumerTestCase):
    async def test_a_session_is_online_while_a_page_has_it_open(self):
        from chat import presence

        assert await sync_to_async(presence.online)([self.session.pk]) == set()
        first, _, _ = await self.connect()
        second, _, _ = await self.connect()
        await first.disconnect()
        assert await sync_to_async(presence.online)([self.session.pk]) == {self.session.pk}
        await second.disconnect()
        assert await sync_to_async(presence.online)([self.session.pk]) == set()
