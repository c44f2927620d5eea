"""The researcher's cockpit in a browser: readable identities and their diff, every live
session at once, and a Wizard-of-Oz session driven by a participant and a wizard."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect

from chat.models import ChatSession, Message
from chat.services import identity_edit, session_open
from dashboard.exports import files
from studies.models import Condition
from tests.browser.base import BrowserTestCase

BACKSTORY = "Mira grew up in a harbour town where the ferries ran late into the night. " * 4


class CockpitTests(BrowserTestCase):
    def enter(self, slug: str):
        """A new participant (a browser context of their own) in the study's chat."""
        context = self.browser.new_context()
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(self.url(f"/s/{slug}/"))
        page.get_by_role("button", name="I agree to take part").click()
        expect(page.locator("#connection")).to_have_text("Connected.")
        return page

    def say(self, page, text: str) -> None:
        page.get_by_label("Your message").fill(text)
        page.get_by_label("Your message").press("Enter")

    def test_the_identity_reads_as_the_panel_does_with_changes_marked_and_a_diff(self):
        session = session_open(participant=self.ana, number=1)
        identity_edit(session_id=session.pk, target="persona.backstory", value=BACKSTORY)
        identity_edit(session_id=session.pk, target="persona.name", value="Nova")
        self.sign_in()
        for size in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
            self.page.set_viewport_size(size)
            self.page.goto(self.url(f"/dashboard/studies/pilot/sessions/{session.pk}/"))
            name = self.page.locator(".identity-fields .field", has_text="Name").first
            expect(name).to_contain_text("Nova")
            expect(name).to_contain_text("changed")
            expect(name).to_contain_text("was: Mira")
            story = self.page.locator(".identity-fields dd", has_text="ferries")
            expect(story).to_contain_text(BACKSTORY.strip()[-40:])  # all of it, to the end
            fits = story.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
            assert fits, "the backstory is cut off at the panel's edge"
            wide = self.page.evaluate("document.documentElement.scrollWidth")
            assert wide <= size["width"], (size, wide)
        self.page.get_by_label("From version").select_option("1")
        self.page.get_by_label("to version").select_option("3")
        self.page.get_by_role("button", name="Compare").click()
        diff = self.page.get_by_role("table", name="From version 1 to version 3")
        expect(diff.get_by_role("row", name=re.compile("Name"))).to_contain_text("Mira")
        expect(diff.get_by_role("row", name=re.compile("Name"))).to_contain_text("Nova")
        self.page.get_by_text("As JSON").click()
        expect(self.page.locator(".readable-identity pre")).to_contain_text('"name": "Nova"')
        self.assert_accessible()

    def test_the_live_overview_follows_several_participants_and_pauses_from_a_row(self):
        study = self.published_study("crowd", {"open": {"panel_visibility": "editable"}})
        study.owners.add(self.rita)
        self.sign_in()
        self.page.goto(self.url("/dashboard/studies/crowd/live/"))
        expect(self.page.locator("#overview-connection")).to_have_text("Live.")
        people = [self.enter("crowd") for _ in range(3)]
        rows = self.page.locator("#overview-rows tr")
        expect(rows).to_have_count(3, timeout=15_000)  # each appeared as their session started
        self.say(people[1], "Boats are on my mind today")
        expect(people[1].get_by_role("log")).to_contain_text("Oh,")  # stored and answered
        second = ChatSession.objects.get(messages__text="Boats are on my mind today")
        row = self.page.locator(f'tr[data-session="{second.pk}"]')
        expect(row).to_contain_text("1 (min 1)")  # one message sent
        expect(row).to_contain_text('agent: Oh, "Boats are on my mind today"')  # and answered
        self.assert_accessible()
        row.get_by_role("button", name=re.compile("Pause the agent")).click()
        expect(self.page.locator(f'tr[data-session="{second.pk}"]')).to_contain_text("paused")
        expect(self.page.get_by_role("heading", name="Sessions in progress")).to_be_visible()
        for page in people:
            page.context.close()

    def test_a_wizard_answers_one_message_and_the_agent_stands_in_for_the_next(self):
        study = self.published_study(
            "oz", {"wizard": {"agent_backend": "wizard", "wizard_drafts": True}}
        )
        Condition.objects.filter(study=study).update(wizard_timeout_seconds=6)
        participant = self.enter("oz")
        session = ChatSession.objects.get(participant__study=study)
        study.owners.add(self.rita)
        self.sign_in()
        wizard = self.page
        wizard.goto(self.url(f"/dashboard/studies/oz/sessions/{session.pk}/live/"))
        expect(wizard.locator("#connection")).to_have_text("Live.")
        expect(wizard.locator("#wizard-idle")).to_be_visible()

        self.say(participant, "Who are you?")
        expect(participant.locator("#agent-status")).to_contain_text("is typing")
        reply = wizard.get_by_label(re.compile("Reply"))
        expect(reply).to_have_value(re.compile("I'm Mira"))  # the agent's draft
        expect(wizard.locator(".waiting-message")).to_have_text("Who are you?")
        self.assert_accessible(wizard)
        reply.fill("I'm Mira. A person may be typing this, but you'd never know.")
        wizard.get_by_role("button", name="Send as the agent").click()
        expect(participant.get_by_role("log")).to_contain_text("you'd never know")
        said = participant.get_by_role("log").get_by_text(re.compile("I'm Mira, a travel"))
        expect(said).to_have_count(1)  # the greeting: the draft itself never reached them

        self.say(participant, "Are you still there?")  # the wizard looks away
        expect(wizard.locator(".waiting-message")).to_have_text("Are you still there?")
        log = participant.get_by_role("log")
        expect(log).to_contain_text("values curiosity", timeout=20_000)  # the agent, instead
        expect(wizard.locator("#wizard-idle")).to_be_visible()

        replies = Message.objects.filter(session=session, sender="agent").exclude(reply_to=None)
        assert [(m.authored, m.wizard_id) for m in replies.order_by("turn")] == [
            ("edited", self.rita.pk),
            ("fallback", None),
        ]
        exported = b"".join(files.file_download(study.pk, "messages.csv")).decode()
        rows = [r for r in csv.DictReader(io.StringIO(exported)) if r["sender"] == "agent"]
        assert [(r["authored"], r["wizard"]) for r in rows] == [
            ("greeting", ""),
            ("edited", "rita"),
            ("fallback", ""),
        ]
        assert rows[1]["wizard_draft"].startswith("I'm Mira")
        participant.context.close()
