"""A researcher follows a participant: funnel, live session, review, PMQ chart."""

from __future__ import annotations

import re
import zipfile

from playwright.sync_api import expect

from studies.models import Participant
from tests.browser.base import BrowserTestCase


class ResearcherTests(BrowserTestCase):
    def participant_chats(self, page):
        page.goto(self.url("/s/pilot/?PROLIFIC_PID=WATCHED"))
        page.get_by_role("button", name="I agree to take part").click()
        for group in page.get_by_role("group", name=re.compile(r"^Item \d+ of 18")).all():
            group.get_by_role("radio", name=re.compile(r"^5 of 7")).check()
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator("#connection")).to_have_text("Connected.")

    def test_a_researcher_watches_a_session_live_then_reviews_it_and_the_results(self):
        researcher = self.page
        self.sign_in()
        researcher.get_by_role("link", name="Pilot").click()
        expect(
            researcher.get_by_role("table", name="Participants per condition at each step")
        ).to_be_visible()

        participant = self.context.browser.new_context().new_page()
        self.participant_chats(participant)
        code = Participant.objects.get(external_id="WATCHED").code
        researcher.reload()
        expect(researcher.get_by_text("Entered: 3")).to_be_visible()
        researcher.get_by_role("link", name=code).click()
        expect(researcher.locator("#connection")).to_have_text("Live.")

        box = participant.get_by_label("Your message")
        box.fill("Who are you?")
        box.press("Enter")
        transcript = researcher.locator("#transcript")
        expect(transcript).to_contain_text("participant: Who are you?")
        expect(transcript.locator(".msg-agent")).to_have_count(2)

        researcher.get_by_label("Send a note to the participant").fill("Thanks, going well!")
        researcher.get_by_role("button", name="Send note").click()
        expect(participant.get_by_role("log")).to_contain_text(
            "Note from the researchers: Thanks, going well!"
        )

        box.fill("Nice to meet you")
        box.press("Enter")
        expect(transcript.locator(".msg-agent")).to_have_count(3)
        participant.get_by_role("button", name="Finish the chat").click()
        for group in participant.get_by_role("group", name=re.compile(r"^Item \d+ of 18")).all():
            group.get_by_role("radio", name=re.compile(r"^6 of 7")).check()
        participant.get_by_role("button", name="Save and continue").click()
        expect(participant.get_by_role("heading", level=1)).to_have_text(
            "Thank you for taking part"
        )

        researcher.get_by_role("link", name="full review").click()
        expect(researcher.get_by_role("heading", name="Transcript and revisions")).to_be_visible()
        expect(researcher.locator("ol.timeline").get_by_text("Who are you?")).to_be_visible()
        # Scored in the background once finished: the reply's scores and the probes, which
        # the participant never saw.
        scores = researcher.get_by_role("table", name="Each agent reply's scores")
        for _ in range(60):  # the page says "not scored yet" until then: reload, as one would
            if scores.count():
                break
            researcher.wait_for_timeout(250)
            researcher.reload()
        expect(scores).to_be_visible()
        researcher.get_by_text(re.compile(r"Q&A probes \(7\)")).click()
        expect(researcher.get_by_role("row", name=re.compile("What is your name?"))).to_be_visible()
        expect(participant.get_by_role("main")).not_to_contain_text("What is your name?")
        researcher.get_by_role("link", name="PMQ results").click()
        expect(researcher.get_by_role("img", name=re.compile("PMQ factor means"))).to_be_visible()
        table = researcher.get_by_role("table", name="PMQ factor scores by condition and session")
        expect(table.get_by_role("row")).to_have_count(4)  # header + CCD, HLC, CF

        researcher.get_by_role("link", name="Export").click()
        with researcher.expect_download() as download:
            researcher.get_by_role("link", name="Download everything (ZIP)").click()
        assert re.fullmatch(r"dyad-pilot-\d{8}T\d{6}Z\.zip", download.value.suggested_filename)
        archive = zipfile.ZipFile(download.value.path())
        assert "Who are you?" in archive.read("messages.csv").decode()
        assert code in archive.read("participants.csv").decode()
        assert b"WATCHED" not in b"".join(archive.read(n) for n in archive.namelist())


class StudyDesignBrowserTests(BrowserTestCase):
    def fill_condition(self, page, name: str, panel: str, agent_writes: str):
        page.get_by_role("link", name="Add a condition").click()
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Panel visibility").select_option(panel)
        page.get_by_label("Agent writes").select_option(agent_writes)
        page.get_by_label("Agent name").fill("Ada")
        page.get_by_label("Agent role").fill("a travel planner")
        page.get_by_role("button", name="Save").click()

    def test_a_researcher_designs_publishes_and_follows_a_study(self):
        page = self.page
        self.sign_in()
        page.get_by_role("link", name="Create a new study").click()
        blank = page.get_by_role("region", name="From scratch")  # not from a template
        blank.get_by_label("Title").fill("Holiday agent")
        blank.get_by_label("Slug").fill("holiday")
        blank.get_by_label("Consent text").fill("Do you agree?")
        blank.get_by_label("Debrief text").fill("Thanks!")
        blank.get_by_label("Min participant turns").fill("1")
        blank.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Holiday agent")

        # A mistake is explained and nothing is saved; then two good conditions.
        page.get_by_role("link", name="Add a condition").click()
        page.get_by_label("Name", exact=True).fill("broken")
        page.get_by_label("Agent name").fill("Ada")
        page.get_by_label("Agent role").fill("a planner")
        page.get_by_label("Panel visibility").select_option("hidden")
        page.get_by_label("Agent writes").select_option("propose")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("alert")).to_contain_text("Please correct")
        expect(page.get_by_text("cannot accept proposals in a hidden panel")).to_be_visible()
        page.get_by_role("link", name="Holiday agent").click()
        self.fill_condition(page, "shared", "editable", "propose")
        self.fill_condition(page, "hidden", "hidden", "silent")
        page.get_by_role("button", name="Publish (freezes the design)").click()
        expect(page.get_by_text("Version 1:")).to_be_visible()

        participant = self.browser.new_context().new_page()
        participant.goto(self.url("/s/holiday/?PROLIFIC_PID=HOL-1"))
        participant.get_by_role("button", name="I agree to take part").click()
        items = re.compile(r"^Item \d+ of 18")
        for group in participant.get_by_role("group", name=items).all():
            group.get_by_role("radio", name=re.compile(r"^3 of 7")).check()
        participant.get_by_role("button", name="Save and continue").click()
        box = participant.get_by_label("Your message")
        expect(participant.locator("#connection")).to_have_text("Connected.")
        box.fill("Hello Ada")
        box.press("Enter")
        expect(participant.get_by_role("log").locator(".msg-agent")).to_have_count(2)
        participant.get_by_role("button", name="Finish the chat").click()
        for group in participant.get_by_role("group", name=items).all():
            group.get_by_role("radio", name=re.compile(r"^6 of 7")).check()
        participant.get_by_role("button", name="Save and continue").click()
        expect(participant.get_by_role("heading", level=1)).to_have_text(
            "Thank you for taking part"
        )

        page.reload()
        funnel = page.get_by_role("table", name="Participants per condition at each step")
        expect(funnel.get_by_role("row").filter(has_text="1")).to_have_count(1)
        page.get_by_role("link", name=re.compile(r"session 1")).click()
        expect(page.get_by_text("Hello Ada")).to_be_visible()
        page.get_by_role("link", name="PMQ results").click()
        expect(page.get_by_role("img", name=re.compile("PMQ factor means"))).to_be_visible()
