"""The chat WebSocket: authenticate, validate frames, await a service, ack, forward events.

Frame schema: docs/protocol.md. No ORM calls here: every read and write is a service or
selector run through ``database_sync_to_async``.
"""

from __future__ import annotations

import json

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from studies.session_keys import participant_ids

from . import events, presence, selectors, services
from .panel import panel_html

REFUSED = 4403  # close code: this socket may not join that session


class ClientError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        owners = await database_sync_to_async(participant_ids)(self.scope["session"])
        self.chat = await database_sync_to_async(selectors.session_for_participants)(
            session_id, owners
        )
        if self.chat is None:
            await self.close(code=REFUSED)
            return
        self.group = events.group_name(self.chat.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await sync_to_async(presence.joined)(self.chat.pk)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await sync_to_async(presence.left)(self.chat.pk)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        frame: dict = {}
        try:
            frame = self.parse(text_data, bytes_data)
            if frame["type"] == events.SYNC:
                await self.on_sync(frame)
            elif frame["type"] == events.SEND:
                await self.on_message(frame)
            elif frame["type"] == events.RETRY:
                await database_sync_to_async(services.turn_retry)(session_id=self.chat.pk)
            else:
                raise ClientError("unknown_type", f"Unknown frame type {frame['type']!r}.")
        except (ClientError, services.ChatError) as error:
            client_id = frame.get("client_id")
            client_id = client_id if isinstance(client_id, str) else None
            await self.send_json(events.error_frame(error.code, error.message, client_id))

    def parse(self, text_data: str | None, bytes_data: bytes | None) -> dict:
        if text_data is None:
            raise ClientError("bad_frame", "Frames must be JSON text.")
        if len(text_data.encode()) > settings.DYAD_MAX_FRAME_BYTES:
            raise ClientError("too_large", "That frame is too large.")
        try:
            frame = json.loads(text_data)
        except ValueError:
            raise ClientError("bad_frame", "Frames must be JSON objects.") from None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            raise ClientError("bad_frame", "Frames must be JSON objects with a 'type'.")
        return frame

    async def on_sync(self, frame: dict) -> None:
        after = frame.get("after", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ClientError("bad_frame", "'after' must be a whole number, 0 or more.")
        await self.send_json(await database_sync_to_async(selectors.history)(self.chat.pk, after))

    async def on_message(self, frame: dict) -> None:
        result = await database_sync_to_async(services.message_post)(
            session_id=self.chat.pk, client_id=frame.get("client_id"), text=frame.get("text")
        )
        await self.send_json(
            events.ack_frame(result.message, result.session, duplicate=not result.created)
        )

    async def chat_message(self, event: dict) -> None:
        await self.send_json(events.message_frame(event["message"]))

    async def agent_state(self, event: dict) -> None:
        await self.send_json(events.agent_frame(event["agent"]))

    async def agent_delta(self, event: dict) -> None:
        await self.send_json(events.delta_frame(event))

    async def identity_changed(self, event: dict) -> None:
        rendered = await database_sync_to_async(panel_html)(self.chat.pk)
        if rendered is not None:
            await self.send_json(events.identity_frame(*rendered))

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))
