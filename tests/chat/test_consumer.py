"""The participant's chat socket: messages stored once and answered, isolation, bad frames,
slow agents, identity notices, streamed replies."""

from __future__ import annotations

import asyncio
import json
import threading
from unittest import mock

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from chat.models import ChatSession, Message
from chat.services import identity_edit, session_open
from config.asgi import application
from tests.chat.sockets import ORIGIN, ConsumerTestCase
from tests.fake_openai import FakeLLMMixin


class ChatConsumerTests(ConsumerTestCase):
    async def test_a_message_is_stored_acknowledged_and_answered_in_character(self):
        ws, connected, _ = await self.connect()
        assert connected
        await ws.send_json_to({"type": "message", "client_id": "m-1", "text": "Who are you?"})
        ack = await self.receive_until(ws, lambda f: f["type"] == "ack")
        assert (ack["client_id"], ack["turn"], ack["duplicate"]) == ("m-1", 2, False)
        assert ack["status"]["participant_turns"] == 1
        reply = await self.receive_until(
            ws, lambda f: f["type"] == "message" and f["message"]["sender"] == "agent"
        )
        assert reply["message"]["turn"] == 3
        assert reply["message"]["text"].startswith("I'm Mira, a travel companion")
        stored = await Message.objects.aget(session=self.session, turn=3)
        assert stored.sender == "agent" and stored.backend == "scripted"
        await ws.disconnect()

    async def test_a_resent_client_id_gets_the_same_ack_and_no_second_row(self):
        ws, _, _ = await self.connect()
        frame = {"type": "message", "client_id": "dup-1", "text": "hello there"}
        await ws.send_json_to(frame)
        first = await self.receive_until(ws, lambda f: f["type"] == "ack")
        await self.receive_until(ws, lambda f: f.get("message", {}).get("sender") == "agent")
        await ws.send_json_to(frame)
        second = await self.receive_until(ws, lambda f: f["type"] == "ack")
        assert second["turn"] == first["turn"] and second["duplicate"] is True
        assert await self.count(client_id="dup-1") == 1
        assert await self.count(sender="agent") == 2  # the greeting and one reply, not two
        await ws.disconnect()

    async def test_a_resend_after_reconnect_is_idempotent_too(self):
        ws, _, _ = await self.connect()
        await ws.send_json_to({"type": "message", "client_id": "r-1", "text": "first try"})
        await self.receive_until(ws, lambda f: f["type"] == "ack")
        await ws.disconnect()
        ws, _, _ = await self.connect()
        await ws.send_json_to({"type": "message", "client_id": "r-1", "text": "first try"})
        ack = await self.receive_until(ws, lambda f: f["type"] == "ack")
        assert ack["duplicate"] is True
        assert await self.count(client_id="r-1") == 1
        await ws.disconnect()

    async def test_sync_replays_everything_after_the_last_turn_the_page_has(self):
        ws, _, _ = await self.connect()
        for n in range(2):
            await ws.send_json_to({"type": "message", "client_id": f"s-{n}", "text": f"hi {n}"})
            await self.receive_until(ws, lambda f: f["type"] == "ack")
            await self.receive_until(ws, lambda f: f.get("message", {}).get("sender") == "agent")
        await ws.disconnect()
        ws, _, _ = await self.connect()
        await ws.send_json_to({"type": "sync", "after": 2})
        history = await self.receive_until(ws, lambda f: f["type"] == "history")
        assert [m["turn"] for m in history["messages"]] == [3, 4, 5]
        assert history["messages"][1]["client_id"] == "s-1"
        assert history["status"]["can_finish"] is True
        await ws.send_json_to({"type": "sync", "after": 0})
        history = await self.receive_until(ws, lambda f: f["type"] == "history")
        assert [m["turn"] for m in history["messages"]] == [1, 2, 3, 4, 5]
        await ws.disconnect()

    async def test_every_open_view_of_the_session_sees_new_messages(self):
        first, _, _ = await self.connect()
        second, _, _ = await self.connect()
        await first.send_json_to({"type": "message", "client_id": "t-1", "text": "two tabs"})
        seen = await self.receive_until(
            second, lambda f: f["type"] == "message" and f["message"]["sender"] == "participant"
        )
        assert seen["message"]["text"] == "two tabs"
        await self.receive_until(second, lambda f: f.get("message", {}).get("sender") == "agent")
        await first.disconnect()
        await second.disconnect()


