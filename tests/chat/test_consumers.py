"""The participant's chat socket: messages stored once and answered, isolation, bad frames,
slow agents, identity notices, streamed replies; no input kills it; how fast a participant
and a socket may go (chat.limits); group events that reach the page without waiting on the
process's database thread."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import timedelta
from unittest import mock

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db.models import F
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chat import events
from chat.limits import FLOODED, WINDOW
from chat.models import AgentTurn, ChatSession, Message, Revision
from chat.protocol import CLIENT_ID
from chat.services import identity_edit, session_open
from config.asgi import application
from studies.models import Participant, Study
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


def frame(**fields) -> str:
    return json.dumps(fields)


class RefusedFrameTests(ConsumerTestCase):
    """Each of these once crashed the consumer (close 1011) or was stored."""

    async def refused(self, ws, raw: str) -> dict:
        await ws.send_to(text_data=raw)
        reply = await ws.receive_json_from(timeout=5)
        assert reply["type"] == "error", reply
        return reply

    async def still_open(self, ws) -> None:
        await ws.send_json_to({"type": "sync", "after": 0})
        assert (await self.receive_until(ws, lambda f: f["type"] == "history"))["messages"]

    async def test_crashing_and_sneaky_frames_get_an_error_on_a_socket_that_stays_open(self):
        ws, _, _ = await self.connect()
        cases = {
            "[" * 4000 + "]" * 4000: "bad_frame",  # RecursionError in json.loads
            '{"type": "sync", "after": ' + "9" * 5000 + "}": "bad_frame",  # too many digits
            frame(type="sync", after=10**30): "bad_frame",  # no database integer holds it
            frame(type="sync", after=True): "bad_frame",
            frame(type="sync", after=2.0): "bad_frame",
            '{"type": "message", "client_id": "s1", "text": "hi \\ud800 there"}': "bad_text",
            frame(type="message", client_id="n1", text="nul \x00 byte"): "bad_text",
            frame(type="message", client_id="abc\n", text="hello"): "bad_client_id",
            frame(type="message", client_id="a" * 65, text="hello"): "bad_client_id",
            frame(type="message", client_id=["x"], text="hello"): "bad_client_id",
            '{"type": "\\udfff"}': "unknown_type",
            frame(type=None): "bad_frame",
        }
        for raw, code in cases.items():
            reply = await self.refused(ws, raw)
            assert reply["code"] == code, (raw[:60], reply)
        await self.still_open(ws)
        assert await self.count() == 1  # only the greeting
        await ws.disconnect()

    async def test_an_error_echoes_only_a_well_formed_client_id(self):
        ws, _, _ = await self.connect()
        reply = await self.refused(ws, frame(type="message", client_id="abc\n", text="x"))
        assert "client_id" not in reply
        reply = await self.refused(ws, frame(type="message", client_id="ok-1", text="\x00"))
        assert reply["client_id"] == "ok-1"
        await ws.disconnect()


# Frames the server must refuse, every one of them: broken JSON, non-objects, unknown
# types, and known types with at least one field it cannot accept.
ANY_CHAR = st.characters(codec=None, exclude_categories=())  # surrogates and NUL included


ANY_TEXT = st.text(ANY_CHAR, max_size=40)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)


BAD_CLIENT_IDS = (
    st.none()
    | st.integers()
    | st.lists(ANY_TEXT, max_size=2)
    | ANY_TEXT.filter(lambda s: CLIENT_ID.fullmatch(s) is None)
    | st.from_regex(r"[A-Za-z0-9_-]{1,20}\n", fullmatch=True)
    | st.text("abc", min_size=65, max_size=70)
)


GOOD_CLIENT_IDS = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)


UNSTORABLE = st.builds(
    lambda a, bad, b: a + bad + b, ANY_TEXT, st.sampled_from(["\x00", "\ud800", "\udfff"]), ANY_TEXT
)


BAD_TEXTS = (
    st.none()
    | st.integers()
    | st.lists(ANY_TEXT, max_size=2)
    | st.text(" \t\n\r", max_size=6)
    | UNSTORABLE
    | st.text("xé漢😀", min_size=2001, max_size=2050)
)


BAD_AFTERS = (
    st.integers(max_value=-1)
    | st.integers(min_value=2**31)
    | st.floats()
    | st.booleans()
    | ANY_TEXT
    | st.lists(st.integers(), max_size=2)
)


KNOWN = {"sync", "message", "retry"}


BAD_FRAMES = st.one_of(
    ANY_TEXT.filter(lambda s: not s.strip().startswith("{")),
    JSON_VALUES.filter(lambda v: not isinstance(v, dict)).map(json.dumps),
    st.integers(400, 6000).map(lambda n: "[" * n + "]" * n),
    st.builds(lambda t: json.dumps({"type": t}), ANY_TEXT.filter(lambda t: t not in KNOWN)),
    st.builds(lambda a: json.dumps({"type": "sync", "after": a}), BAD_AFTERS),
    st.builds(
        lambda c, t: json.dumps({"type": "message", "client_id": c, "text": t}),
        BAD_CLIENT_IDS,
        ANY_TEXT | BAD_TEXTS,
    ),
    st.builds(
        lambda c, t: json.dumps({"type": "message", "client_id": c, "text": t}),
        GOOD_CLIENT_IDS,
        BAD_TEXTS,
    ),
    st.just(json.dumps({"type": "retry"})),  # nothing to retry
)


class GeneratedFrameTests(ConsumerTestCase):
    def test_every_refused_frame_gets_an_error_on_an_open_socket_and_stores_nothing(self):
        # Hypothesis runs inside the test: the cast is set up once, and since nothing may be
        # stored, every example meets the same database.
        @hypothesis_settings(
            max_examples=200,  # of 1-5 frames each: about 600 frames
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(frames=st.lists(BAD_FRAMES, min_size=1, max_size=5))
        def check(frames):
            async_to_sync(self.exchange)(frames)

        check()

    async def exchange(self, frames: list[str]) -> None:
        ws, _, _ = await self.connect()
        for raw in frames:
            await ws.send_input({"type": "websocket.receive", "text": raw})  # "" too
            reply = await ws.receive_json_from(timeout=5)
            assert reply["type"] == "error" and reply["code"] != "server_error", (raw, reply)
        await ws.send_json_to({"type": "sync", "after": 0})
        history = await self.receive_until(ws, lambda f: f["type"] == "history")
        assert [m["sender"] for m in history["messages"]] == ["agent"]  # the greeting alone
        assert await Message.objects.acount() == 1 and await Revision.objects.acount() == 1
        await ws.disconnect()


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
