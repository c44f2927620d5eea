"""The researcher's live view of one session: the same group events the participant's page
gets, and ``sync`` to catch up after a reconnect; nothing else (its controls are ordinary
POSTs). Only researchers who can see the study may join."""

from __future__ import annotations

from channels.db import database_sync_to_async

from . import events, selectors
from .consumers import SessionEvents


class WatchConsumer(SessionEvents):
    async def connect(self) -> None:
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.chat = await database_sync_to_async(selectors.session_for_researcher)(
            self.scope["user"], session_id
        )
        if self.chat is None:
            await self.refuse(events.REFUSED)
            return
        await self.join(self.chat.pk)

    async def wizard_request(self, event: dict) -> None:
        await self.send_frame(events.wizard_frame(event))
