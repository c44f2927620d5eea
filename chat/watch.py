"""The researcher's live view of one session: the same group events the participant's page
gets, read-only. Only researchers who can see the study may join."""

from __future__ import annotations

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import events, selectors
from .consumers import REFUSED


class WatchConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.chat = await database_sync_to_async(selectors.session_for_researcher)(
            self.scope["user"], session_id
        )
        if self.chat is None:
            await self.close(code=REFUSED)
            return
        self.group = events.group_name(self.chat.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        pass  # read-only: controls are ordinary POSTs

    async def chat_message(self, event: dict) -> None:
        await self.send_json(events.message_frame(event["message"]))

    async def agent_state(self, event: dict) -> None:
        await self.send_json(events.agent_frame(event["agent"]))

    async def agent_delta(self, event: dict) -> None:
        await self.send_json(events.delta_frame(event))

    async def identity_changed(self, event: dict) -> None:
        identity = await database_sync_to_async(selectors.identity_now)(self.chat.pk)
        await self.send_json({"type": "identity_state", **identity})

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))
