"""How participants typed, through the socket: measurements stored with each message and every
stretch away, once; refused or ignored (never costing a message) when malformed or more than
the session has lasted; shown to researchers and exported."""

from __future__ import annotations

import csv
import io

from asgiref.sync import sync_to_async

from chat.models import Message, SessionEvent
from chat.telemetry import DAY_MS
from dashboard.exports.files import file_download
from tests.chat.sockets import ConsumerTestCase
from tests.dashboard.export_data import begun_earlier


class TelemetryTests(ConsumerTestCase):
    def setUp(self):
        super().setUp()
        self.pilot.record_typing = True
        self.pilot.save()
        begun_earlier(self.session, minutes=10)

    async def send(self, ws, **frame):
        await ws.send_json_to(frame)
        return await self.receive_until(ws, lambda f: f["type"] in ("ack", "noted", "error"))

    async def test_a_message_keeps_how_it_was_typed(self):
        ws, _, _ = await self.connect()
        typing = {"ms": 8300, "pastes": 2, "pasted_chars": 41}
        text = "x" * 50
        await self.send(ws, type="message", client_id="t-1", text=text, typing=typing)
        await self.send(ws, type="message", client_id="t-2", text="hi", typing={"ms": "soon"})
        first = await Message.objects.aget(client_id="t-1")
        assert (first.typing_ms, first.paste_count, first.pasted_chars) == (8300, 2, 41)
        second = await Message.objects.aget(client_id="t-2")  # kept, measurements unknown
        assert (second.typing_ms, second.paste_count, second.pasted_chars) == (None,) * 3
        await ws.disconnect()

    async def test_time_away_is_kept_once_and_bad_reports_change_nothing(self):
        ws, _, _ = await self.connect()
        report = {"type": "activity", "client_id": "a-1", "kind": "hidden", "ms": 45_000}
        assert (await self.send(ws, **report)) == {"type": "noted", "client_id": "a-1"}
        assert (await self.send(ws, **report))["type"] == "noted"  # resent after a reconnect
        bad = await self.send(ws, type="activity", client_id="a-2", kind="gone", ms=5)
        assert bad["code"] == "bad_activity" and bad["client_id"] == "a-2"
        no_id = await self.send(ws, type="activity", kind="idle", ms=5)
        assert no_id["code"] == "bad_client_id"
        events = [e async for e in SessionEvent.objects.filter(session=self.session)]
        assert [(e.kind, e.duration_ms) for e in events] == [("hidden", 45_000)]
        await ws.disconnect()

    async def test_time_away_cannot_add_up_to_more_than_the_session_has_lasted(self):
        ws, _, _ = await self.connect()
        day = {"type": "activity", "kind": "idle", "ms": DAY_MS}
        for n in range(5):  # a day idle, again and again, ten minutes into the session
            refused = await self.send(ws, client_id=f"d-{n}", **day)
            assert refused["code"] == "bad_activity" and refused["client_id"] == f"d-{n}"
        four_minutes = {"type": "activity", "kind": "hidden", "ms": 4 * 60_000}
        assert (await self.send(ws, client_id="h-1", **four_minutes))["type"] == "noted"
        assert (await self.send(ws, client_id="h-2", **four_minutes))["type"] == "noted"
        assert (await self.send(ws, client_id="h-3", **four_minutes))["code"] == "bad_activity"
        assert (await self.send(ws, client_id="h-1", **four_minutes))["type"] == "noted"  # resent
        await ws.send_to(text_data='{"type": "activity", "client_id": "n-1", "kind": "idle", '
                         '"ms": NaN}')  # fmt: skip
        nan = await self.receive_until(ws, lambda f: f["type"] == "error")
        assert nan["code"] in ("bad_activity", "bad_frame")
        for n, ms in enumerate([-1, 1e300, 10**30, 2.5]):
            bad = await self.send(ws, type="activity", client_id=f"b-{n}", kind="idle", ms=ms)
            assert bad["code"] == "bad_activity"
        kept = [e async for e in SessionEvent.objects.filter(session=self.session)]
        assert [e.client_id for e in kept] == ["h-1", "h-2"]
        await self.session.arefresh_from_db()
        assert self.session.telemetry_refused == 5 + 1 + 4 + (nan["code"] == "bad_activity")
        await ws.disconnect()

    async def test_typing_time_cannot_add_up_to_more_than_the_session_has_lasted(self):
        ws, _, _ = await self.connect()
        nine_minutes = {"ms": 9 * 60_000, "pastes": 0, "pasted_chars": 0}
        two_minutes = {"ms": 2 * 60_000, "pastes": 1, "pasted_chars": 3}
        await self.send(ws, type="message", client_id="t-1", text="hello", typing=nine_minutes)
        await self.send(ws, type="message", client_id="t-2", text="again", typing=two_minutes)
        await self.send(ws, type="message", client_id="t-3", text="a day", typing={
            "ms": DAY_MS, "pastes": 0, "pasted_chars": 0})  # fmt: skip
        await self.send(ws, type="message", client_id="t-4", text="quick", typing={
            "ms": 20_000, "pastes": 0, "pasted_chars": 0})  # fmt: skip
        await self.send(ws, type="message", client_id="t-5", text="untold")
        typed = {m.client_id: m.typing_ms async for m in Message.objects.filter(client_id__gt="")}
        assert typed == {"t-1": 9 * 60_000, "t-2": None, "t-3": None, "t-4": 20_000, "t-5": None}
        await self.session.arefresh_from_db()
        assert self.session.telemetry_refused == 2  # kept, with their typing unknown
        await ws.disconnect()
        page = await sync_to_async(self.review_page)()
        assert "2 typing or time-away reports from the participant's page refused" in page
        sessions = await sync_to_async(self.exported)("sessions.csv")
        assert [r["telemetry_refused"] for r in sessions] == ["2"]
        codebook = await sync_to_async(self.exported)("codebook.csv")
        assert ("sessions.csv", "telemetry_refused") in {(r["file"], r["column"]) for r in codebook}

    async def test_a_study_that_does_not_record_typing_keeps_none_of_it(self):
        self.pilot.record_typing = False
        await self.pilot.asave()
        ws, _, _ = await self.connect()
        typing = {"ms": 8300, "pastes": 2, "pasted_chars": 41}
        await self.send(ws, type="message", client_id="n-1", text="hello", typing=typing)
        refused = await self.send(ws, type="activity", client_id="n-2", kind="idle", ms=40_000)
        assert refused["code"] == "not_recorded"
        message = await Message.objects.aget(client_id="n-1")
        assert message.typing_ms is None and message.paste_count is None
        assert await SessionEvent.objects.acount() == 0
        await ws.disconnect()

    async def test_researchers_see_the_flags_and_the_exports_carry_them(self):
        ws, _, _ = await self.connect()
        typing = {"ms": 8300, "pastes": 2, "pasted_chars": 41}
        await self.send(ws, type="message", client_id="e-1", text="x" * 50, typing=typing)
        await self.send(ws, type="activity", client_id="e-2", kind="idle", ms=95_000)
        await ws.disconnect()
        page = await sync_to_async(self.review_page)()
        assert "82% of this message was pasted (2 pastes)" in page
        assert "written in 8 s" in page and "idle 1 time, 1 min 35 s in all" in page
        assert "refused as impossible" not in page
        messages = await sync_to_async(self.exported)("messages.csv")
        row = next(r for r in messages if r["text"] == "x" * 50)
        assert (row["typing_ms"], row["pastes"], row["pasted_chars"]) == ("8300", "2", "41")
        assert row["pasted_share"] == "0.82"
        events = await sync_to_async(self.exported)("session_events.csv")
        assert [(r["participant"], r["session"], r["event"], r["kind"], r["seconds"])
                for r in events] == [(self.ana.code, "1", "1", "idle", "95.0")]  # fmt: skip
        codebook = await sync_to_async(self.exported)("codebook.csv")
        described = {(r["file"], r["column"]) for r in codebook}
        assert ("messages.csv", "pasted_share") in described
        assert ("session_events.csv", "seconds") in described

    def review_page(self) -> str:
        self.client.force_login(self.rita)
        url = f"/dashboard/studies/pilot/sessions/{self.session.pk}/"
        response = self.client.get(url)
        assert response.status_code == 200, url
        return response.content.decode()

    def exported(self, name: str) -> list[dict]:
        text = b"".join(file_download(self.pilot.pk, name)).decode("utf-8")
        return list(csv.DictReader(io.StringIO(text)))
