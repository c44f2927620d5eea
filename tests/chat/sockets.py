"""Helpers for tests of the WebSockets: a participant's or a researcher's socket on the
cast's session, and waiting for the frame a test expects."""

from __future__ import annotations

import asyncio

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from chat.models import Message
from chat.services import session_open
from config.asgi import application
from tests.base import DyadTransactionTestCase
from tests.workers import wait_for_agent_turns

ORIGIN = (b"origin", b"http://testserver")


class ConsumerTestCase(DyadTransactionTestCase):
    def setUp(self):
        super().setUp()
        self.session = session_open(participant=self.ana, number=1)

    def tearDown(self):
        wait_for_agent_turns()
        super().tearDown()

    async def connect(self, participant=None, session=None, origin=ORIGIN):
        participant = participant or self.ana
        session = session or self.session
        cookie = await sync_to_async(self.cookie_of)(participant)
        headers = [origin, (b"cookie", cookie)] if origin else [(b"cookie", cookie)]
        communicator = WebsocketCommunicator(
            application, f"/ws/chat/{session.pk}/", headers=headers
        )
        connected, code = await communicator.connect()
        return communicator, connected, code

    async def close_code(self, communicator) -> int:
        """The code a socket is closed with right after connecting (it is accepted first, so
        a browser sees the code)."""
        output = await communicator.receive_output(timeout=5)
        assert output["type"] == "websocket.close", output
        return output["code"]

    async def receive_until(self, communicator, predicate, timeout=15):
        """Frames until one matches (returns it); fails if none comes in time."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await communicator.receive_json_from(timeout=timeout)
                if predicate(frame):
                    return frame

    async def count(self, **filters) -> int:
        return await Message.objects.filter(session=self.session, **filters).acount()

    async def watch(self, user, path: str = ""):
        """A researcher's socket as ``user`` (None: not signed in): the live view of the
        session, or the one at ``path``."""
        headers = [ORIGIN]
        if user is not None:
            client = Client()
            await sync_to_async(client.force_login)(user)
            name = settings.SESSION_COOKIE_NAME
            cookie = f"{name}={client.cookies[name].value}"
            headers.append((b"cookie", cookie.encode()))
        path = path or f"/ws/watch/{self.session.pk}/"
        ws = WebsocketCommunicator(application, path, headers=headers)
        connected, code = await ws.connect()
        return ws, connected, code
