"""Partner framing in a real browser: a participant told they chat with another participant
reads it on the consent page, sees the fixed name and picture, and gets replies at a human
pace ("typing" first, the reply whole after its typing time); at the end the reveal, and the
choice again: one declines and is withdrawn with the completion code, one (on a phone)
agrees and their data stay. axe finds nothing on any of these pages."""

from __future__ import annotations

import io
import struct
import tempfile
import time
import zlib

from django.test import override_settings
from playwright.sync_api import expect

from chat.models import ChatSession, Message
from chat.pacing import words
from studies import pictures
from studies.models import Participant
from tests.browser.base import BrowserTestCase

REVEAL = "**Your partner was a computer program**, not another participant."
READ_SECONDS, WPM = 1.5, 120


def tiny_png() -> bytes:
    """A 1 x 1 PNG, made here so the test needs no file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x30\x60\x90")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


class FramingBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClass(cls):
        # Before the live server forks, so that it serves the pictures from here too.
        cls._media = override_settings(MEDIA_ROOT=tempfile.mkdtemp())
        cls._media.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls._media.disable()

    def setUp(self):
        super().setUp()
        picture = pictures.picture_store(io.BytesIO(tiny_png()))
        self.published_study(
            "framed",
            {
                "told-person": {
                    "panel_visibility": "hidden",
                    "agent_writes": "silent",
                    "partner_framing": "person",
                    "partner_name": "fixed",
                    "partner_label": "Partner",
                    "partner_picture": picture,
                    "partner_picture_alt": "A smiling person with short hair",
                    "reply_pacing": "human",
                    "pacing_read_seconds": READ_SECONDS,
                    "pacing_wpm": WPM,
                    "pacing_jitter": 0,
                    "deceptive": True,
                    "reveal_text": REVEAL,
                }
            },
            completion_code="FRAMED-OK",
            withdrawn_code="FRAMED-GONE",
        )

    def chat_once(self, page) -> tuple[float, float, float]:
        """Send one message; seconds from sending to "typing", to the reply, and the reply's
        typing time by the condition's pace."""
        status = page.locator("#agent-status")
        replies = page.locator("#transcript .msg-agent")
        expect(replies).to_have_count(1)  # the greeting
        box = page.get_by_label("Your message")
        box.fill("Hello, how are you today?")
        sent = time.monotonic()
        box.press("Enter")
        expect(status).to_have_text("Partner is typing…", timeout=20_000)
        typing = time.monotonic() - sent
        assert replies.count() == 1  # typing shows before the reply, never with it
        expect(replies).to_have_count(2, timeout=30_000)
        shown = time.monotonic() - sent
        expect(replies.nth(1).locator(".who")).to_have_text("Partner:")
        expect(status).to_have_text("")
        reply = Message.objects.filter(sender="agent", reply_to__isnull=False).latest("pk")
        return typing, shown, words(reply.text) / WPM * 60

    def test_told_a_person_they_see_its_framing_and_pace_then_the_reveal_and_may_decline(self):
        page = self.page
        page.goto(self.url("/s/framed/?PROLIFIC_PID=FRAMED-1"))
        framing = page.get_by_role("region", name="Who you will talk with")
        expect(framing).to_contain_text("you will chat with another participant")
        self.assert_accessible()
        page.get_by_role("button", name="I agree to take part").click()

        expect(page.locator("#partner-name")).to_have_text("Partner")
        expect(page.locator("#partner")).to_contain_text("(another participant)")
        picture = page.get_by_role("img", name="A smiling person with short hair")
        expect(picture).to_be_visible()
        assert page.evaluate("document.querySelector('.partner-picture').naturalWidth") == 1
        expect(page.locator(".framing")).to_contain_text("another participant")
        self.assert_accessible()
        typing, shown, typing_time = self.chat_once(page)
        # "typing" after the reading delay; the reply after its typing time (the page's
        # clock against the condition's; a little slack for the browser's polling).
        assert READ_SECONDS - 0.3 <= typing < READ_SECONDS + 2.5, typing
        assert shown >= READ_SECONDS + typing_time - 0.3, (shown, typing_time)
        self.assert_accessible()

        page.get_by_role("button", name="Finish the chat").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text("Before you go: what this study did not tell you")
        expect(page.locator("#reveal strong")).to_have_text("Your partner was a computer program")
        self.assert_accessible()
        page.get_by_role("button", name="No, withdraw my data").click()
        expect(heading).to_have_text("You have withdrawn from the study")
        expect(page.locator("#completion-code")).to_have_text("FRAMED-OK")
        self.assert_accessible()
        person = Participant.objects.get(withdrawn_at__isnull=False)
        assert person.reconsent == "declined" and person.completed_at is not None
        assert not ChatSession.objects.filter(participant=person).exists()  # deleted

    def test_on_a_phone_another_agrees_and_their_data_stay(self):
        self.context.close()
        self.context = self.browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        self.context.set_default_timeout(15_000)
        self.context.on("console", self._watch_console)
        self.page = page = self.context.new_page()
        page.goto(self.url("/s/framed/?PROLIFIC_PID=FRAMED-2"))
        self.assert_accessible()
        page.get_by_role("button", name="I agree to take part").tap()
        expect(page.locator("#partner-name")).to_have_text("Partner")
        self.assert_accessible()
        self.chat_once(page)
        page.get_by_role("button", name="Finish the chat").tap()
        expect(page.locator("#reveal")).to_contain_text("computer program")
        self.assert_accessible()
        page.get_by_role("button", name="Yes, you may use my data").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for taking part")
        expect(page.locator("#completion-code")).to_have_text("FRAMED-OK")
        self.assert_accessible()
        person = Participant.objects.get(external_id="FRAMED-2")
        assert person.reconsent == "given" and person.withdrawn_at is None
        kept = Message.objects.filter(session__participant=person, sender="participant")
        assert list(kept.values_list("text", flat=True)) == ["Hello, how are you today?"]
        reply = Message.objects.get(session__participant=person, reply_to__isnull=False)
        assert reply.typing_started_at and reply.shown_at > reply.typing_started_at
