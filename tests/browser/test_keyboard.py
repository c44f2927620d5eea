"""The whole journey with the keyboard alone (Tab, arrows and Enter; never the mouse), with
the agent's messages and its typing indicator in polite live regions for screen readers."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.base import BrowserTestCase

FOCUSED = "e => e === document.activeElement"


class KeyboardTests(BrowserTestCase):
    def tab_to(self, target, limit: int = 120):
        """Press Tab until ``target`` has the focus: it is reachable by keyboard."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if target.evaluate(FOCUSED):
                return
        raise AssertionError(f"Tab never reached {target}")

    def answer_pmq_by_keyboard(self, heading: str):
        page = self.page
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        self.assert_accessible()
        groups = page.get_by_role("group", name=re.compile(r"^Item \d+ of \d+:"))
        for n in range(groups.count()):
            self.tab_to(groups.nth(n).get_by_role("radio").first)
            for _ in range(3):
                page.keyboard.press("ArrowRight")  # moves along the scale and chooses: 4
        expect(page.get_by_role("radio", name=re.compile(r"^4 of 7")).first).to_be_checked()
        self.tab_to(page.get_by_role("button", name="Save and continue"))
        page.keyboard.press("Enter")

    def test_the_whole_journey_by_keyboard(self):
        page = self.page
        self.published_study(
            "keys", {"editable": {"panel_visibility": "editable"}}, pmq_before=True,
            pmq_after=True, attention_checks="1 pre 2 4", instructions_text="Be kind.",
            comprehension_question="What should you be?",
            comprehension_choices="Kind\nLoud", comprehension_answer=1,
        )  # fmt: skip
        page.goto(self.url("/s/keys/"))
        self.tab_to(page.get_by_role("button", name="I agree to take part"))
        page.keyboard.press("Enter")
        self.answer_pmq_by_keyboard("Before you chat")  # 4 everywhere: the check asks for 4

        expect(page.get_by_role("group", name="What should you be?")).to_be_visible()
        self.assert_accessible()
        self.tab_to(page.get_by_role("radio", name="Kind"))  # into the group at its first
        page.keyboard.press("ArrowDown")  # and on to the wrong answer, which it chooses
        expect(page.get_by_role("radio", name="Loud")).to_be_checked()
        self.tab_to(page.get_by_role("button", name="Continue"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("alert")).to_be_focused()  # told at once, where they are
        expect(page.get_by_role("alert")).to_contain_text("1 try left")
        self.assert_accessible()
        self.tab_to(page.get_by_role("radio", name="Kind"))
        page.keyboard.press("Space")
        expect(page.get_by_role("radio", name="Kind")).to_be_checked()
        self.tab_to(page.get_by_role("button", name="Continue"))
        page.keyboard.press("Enter")

        expect(page.locator("#connection")).to_have_text("Connected.")
        log = page.get_by_role("log", name="Conversation")
        expect(log).to_have_attribute("aria-live", "polite")
        status = page.locator("#agent-status")
        expect(status).to_have_attribute("role", "status")
        expect(status).to_have_attribute("aria-live", "polite")
        box = page.get_by_label("Your message")
        self.tab_to(box)
        page.keyboard.type("Call yourself Nova")
        page.keyboard.press("Enter")
        expect(log).to_contain_text("Shall I go by Nova?")

        panel = page.get_by_role("complementary", name="Our shared picture")
        accept = panel.get_by_role("button", name="Accept")
        self.tab_to(accept)
        page.keyboard.press("Enter")
        expect(panel.get_by_role("status")).to_have_text("Accepted.")
        expect(panel.get_by_role("status")).to_be_focused()  # told where they are now
        expect(panel).to_contain_text("Nova")

        finish = page.get_by_role("button", name="Finish the chat")
        expect(finish).to_be_enabled()
        self.tab_to(finish)
        page.keyboard.press("Enter")
        self.answer_pmq_by_keyboard("After your chat")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