class IsolationTests(ConsumerTestCase):
    async def test_ben_cannot_join_anas_session(self):
        ws, _, _ = await self.connect(participant=self.ben)
        assert await self.close_code(ws) == 4403

    async def test_an_address_no_socket_lives_at_is_closed_with_4404_not_a_500(self):
        for path in ("/ws/chat/abc/", "/ws/chat/-1/", "/ws/chat/1/x/", "/ws/watch/abc/", "/"):
            ws = WebsocketCommunicator(application, path, headers=[ORIGIN])
            connected, _ = await ws.connect()
            assert connected, path
            assert await self.close_code(ws) == 4404, path

    async def test_a_browser_with_no_participant_is_refused(self):
        ws = WebsocketCommunicator(application, f"/ws/chat/{self.session.pk}/", headers=[ORIGIN])
        await ws.connect()
        assert await self.close_code(ws) == 4403

    async def test_a_foreign_origin_is_refused(self):
        _, connected, _ = await self.connect(origin=(b"origin", b"http://evil.example"))
        assert not connected

    async def test_an_unknown_session_is_refused(self):
        ghost = ChatSession(pk=999999)
        ws, _, _ = await self.connect(session=ghost)
        assert await self.close_code(ws) == 4403


class BadFrameTests(ConsumerTestCase):
    async def send_raw_and_expect_error(self, ws, raw: str, code: str) -> dict:
        await ws.send_to(text_data=raw)
        frame = await ws.receive_json_from(timeout=5)
        assert frame["type"] == "error", frame
        assert frame["code"] == code, frame
        return frame

    async def test_malformed_empty_oversized_and_unknown_frames_get_errors_and_change_nothing(self):
        ws, _, _ = await self.connect()
        big = "x" * 9000
        cases = [
            ("not json", "bad_frame"),
            ("[1, 2]", "bad_frame"),
            ("{}", "bad_frame"),
            (json.dumps({"type": "dance"}), "unknown_type"),
            (json.dumps({"type": "message", "client_id": "e1", "text": ""}), "empty"),
            (json.dumps({"type": "message", "client_id": "e2", "text": "   "}), "empty"),
            (json.dumps({"type": "message", "client_id": "e3", "text": 42}), "empty"),
            (json.dumps({"type": "message", "text": "no id"}), "bad_client_id"),
            (json.dumps({"type": "message", "client_id": "a b", "text": "x"}), "bad_client_id"),
            (json.dumps({"type": "message", "client_id": "e4", "text": "y" * 2001}), "too_long"),
            (json.dumps({"type": "message", "client_id": "e5", "text": big}), "too_large"),
            (json.dumps({"type": "sync", "after": -1}), "bad_frame"),
            (json.dumps({"type": "sync", "after": "3"}), "bad_frame"),
        ]
        for raw, code in cases:
            await self.send_raw_and_expect_error(ws, raw, code)
        await ws.send_to(bytes_data=b"\x00\x01")
        assert (await ws.receive_json_from())["code"] == "bad_frame"
        assert await self.count() == 1  # only the greeting
        # The socket is still usable after all that.
        await ws.send_json_to({"type": "message", "client_id": "ok", "text": "still here"})
        ack = await self.receive_until(ws, lambda f: f["type"] == "ack")
        assert ack["client_id"] == "ok"
        await ws.disconnect()

    async def test_an_error_names_the_client_id_it_refers_to(self):
        ws, _, _ = await self.connect()
        frame = await self.send_raw_and_expect_error(
            ws,
            json.dumps({"type": "message", "client_id": "long-1", "text": "z" * 2001}),
            "too_long",
        )
        assert frame["client_id"] == "long-1"
        await ws.disconnect()

    async def test_messages_after_the_session_finished_are_refused(self):
        await ChatSession.objects.filter(pk=self.session.pk).aupdate(status="finished")
        ws, _, _ = await self.connect()
        await self.send_raw_and_expect_error(
            ws,
            json.dumps({"type": "message", "client_id": "late", "text": "hello?"}),
            "session_over",
        )
        assert await self.count() == 1
        await ws.disconnect()


