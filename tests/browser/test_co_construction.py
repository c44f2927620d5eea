"""Participant and agent build the identity together, and it carries into a second session."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from chat.models import Revision
from studies.models import Study
from tests.browser.base import BrowserTestCase


class CoConstructionTests(BrowserTestCase):
    def make_study(self, memory: str) -> Study:
        settings = {"panel_visibility": "editable", "agent_writes": "propose", "memory": memory}
        return self.published_study("duo", {memory: settings}, sessions_per_participant=2)

    def send(self, text: str):
        box = self.page.get_by_label("Your message")
        box.fill(text)
        box.press("Enter")

    def agent_says(self, n: int):
        return self.page.get_by_role("log").locator(".msg-agent").nth(n)

    def first_session(self):
        page = self.page
        page.goto(self.url("/s/duo/?PROLIFIC_PID=DUO-1"))
        page.get_by_role("button", name="I agree to take part").click()
        panel = page.get_by_role("complementary", name="Our shared picture")
        expect(page.locator("#connection")).to_have_text("Connected.")

        # The participant edits the persona, by keyboard alone.
        page.get_by_text("Edit Way of talking").focus()
        page.keyboard.press("Enter")
        box = page.get_by_label("Way of talking: new value")
        box.focus()
        box.fill("playful")
        box.press("Enter")
        expect(panel.get_by_role("status")).to_have_text("Saved.")
        expect(panel.get_by_role("status")).to_be_focused()
        expect(panel).to_contain_text("playful")
        log = page.get_by_role("log")
        expect(log).to_contain_text("You changed the agent's way of talking: casual → playful.")

        # The agent's next reply takes it on board.
        self.send("hello")
        expect(self.agent_says(1)).to_contain_text("You've made me more playful: noted.")

        # The agent proposes two changes; the participant accepts one and rejects the other.
        self.send("Call yourself Nova")
        expect(self.agent_says(2)).to_contain_text("Shall I go by Nova?")
        self.send("I'm Alex")
        expect(self.agent_says(3)).to_contain_text("Shall I call you Alex?")
        suggestions = panel.get_by_role("region", name="Mira suggests")
        expect(suggestions.get_by_role("listitem")).to_have_count(2)
        nova = suggestions.get_by_role("listitem").filter(has_text="Nova")
        nova.get_by_role("button", name="Accept").click()
        expect(panel.get_by_role("status")).to_have_text("Accepted.")
        alex = panel.get_by_role("listitem").filter(has_text="Alex")
        alex.get_by_role("button", name="Reject").click()
        expect(panel.get_by_role("status")).to_have_text("Rejected.")
        expect(panel.get_by_role("region", name=re.compile("suggests"))).to_have_count(0)
        expect(log).to_contain_text(
            "You accepted Mira's suggestion: the agent's name: Mira → Nova."
        )
        expect(log).to_contain_text("You turned down Nova's suggestion")

        self.send("so what now?")
        expect(self.agent_says(4)).to_contain_text("Thanks for accepting")
        expect(self.agent_says(4)).to_contain_text("Fair enough")
        page.get_by_role("button", name="Finish the chat").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Chat (session 2 of 2)")
        return panel

    def test_the_identity_is_built_together_and_carried_into_the_next_session(self):
        self.make_study("carry")
        panel = self.first_session()
        expect(self.agent_says(0)).to_contain_text("Welcome back. Nova here")
        expect(panel.locator("dd").first).to_contain_text("Nova")
        expect(panel).to_contain_text("playful")
        statuses = sorted(
            Revision.objects.exclude(status="applied").values_list("status", flat=True)
        )
        assert statuses == ["accepted", "proposed", "proposed", "rejected"]

    def test_a_reset_condition_starts_the_next_session_from_the_seed(self):
        self.make_study("reset")
        panel = self.first_session()
        expect(self.agent_says(0)).to_contain_text("Welcome back. Mira here")
        expect(panel.locator("dd").first).to_contain_text("Mira")
        expect(panel).not_to_contain_text("playful")
