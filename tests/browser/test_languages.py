"""A German study in a real browser, on a phone: the page's script speaks German too."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_phones import PhoneTestCase


class GermanBrowserTests(PhoneTestCase):
    def test_a_german_chat_on_a_390_by_844_phone(self):
        self.german_chat("390x844")

    def test_a_german_chat_on_a_360_by_640_phone(self):
        self.german_chat("360x640")

    def german_chat(self, size: str):
        page = self.on_phone(size)
        self.published_study("deutsch", {"offen": {"panel_visibility": "editable"}}, language="de")
        page.goto(self.url("/s/deutsch/"))
        expect(page.locator("html")).to_have_attribute("lang", "de")
        page.get_by_role("button", name="Ich stimme der Teilnahme zu").tap()
        expect(page.locator("#connection")).to_have_text("Verbunden.")
        self.assert_fits("the chat, in German")
        box = page.get_by_label("Deine Nachricht")
        box.fill("Call yourself Nova")
        box.press("Enter")
        toggle = page.get_by_role("button", name=re.compile("^Unser gemeinsames Bild"))
        expect(toggle).to_have_accessible_name("Unser gemeinsames Bild 1 Vorschlag wartet")
        expect(page.locator("#chat-status")).to_have_text(
            "Du kannst den Chat beenden, sobald du so weit bist."
        )
        expect(page.locator("#transcript")).to_contain_text("Mira hat eine Änderung vorgeschlagen")
        toggle.tap()
        panel = page.get_by_role("complementary", name="Unser gemeinsames Bild")
        panel.get_by_role("button", name="Annehmen").tap()
        expect(panel.get_by_role("status")).to_have_text("Angenommen.")
        self.assert_fits("the drawer, in German")
        page.get_by_role("button", name="Zurück zum Chat").tap()
        page.get_by_role("button", name="Chat beenden").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Danke für deine Teilnahme")
        self.assert_fits("the debrief, in German")
