"""No input kills a socket, and no frame the server sends outgrows the budget."""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from chat import events
from chat.identity import COMMON_GROUND_MAX, IdentityError
from chat.models import Message, Revision
from chat.protocol import CLIENT_ID
from chat.services import agent_pause, identity_edit, message_post
from studies.text import MESSAGE_MAX
from tests.chat.sockets import ConsumerTestCase

CJK = "漢字かな交じり文"
EMOJI = "😀🎉👩‍🔬🇩🇪"


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


class FrameBudgetTests(ConsumerTestCase):
    async def raw_frames_until(self, ws, predicate) -> list[tuple[int, dict]]:
        seen = []
        while True:
            text = await ws.receive_from(timeout=10)
            data = json.loads(text)
            seen.append((len(text.encode("utf-8")), data))
            if predicate(data):
                return seen

    def store(self, *texts: str) -> None:
        agent_pause(session_id=self.session.pk, paused=True)  # only these, no replies
        for n, text in enumerate(texts):
            message_post(session_id=self.session.pk, client_id=f"b{n}", text=text)

    async def sync_all(self, ws) -> tuple[list[dict], list[int]]:
        """What a page does: ask, and ask again from its last turn while there is more."""
        messages, sizes, after = [], [], 0
        while True:
            await ws.send_json_to({"type": "sync", "after": after})
            frames = await self.raw_frames_until(ws, lambda f: f["type"] == "history")
            size, page = frames[-1]
            sizes.append(size)
            messages += page["messages"]
            after = page["messages"][-1]["turn"] if page["messages"] else after
            if not page["more"]:
                return messages, sizes

    async def test_history_of_long_cjk_and_emoji_messages_comes_in_pages_within_budget(self):
        limit = settings.DYAD_MAX_MESSAGE_CHARS
        texts = [(CJK * 400)[:limit], (EMOJI * 500)[:limit], "\x01" * limit] + [
            (CJK * 400)[:limit]
        ] * 3
        await sync_to_async(self.store)(*texts)
        ws, _, _ = await self.connect()
        messages, sizes = await self.sync_all(ws)
        assert [m["text"] for m in messages if m["sender"] == "participant"] == texts
        assert len(sizes) > 1 and max(sizes) <= events.FRAME_BUDGET
        assert len({m["turn"] for m in messages}) == len(messages)  # nothing twice
        await ws.disconnect()

    async def test_an_identity_change_sends_a_small_notice_however_large_the_panel(self):
        statement = (CJK * 40)[:240]
        for n in range(17):
            await sync_to_async(identity_edit)(
                session_id=self.session.pk, target="common_ground", value=f"{n} {statement}"[:240]
            )
        ws, _, _ = await self.connect()
        await sync_to_async(identity_edit)(
            session_id=self.session.pk, target="persona.backstory", value=(EMOJI * 200)[:1000]
        )
        frames = await self.raw_frames_until(ws, lambda f: f["type"] == "identity")
        size, _ = frames[-1]
        assert size < 100
        await ws.disconnect()


def test_any_message_fits_the_frame_budget_by_construction():
    """The worst case: the longest message, every character costing 6 bytes as JSON."""

    class Stub:
        turn, sender, client_id, reply_to_id = 2**31 - 1, "participant", "x" * 64, None
        text = "\x01" * MESSAGE_MAX
        created_at = __import__("datetime").datetime(2026, 1, 1)

    worst = events.message_frame(events.message_data(Stub()))
    assert events.size(worst) <= events.FRAME_BUDGET
    assert settings.DYAD_MAX_MESSAGE_CHARS <= MESSAGE_MAX


class CommonGroundLimitTests(ConsumerTestCase):
    def test_common_ground_is_limited_with_a_clear_message_and_nothing_stored(self):
        for n in range(COMMON_GROUND_MAX):
            identity_edit(session_id=self.session.pk, target="common_ground", value=f"fact {n}")
        before = Revision.objects.count(), Message.objects.count()
        with self.assertRaisesMessage(IdentityError, "at most 20 things we've established"):
            identity_edit(session_id=self.session.pk, target="common_ground", value="one more")
        assert (Revision.objects.count(), Message.objects.count()) == before
