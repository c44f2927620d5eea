"""No frame the server sends outgrows the budget, however long the history or large the panel."""

from __future__ import annotations

import json

from asgiref.sync import sync_to_async
from django.conf import settings

from chat import events
from chat.services import agent_pause, identity_edit, message_post
from studies.text import MESSAGE_MAX
from tests.chat.sockets import ConsumerTestCase

CJK = "漢字かな交じり文"
EMOJI = "😀🎉👩‍🔬🇩🇪"


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
