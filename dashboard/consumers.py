"""The study's live overview over one socket: it follows every session in progress (the
groups their pages already get events on) and tells the page, at most once a second, which
sessions changed; the page fetches those rows over HTTP. New sessions are picked up every
few seconds. Only researchers who can see the study may join."""

from __future__ import annotations

import asyncio
import contextlib

from channels.db import database_sync_to_async

from chat import events
from chat.consumers import DirectEvents
from studies.models import Study

from .overview import session_ids

FLUSH_SECONDS = 1.0
FOLLOW_SECONDS = 3.0
MAX_IDS = 2000  # per frame: well under the frame budget


def _study_for(user, slug: str) -> int | None:
    if not user.is_authenticated:
        return None
    return Study.objects.visible_to(user).filter(slug=slug).values_list("pk", flat=True).first()


class StudyWatchConsumer(DirectEvents):
    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.study_id = await database_sync_to_async(_study_for)(self.scope["user"], slug)
        self.groups_joined: set[int] = set()
        self.dirty: set[int] = set()
        self.followed = False
        self.tasks: list[asyncio.Task] = []
        await self.accept()
        if self.study_id is None:
            await self.close(code=events.REFUSED)
            return
        await self.follow()
        self.tasks = [asyncio.create_task(self._flushing()), asyncio.create_task(self._following())]

    async def disconnect(self, code) -> None:
        for task in self.tasks:
            task.cancel()
        for session_id in self.groups_joined:
            await self.channel_layer.group_discard(events.group_name(session_id), self.channel_name)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        pass  # the page only listens; it refetches everything itself after a reconnect

    async def follow(self) -> None:
        """Join the groups of sessions that started since; a session that started counts as
        changed (the page adds its row)."""
        current = set(await database_sync_to_async(session_ids)(self.study_id))
        for session_id in current - self.groups_joined:
            await self.group_join(events.group_name(session_id))
            self.dirty.add(session_id)
        for session_id in self.groups_joined - current:  # ended: the page drops its row
            await self.channel_layer.group_discard(events.group_name(session_id), self.channel_name)
            self.dirty.add(session_id)
        self.groups_joined = current
        if not self.followed:
            self.followed = True
            self.dirty.clear()  # the page was rendered with these (it fetches all on open)

    async def _following(self) -> None:
        while True:
            await asyncio.sleep(FOLLOW_SECONDS)
            with contextlib.suppress(Exception):  # a database hiccup: try again next time
                await self.follow()

    async def _flushing(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            if self.dirty:
                changed, self.dirty = sorted(self.dirty), set()
                for start in range(0, len(changed), MAX_IDS):
                    frame = {"type": "changed", "sessions": changed[start : start + MAX_IDS]}
                    await self.send(text_data=events.encode(frame))

    def _mark(self, event: dict) -> None:
        if "session" in event:
            self.dirty.add(event["session"])

    async def chat_message(self, event: dict) -> None:
        self._mark(event)

    async def agent_state(self, event: dict) -> None:
        self._mark(event)

    async def identity_changed(self, event: dict) -> None:
        self._mark(event)

    async def session_closed(self, event: dict) -> None:
        self._mark(event)

    async def wizard_request(self, event: dict) -> None:
        self._mark(event)

    async def agent_delta(self, event: dict) -> None:
        pass  # streamed text: the row shows the reply once it is whole
