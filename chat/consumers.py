"""The chat WebSocket: authenticate, validate frames, await a service, ack, forward events.

Frame schema: docs/protocol.md. No ORM calls here: every read and write is a service or
selector run through ``database_sync_to_async``. No frame a client sends can crash the
socket: a refused frame gets an error frame and changes nothing, and an unexpected failure
is logged and answered with ``server_error`` on a socket that stays open.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cached_property

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from studies.session_keys import participant_ids

from . import events, layer, limits, presence, protocol, selectors, services, telemetry
from .errors import ChatError, SlowDown
from .events import CLOSED, REFUSED

log = logging.getLogger(__name__)
CLOSED_MESSAGE = "You have withdrawn from this study, so this chat is closed."
TOO_MANY_FRAMES = "Too many requests at once. Please send it again in %(wait)s."


class Flooded(Exception):
    """The socket sent frames far faster than any page does: it is closed (``FLOODED``)."""


class DirectEvents(AsyncWebsocketConsumer):
    """Group events (``chat.message``, ``agent.delta``, ...) go straight to their handler.

    Channels' own ``dispatch`` first runs ``close_old_connections`` through the process's one
    sync thread for every event; a streamed reply's deltas then queue behind every page's ORM
    work (measured: a third to a half of Daphne's CPU while streaming). Group handlers never
    touch the ORM themselves (every read goes through ``database_sync_to_async``, which
    closes stale connections on its own thread), so only the socket's own events
    (``websocket.*``: connect, frames, disconnect) keep the hop.

    A turn running in this process hands its notifications to the sockets here directly
    (``layer.agroup_send_near``); the copy it also sends through the layer, while another
    process has a socket in the group, is skipped here; a socket joining a group says so to
    the group, so such a turn starts sending through the layer too at once."""

    async def group_join(self, group: str) -> None:
        layer.sockets_here(asyncio.get_running_loop())
        await self.channel_layer.group_add(group, self.channel_name)
        await layer.announce_join(self.channel_layer, group)

    async def dispatch(self, message: dict) -> None:
        if layer.from_here(message):  # this process's turn handed it over already
            return
        if message["type"] == layer.JOINED:
            layer.joined(message)
            return
        if not message["type"].startswith("websocket."):
            handler = getattr(self, get_handler_name(message), None)
            if handler is not None:
                await handler(message)
                return
        await super().dispatch(message)


class SessionEvents(DirectEvents):
    """What every view of a session shares: joining its group, reading frames (each type to
    its handler in ``HANDLERS``; a refused one gets an error frame, nothing ever crashes the
    socket), answering ``sync``, forwarding group events, and sending within the budget."""

    group: str | None = None

    async def join(self, session_id: int) -> None:
        self.group = events.group_name(session_id)
        await self.group_join(self.group)
        await self.accept()

    async def refuse(self, code: int) -> None:
        # Accept, then close: a browser only sees the close code of an accepted socket (a
        # refused handshake reaches it as 1006, and the page would retry forever).
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def chat_message(self, event: dict) -> None:
        await self.send_frame(events.message_frame(event["message"], event.get("status")))

    async def agent_state(self, event: dict) -> None:
        await self.send_frame(events.agent_frame(event["agent"]))

    async def agent_delta(self, event: dict) -> None:
        await self.send_frame(events.delta_frame(event))

    async def identity_changed(self, event: dict) -> None:
        await self.send_frame(events.identity_frame(event["revision"]))

    async def session_closed(self, event: dict) -> None:
        await self.send_frame(events.closed_frame(event["reason"], event["message"]))
        await self.close(code=CLOSED)

    async def wizard_request(self, event: dict) -> None:
        pass  # for researchers' views only (``watch``): a participant never learns of a wizard

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        frame: dict = {}
        try:
            try:
                frame = protocol.parse(text_data, settings.DYAD_MAX_FRAME_BYTES)
            finally:  # broken frames count towards the socket's limits too
                await self.within_limits(frame.get("type"))
            handler = self.HANDLERS.get(frame["type"])
            if handler is None:
                raise ChatError("unknown_type", "Unknown frame type.")
            await handler(self, frame)
            self.slowed.discard(frame["type"])
        except Flooded:
            await self.limit_hit_once("flood", "frames")
            await self.close(code=limits.FLOODED)
        except SlowDown as error:
            await self.limit_hit_once(frame.get("type"), error.limit)
            client_id = protocol.client_id_of(frame)
            await self.send_frame(
                events.error_frame(error.code, error.message, client_id, error.retry_after)
            )
        except ChatError as error:
            client_id = protocol.client_id_of(frame)
            await self.send_frame(events.error_frame(error.code, error.message, client_id))
            if error.code == "closed":
                await self.close(code=CLOSED)
        except Exception:
            log.exception("A frame failed in session %s", self.chat.pk)
            message = "Something went wrong on our side. Please try again."
            await self.send_frame(
                events.error_frame("server_error", message, protocol.client_id_of(frame))
            )

    async def on_sync(self, frame: dict) -> None:
        after = protocol.turn_number(frame.get("after", 0), "after")
        page = await database_sync_to_async(selectors.history)(self.chat.pk, after)
        if page is None:
            raise ChatError("closed", CLOSED_MESSAGE)
        await self.send_frame(page)
        if not page["more"]:
            state = await database_sync_to_async(selectors.agent_state_of)(self.chat.pk)
            await self.send_frame(events.agent_frame(state))

    HANDLERS: dict = {events.SYNC: on_sync}

    @cached_property
    def frame_limits(self) -> limits.FrameLimits:
        return limits.FrameLimits()

    @cached_property
    def slowed(self) -> set:
        """Frame types refused for going too fast since one of them was last let through."""
        return set()

    async def within_limits(self, frame_type: str | None) -> None:
        """Raise SlowDown past this socket's rate for the frame type, Flooded past its rate
        for all frames: in memory, no database work."""
        verdict = self.frame_limits.check(frame_type)
        if verdict.flooded:
            raise Flooded
        if verdict.wait:
            seconds = limits.retry_after(verdict.wait)
            wait = limits.seconds_text(seconds)
            raise SlowDown("frames", seconds, TOO_MANY_FRAMES % {"wait": wait})

    async def limit_hit_once(self, frame_type: str | None, limit: str) -> None:
        """Count a refusal for going too fast once per run: the first since a frame of the
        same type was last let through (a flood of refusals costs one UPDATE, not one each)."""
        if frame_type not in self.slowed:
            self.slowed.add(frame_type)
            try:
                await self.limit_hit(limit)
            except Exception:  # a count lost, never the socket (the refusal still goes out)
                log.exception("Could not count a %s limit hit in session %s", limit, self.group)

    async def limit_hit(self, limit: str) -> None:
        """A limit refused a frame; participants' sockets count it (researchers' do not)."""

    async def send_frame(self, frame: dict) -> None:
        text = events.encode(frame)
        if len(text.encode("utf-8")) > events.FRAME_BUDGET:  # never, by construction
            log.error("Refusing to send a %s frame over the budget", frame.get("type"))
            frame = events.error_frame("server_error", "An update was too large to send.")
            text = events.encode(frame)
        await self.send(text_data=text)


class NoSuchSocket(AsyncWebsocketConsumer):
    """Every address no socket lives at (the routers' last route): accepted and closed with
    4404, where Channels' router would raise and Daphne answer the handshake with a 500."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=events.NO_SUCH_SOCKET)


class ChatConsumer(SessionEvents):
    async def connect(self) -> None:
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        owners = await database_sync_to_async(participant_ids)(self.scope["session"])
        self.chat = await database_sync_to_async(selectors.session_for_participants)(
            session_id, owners
        )
        if self.chat is None or self.chat.participant.withdrawn_at:
            withdrawn = await database_sync_to_async(selectors.any_withdrawn)(owners)
            await self.refuse(CLOSED if withdrawn else REFUSED)
            return
        self.panel_hidden = self.chat.participant.condition.panel_visibility == "hidden"
        self.record_typing = self.chat.participant.study.record_typing
        await self.join(self.chat.pk)
        await sync_to_async(presence.joined)(self.chat.pk)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await super().disconnect(code)
            await sync_to_async(presence.left)(self.chat.pk)

    async def on_message(self, frame: dict) -> None:
        typed = telemetry.message_typing(frame.get("typing")) if self.record_typing else None
        result = await database_sync_to_async(services.message_post)(
            session_id=self.chat.pk,
            client_id=frame.get("client_id"),
            text=frame.get("text"),
            typing=typed,
        )
        await self.send_frame(
            events.ack_frame(result.message, result.session, duplicate=not result.created)
        )

    async def on_activity(self, frame: dict) -> None:
        if not self.record_typing:
            raise ChatError("not_recorded", "This study does not record activity.")
        client_id = protocol.client_id_of(frame)
        if client_id is None:
            raise ChatError("bad_client_id", "client_id must be 1-64 letters, digits, - or _.")
        await database_sync_to_async(services.session_event_record)(
            session_id=self.chat.pk,
            client_id=client_id,
            kind=frame.get("kind"),
            duration_ms=frame.get("ms"),
        )
        await self.send_frame(events.noted_frame(client_id))

    async def limit_hit(self, limit: str) -> None:
        await database_sync_to_async(services.limit_hit_record)(
            participant_id=self.chat.participant_id, limit=limit
        )

    async def on_retry(self, frame: dict) -> None:
        await database_sync_to_async(services.turn_retry)(session_id=self.chat.pk)

    HANDLERS = {
        events.SYNC: SessionEvents.on_sync,
        events.SEND: on_message,
        events.RETRY: on_retry,
        events.ACTIVITY: on_activity,
    }

    async def identity_changed(self, event: dict) -> None:
        if not self.panel_hidden:
            await super().identity_changed(event)
