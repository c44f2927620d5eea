"""Group events reach the page without waiting on the process's database thread: a reply's
streamed text is not held up behind other pages' database work."""

from __future__ import annotations

import asyncio
import threading

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from chat import events
from tests.chat.sockets import ConsumerTestCase


class DirectEventsTests(ConsumerTestCase):
    async def test_streamed_text_reaches_the_page_while_the_database_thread_is_busy(self):
        page, connected, _ = await self.connect()
        assert connected
        busy, release = threading.Event(), threading.Event()

        def slow_page_work() -> None:  # what a burst of page loads does to the shared thread
            busy.set()
            release.wait(10)

        holding = asyncio.ensure_future(sync_to_async(slow_page_work, thread_sensitive=True)())
        await asyncio.to_thread(busy.wait, 5)
        delta = {"type": events.DELTA_EVENT, "reply_to": 2, "offset": 0, "text": "Hel"}
        await get_channel_layer().group_send(events.group_name(self.session.pk), delta)
        try:
            frame = await self.receive_until(page, lambda f: f["type"] == "delta", timeout=3)
        finally:
            release.set()
            await holding
        assert frame == {"type": "delta", "reply_to": 2, "offset": 0, "text": "Hel"}
        await page.disconnect()
