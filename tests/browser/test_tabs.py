"""The chat open in two tabs: what one tab sends, the other shows, Finish button included."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.base import BrowserTestCase


class TwoTabsTests(BrowserTestCase):
    def test_the_other_tab_can_finish_once_enough_was_sent_from_the_first(self):
        self.published_study("tabs", {"visible": {}}, min_participant_turns=2)
        first = self.page
        first.goto(self.url("/s/tabs/"))
        first.get_by_role("button", name="I agree to take part").click()
        expect(first.locator("#connection")).to_have_text("Connected.")
        second = self.context.new_page()
        second.goto(self.url("/s/tabs/"))
        expect(second.locator("#connection")).to_have_text("Connected.")
        expect(second.get_by_role("button", name="Finish the chat")).to_be_disabled()
        for text in ("Hello", "And again"):
            first.get_by_label("Your message").fill(text)
            first.get_by_label("Your message").press("Enter")
            expect(second.locator("#transcript")).to_contain_text(text)
        expect(second.get_by_role("button", name="Finish the chat")).to_be_enabled()
        expect(second.locator("#chat-status")).to_have_text(
            "You can finish the chat whenever you are ready."
        )
