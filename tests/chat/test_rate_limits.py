"""How fast a participant may go: the study's messages per minute, every socket's frame rate,
a flood closed, and the agent still answering one turn at a time (chat.limits)."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from unittest import mock

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import F

from chat.limits import FLOODED, WINDOW
from chat.models import AgentTurn, Message
from studies.models import Participant, Study
from tests.chat.sockets import ConsumerTestCase


class RateLimitTests(ConsumerTestCase):
    async def limit_messages(self, per_minute: int) -> None:
        await Study.objects.filter(pk=self.pilot.pk).aupdate(messages_per_minute=per_minute)

    async def hits(self) -> tuple[int, int]:
        ana = await Participant.objects.aget(pk=self.ana.pk)
        return ana.message_limit_hits, ana.frame_limit_hits

    async def answers(self, ws, client_ids: list[str]) -> dict[str, dict]:
        """The ack or error for each client id, by id."""
        got: dict[str, dict] = {}
        while len(got) < len(client_ids):
            frame = await self.receive_until(ws, lambda f: f["type"] in ("ack", "error"))
            got[frame["client_id"]] = frame
        return got

    async def test_a_flood_of_messages_is_slowed_down_and_stores_only_the_studys_limit(self):
        await self.limit_messages(3)
        ws, _, _ = await self.connect()
        ids = [f"f-{i}" for i in range(10)]
        for client_id in ids:
            await ws.send_json_to({"type": "message", "client_id": client_id, "text": "spam"})
        got = await self.answers(ws, ids)
        stored = [i for i in ids if got[i]["type"] == "ack"]
        refused = [got[i] for i in ids if got[i]["type"] == "error"]
        assert len(stored) == 3 and len(refused) == 7
        assert {f["code"] for f in refused} == {"slow_down"}
        assert all(1 <= f["retry_after"] <= WINDOW for f in refused)
        assert all(f"in {f['retry_after']} seconds" in f["message"] for f in refused)
        assert await self.count(sender="participant") == 3
        assert await self.hits() == (1, 0)  # one run of refusals, counted once
        await ws.send_json_to({"type": "sync", "after": 0})  # the socket stays open
        await self.receive_until(ws, lambda f: f["type"] == "history")
        await ws.disconnect()

    async def test_a_message_sent_again_after_retry_after_is_stored_once(self):
        await self.limit_messages(1)
        ws, _, _ = await self.connect()
        await ws.send_json_to({"type": "message", "client_id": "first", "text": "hello"})
        await self.receive_until(ws, lambda f: f["type"] == "ack")
        later = {"type": "message", "client_id": "later", "text": "and one more thing"}
        await ws.send_json_to(later)
        refused = await self.receive_until(ws, lambda f: f["type"] == "error")
        assert (refused["code"], refused["client_id"]) == ("slow_down", "later")
        await ws.send_json_to(later)  # too soon: still refused
        again = await self.receive_until(ws, lambda f: f["type"] == "error")
        assert again["code"] == "slow_down" and again["retry_after"] <= refused["retry_after"]
        assert await self.count(client_id="later") == 0
        # retry_after seconds pass (the first message's time moves back by as much)
        moved = timedelta(seconds=refused["retry_after"])
        await Message.objects.filter(client_id="first").aupdate(created_at=F("created_at") - moved)
        await ws.send_json_to(later)
        ack = await self.receive_until(ws, lambda f: f["type"] == "ack")
        assert (ack["client_id"], ack["duplicate"]) == ("later", False)
        await ws.send_json_to(later)  # the page's resend after a lost ack
        ack = await self.receive_until(ws, lambda f: f["type"] == "ack")
        assert ack["duplicate"] is True
        assert await self.count(client_id="later") == 1
        await ws.disconnect()

    async def test_a_resend_of_a_stored_message_is_never_refused_by_the_limit(self):
        await self.limit_messages(1)
        ws, _, _ = await self.connect()
        frame = {"type": "message", "client_id": "once", "text": "hello"}
        await ws.send_json_to(frame)
        await self.receive_until(ws, lambda f: f["type"] == "ack")
        await ws.send_json_to(frame)
        ack = await self.receive_until(ws, lambda f: f["type"] in ("ack", "error"))
        assert (ack["type"], ack["duplicate"]) == ("ack", True)
        await ws.disconnect()

    async def test_a_socket_sending_frames_too_fast_is_slowed_down_and_stays_open(self):
        ws, _, _ = await self.connect()
        for _ in range(80):
            await ws.send_json_to({"type": "retry"})
        slowed = await self.receive_until(ws, lambda f: f.get("code") == "slow_down")
        assert slowed["retry_after"] >= 1 and "client_id" not in slowed
        await asyncio.sleep(0.2)
        _, frame_hits = await self.hits()
        assert 1 <= frame_hits < 5  # runs of refusals, not 80 updates
        await ws.send_json_to({"type": "sync", "after": 0})  # other frame types go on
        await self.receive_until(ws, lambda f: f["type"] == "history")
        await ws.disconnect()

    async def test_a_hit_that_cannot_be_counted_still_slows_down_and_keeps_the_socket(self):
        ws, _, _ = await self.connect()
        failing = mock.patch("chat.services.limit_hit_record", side_effect=RuntimeError("db"))
        with failing, self.assertLogs("chat.consumers", "ERROR"):
            for _ in range(10):
                await ws.send_json_to({"type": "retry"})
            await self.receive_until(ws, lambda f: f.get("code") == "slow_down")
        await ws.send_json_to({"type": "sync", "after": 0})
        await self.receive_until(ws, lambda f: f["type"] == "history")
        await ws.disconnect()

    async def test_a_flood_of_frames_closes_the_socket_with_its_code(self):
        ws, _, _ = await self.connect()
        for _ in range(400):
            await ws.send_to(text_data='{"type": "nonsense"}')
        async with asyncio.timeout(15):
            while True:
                output = await ws.receive_output(timeout=15)
                if output["type"] == "websocket.close":
                    break
        assert output["code"] == FLOODED
        _, frame_hits = await self.hits()
        assert 1 <= frame_hits < 5

    async def test_the_agent_answers_one_turn_at_a_time_and_later_messages_together(self):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            self.skipTest("In-process turns only; with Redis a Celery worker runs them.")
        from chat.agent import backends

        started, release = threading.Event(), threading.Event()
        original = backends.ScriptedBackend.astream

        async def astream(backend, messages, *, settings, tools=None):
            if messages[-1]["content"] == "first":  # a model that takes its time
                started.set()
                await asyncio.get_running_loop().run_in_executor(None, release.wait, 10)
            async for piece in original(backend, messages, settings=settings, tools=tools):
                yield piece

        with mock.patch.object(backends.ScriptedBackend, "astream", astream):
            ws, _, _ = await self.connect()
            await ws.send_json_to({"type": "message", "client_id": "a", "text": "first"})
            await self.receive_until(ws, lambda f: f["type"] == "ack")
            await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
            for client_id in ("b", "c", "d"):  # while the agent replies
                await ws.send_json_to({"type": "message", "client_id": client_id, "text": "x"})
                await self.receive_until(ws, lambda f: f["type"] == "ack")
            assert await AgentTurn.objects.acount() == 1  # one turn in flight
            release.set()
            for _ in range(2):
                await self.receive_until(
                    ws, lambda f: f["type"] == "message" and f["message"]["sender"] == "agent"
                )
        replies = await sync_to_async(list)(
            Message.objects.filter(session=self.session, sender="agent", turn__gt=1)
            .order_by("turn")
            .values_list("answers", flat=True)
        )
        assert replies == [[2], [3, 4, 5]]  # the later three answered together
        assert await AgentTurn.objects.acount() == 2
        await ws.disconnect()