class SlowAgentTests(ConsumerTestCase):
    async def test_a_slow_agent_turn_does_not_hold_up_other_participants(self):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            self.skipTest("In-process turns only; with Redis a Celery worker runs them.")
        from chat.agent import backends

        slow_started = threading.Event()
        release = threading.Event()
        original = backends.ScriptedBackend.astream

        async def astream(backend, messages, *, settings, tools=None):
            if messages[-1]["content"] == "take your time":  # a model that takes its time
                slow_started.set()
                await asyncio.get_running_loop().run_in_executor(None, release.wait, 10)
            async for piece in original(backend, messages, settings=settings, tools=tools):
                yield piece

        ben_session = await sync_to_async(session_open)(participant=self.ben, number=1)
        with mock.patch.object(backends.ScriptedBackend, "astream", astream):
            ana, _, _ = await self.connect()
            ben, _, _ = await self.connect(participant=self.ben, session=ben_session)
            await ana.send_json_to(
                {"type": "message", "client_id": "slow", "text": "take your time"}
            )
            await self.receive_until(ana, lambda f: f["type"] == "ack")
            await asyncio.get_running_loop().run_in_executor(None, slow_started.wait, 5)
            # Ana's agent is still thinking; Ben is served meanwhile.
            await ben.send_json_to({"type": "message", "client_id": "quick", "text": "hello"})
            ack = await self.receive_until(ben, lambda f: f["type"] == "ack")
            assert ack["client_id"] == "quick"
            await self.receive_until(ben, lambda f: f.get("message", {}).get("sender") == "agent")
            assert await self.count(sender="agent") == 1  # Ana has only the greeting so far
            release.set()
            await self.receive_until(ana, lambda f: f.get("message", {}).get("sender") == "agent")
        await ana.disconnect()
        await ben.disconnect()


class IdentityBroadcastTests(ConsumerTestCase):
    def panel(self) -> str:
        """The panel a page fetches after an ``identity`` notice."""
        if not self.ana.administrations.exists():
            self.answer_pmq(self.ana)  # so that the chat is her step
        url = f"/s/pilot/session/{self.session.number}/identity/panel/"
        return self.browser_of(self.ana).get(url, HTTP_HX_REQUEST="true").content.decode()

    async def test_a_panel_edit_reaches_every_open_view_as_a_notice_of_the_new_revision(self):
        first, _, _ = await self.connect()
        second, _, _ = await self.connect()
        revision = await sync_to_async(identity_edit)(
            session_id=self.session.pk, target="persona.name", value="Nova"
        )
        for ws in (first, second):
            frame = await self.receive_until(ws, lambda f: f["type"] == "identity")
            assert frame == {"type": "identity", "revision": revision.pk}
            note = await self.receive_until(ws, lambda f: f["type"] == "message")
            assert note["message"]["sender"] == "system"
        panel = await sync_to_async(self.panel)()
        assert f'data-revision="{revision.pk}"' in panel and "Nova" in panel
        await first.disconnect()
        await second.disconnect()

    async def test_the_agents_proposal_appears_in_the_panel_as_it_is_made(self):
        ws, _, _ = await self.connect()
        await ws.send_json_to({"type": "message", "client_id": "n1", "text": "Call yourself Nova"})
        await self.receive_until(ws, lambda f: f["type"] == "identity")
        panel = await sync_to_async(self.panel)()
        assert "Mira suggests" in panel and "Accept" in panel
        await ws.disconnect()


