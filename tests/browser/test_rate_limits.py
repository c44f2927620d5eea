"""Sending faster than the study allows: the page keeps the message and sends it when the
server says, and it is stored once."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from playwright.sync_api import expect

from chat.models import Message
from tests.browser.base import BrowserTestCase


class RateLimitTests(BrowserTestCase):
    def test_a_message_past_the_limit_is_kept_and_sent_when_the_server_says(self):
        self.published_study("steady", {"visible": {}}, messages_per_minute=1)
        page = self.page
        page.goto(self.url("/s/steady/"))
        page.get_by_role("button", name="I agree to take part").click()
        expect(page.locator("#connection")).to_have_text("Connected.")
        box = page.get_by_label("Your message")
        box.fill("My first message")
        box.press("Enter")
        expect(page.locator("#transcript li.msg-participant[data-turn]")).to_have_count(1)
        # Most of the minute has passed: the next message may go in about 3 seconds.
        first = Message.objects.filter(text="My first message")
        first.update(created_at=F("created_at") - timedelta(seconds=57))
        box.fill("Too soon, but kept")
        box.press("Enter")
        expect(page.locator("#chat-status")).to_contain_text("Your message is kept")
        kept = page.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('dyad.pending.'))"
            ".map(k => localStorage.getItem(k)).join('')"
        )
        assert "Too soon, but kept" in kept  # survives a reload meanwhile too
        assert not Message.objects.filter(text="Too soon, but kept").exists()
        stored = page.locator("#transcript li.msg-participant[data-turn]")
        expect(stored).to_have_count(2, timeout=20_000)  # sent again by itself, and stored
        expect(stored.last).to_contain_text("Too soon, but kept")
        assert Message.objects.filter(text="Too soon, but kept").count() == 1
        pending = page.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('dyad.pending.'))"
            ".map(k => JSON.parse(localStorage.getItem(k)).length)"
        )
        assert pending == [0]  # nothing left to send