class StreamingTests(FakeLLMMixin, ConsumerTestCase):
    def setUp(self):
        super().setUp()
        self.use_llm(self.editable, self.fake.base_url)

    async def test_the_reply_streams_in_then_arrives_whole(self):
        words = " ".join(f"word{n}" for n in range(30))
        self.fake.script({"text": words, "delay": 0.02})
        ws, _, _ = await self.connect()
        await ws.send_json_to({"type": "message", "client_id": "s1", "text": "tell me a story"})
        thinking = await self.receive_until(ws, lambda f: f["type"] == "agent")
        assert thinking["agent"]["state"] == "thinking" and thinking["agent"]["reply_to"] == 2
        deltas, final = [], None
        while final is None:
            frame = await ws.receive_json_from(timeout=15)
            if frame["type"] == "delta":
                deltas.append(frame)
            elif frame["type"] == "message" and frame["message"]["sender"] == "agent":
                final = frame["message"]
        shown = ""
        for delta in deltas:
            shown = shown[: delta["offset"]] + delta["text"]
        assert 2 <= len(deltas) < 30  # batched, not one frame per token
        assert shown == final["text"] == words and final["reply_to"] == 2
        await ws.disconnect()

    async def test_a_page_that_reconnects_mid_reply_resumes_it(self):
        self.fake.script({"text": " ".join(["slowly"] * 40), "delay": 0.1})
        ws, _, _ = await self.connect()
        await ws.send_json_to({"type": "message", "client_id": "r1", "text": "go on"})
        await self.receive_until(ws, lambda f: f["type"] == "delta")
        await ws.disconnect()
        await asyncio.sleep(1.5)  # the draft is kept once a second (drafts.DRAFT_SECONDS)
        again, _, _ = await self.connect()
        await again.send_json_to({"type": "sync", "after": 2})
        history = await self.receive_until(again, lambda f: f["type"] == "history")
        assert history["more"] is False
        agent = (await self.receive_until(again, lambda f: f["type"] == "agent"))["agent"]
        assert agent["state"] == "thinking" and agent["reply_to"] == 2
        assert agent["text"].startswith("slowly slowly")
        final = await self.receive_until(
            again, lambda f: f["type"] == "message" and f["message"]["sender"] == "agent", 30
        )
        assert final["message"]["text"].count("slowly") == 40
        await again.disconnect()

    async def test_a_failed_turn_tells_the_page_calmly_and_can_be_retried(self):
        self.fake.script({"status": 401}, {"text": "Here I am."})
        ws, _, _ = await self.connect()
        await ws.send_json_to({"type": "message", "client_id": "f1", "text": "hello?"})
        failed = await self.receive_until(
            ws, lambda f: f["type"] == "agent" and f["agent"]["state"] == "failed"
        )
        assert "try again" in failed["agent"]["message"]
        assert "401" not in failed["agent"]["message"]  # the researcher sees that, not them
        await ws.send_json_to({"type": "retry"})
        final = await self.receive_until(
            ws, lambda f: f["type"] == "message" and f["message"]["sender"] == "agent"
        )
        assert final["message"]["text"] == "Here I am."
        await ws.send_json_to({"type": "retry"})
        nothing = await self.receive_until(ws, lambda f: f["type"] == "error")
        assert nothing["code"] == "nothing_to_retry"
        await ws.disconnect()


class OtherTabsTests(ConsumerTestCase):
    async def test_another_tab_hears_the_status_with_the_message_and_can_finish(self):
        tab_a, _, _ = await self.connect()
        tab_b, _, _ = await self.connect()  # the same participant, a second tab
        for n in range(2):  # the pilot study asks for two messages before finishing
            await tab_a.send_json_to({"type": "message", "client_id": f"t-{n}", "text": "hi"})
            heard = await self.receive_until(
                tab_b, lambda f: f["type"] == "message" and f["message"]["sender"] == "participant"
            )
            assert heard["status"]["participant_turns"] == n + 1
        assert heard["status"]["can_finish"] is True
        agent = await self.receive_until(
            tab_b, lambda f: f["type"] == "message" and f["message"]["sender"] == "agent"
        )
        assert "status" not in agent  # a reply does not change what the participant must do
        await tab_a.disconnect()
        await tab_b.disconnect()
