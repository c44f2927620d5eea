"""Phones (390x844 and 360x640, touch): the chat comes first and the identity panel opens as
a drawer with a badge for the agent's waiting suggestions; nothing scrolls sideways, every
control is at least 44 px, the message box is in view, and axe-core finds nothing."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from chat.services import session_open
from dashboard.ratings import sample_draw
from questionnaires.services import administration_open, administration_submit
from tests.browser.base import BrowserTestCase
from tests.dashboard import rating_data

PHONES = {"390x844": (390, 844), "360x640": (360, 640)}

# Every control a thumb must hit (radio buttons are hit through their labels).
CONTROLS = """() => Array.from(document.querySelectorAll(
    'button, a.button, .site-footer a, input:not([type=radio]):not([type=hidden]), select,'
    + ' textarea, summary, label.sd-point'))
  .filter(el => el.offsetParent !== null && !el.closest('[inert]'))
  .map(el => { const r = el.getBoundingClientRect();
               return {what: el.outerHTML.slice(0, 80), width: r.width, height: r.height}; })
  .filter(c => c.width < 44 || c.height < 44)"""
SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"


class PhoneTestCase(BrowserTestCase):
    def on_phone(self, size: str):
        width, height = PHONES[size]
        self.context.close()
        self.context = self.browser.new_context(
            viewport={"width": width, "height": height}, is_mobile=True, has_touch=True
        )
        self.context.set_default_timeout(15_000)
        self.context.on("console", self._watch_console)
        self.page = self.context.new_page()
        return self.page

    def assert_fits(self, what: str):
        page = self.page
        assert page.evaluate(SIDEWAYS) <= 0, f"{what}: the page scrolls sideways"
        assert page.evaluate(CONTROLS) == [], f"{what}: controls smaller than 44 px"
        self.assert_accessible()


class PhoneTests(PhoneTestCase):
    def walk_the_journey(self, size: str):
        page = self.on_phone(size)
        self.published_study(
            "phone", {"visible": {"panel_visibility": "editable"}}, pmq_before=True,
            instructions_text="Chat about travel.", attention_checks="1 pre 2 4",
            comprehension_question="What is the chat about?",
            comprehension_choices="Travel\nCooking", comprehension_answer=1,
        )  # fmt: skip
        page.goto(self.url("/s/phone/"))
        self.assert_fits("consent")
        page.get_by_role("button", name="I agree to take part").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Before you chat")
        self.assert_fits("the PMQ")
        points = page.locator("fieldset.sd-item").first.locator("label.sd-point")
        tops = points.evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().top))")
        assert len(tops) == 7 and len(set(tops)) == 1, "a PMQ scale breaks over two lines"
        for group in page.get_by_role("group", name=re.compile(r"^Item \d+ of 19")).all():
            group.get_by_role("radio", name=re.compile(r"^4 of 7")).check()  # heeds the check
        page.get_by_role("button", name="Save and continue").tap()
        expect(page.get_by_role("group", name="What is the chat about?")).to_be_visible()
        self.assert_fits("the comprehension question")
        page.get_by_text("Travel", exact=True).tap()
        page.get_by_role("button", name="Continue").tap()
        expect(page.locator("#connection")).to_have_text("Connected.")

        # The chat first: its message box in view, the panel behind a button.
        box = page.get_by_label("Your message")
        bottom = box.bounding_box()["y"] + box.bounding_box()["height"]
        assert bottom <= PHONES[size][1], "the message box is below the first screen"
        panel = page.get_by_role("complementary", name="Our shared picture")
        toggle = page.get_by_role("button", name=re.compile("^Our shared picture"))
        expect(panel).to_be_hidden()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#proposal-badge")).to_be_hidden()
        self.assert_fits("the chat")

        box.fill("Call yourself Nova")
        box.press("Enter")
        expect(toggle).to_have_accessible_name("Our shared picture 1 suggestion waiting")
        box.focus()
        bottom = box.bounding_box()["y"] + box.bounding_box()["height"]
        assert bottom <= PHONES[size][1], "the focused message box is out of view"

        toggle.tap()
        expect(panel).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#panel-heading")).to_be_focused()
        self.assert_fits("the open drawer")
        panel.get_by_role("button", name="Accept").tap()
        expect(panel).to_contain_text("Nova")
        expect(page.locator("#proposal-badge")).to_be_hidden()
        page.get_by_role("button", name="Back to the chat").tap()
        expect(panel).to_be_hidden()
        expect(toggle).to_be_focused()
        expect(page.locator("#transcript")).to_contain_text("Call yourself Nova")
        page.get_by_role("button", name="Finish the chat").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for taking part")
        self.assert_fits("the debrief")

    def test_the_journey_on_a_390_by_844_phone(self):
        self.walk_the_journey("390x844")

    def test_the_journey_on_a_360_by_640_phone(self):
        self.walk_the_journey("360x640")

    def test_the_drawer_closes_with_escape_and_gives_way_on_a_wide_screen(self):
        page = self.on_phone("390x844")
        self.published_study("wide", {"visible": {"panel_visibility": "visible"}})
        page.goto(self.url("/s/wide/"))
        page.get_by_role("button", name="I agree to take part").tap()
        expect(page.locator("#connection")).to_have_text("Connected.")
        toggle = page.get_by_role("button", name=re.compile("^Our shared picture"))
        toggle.tap()
        page.keyboard.press("Escape")
        panel = page.get_by_role("complementary", name="Our shared picture")
        expect(panel).to_be_hidden()
        expect(toggle).to_be_focused()
        page.set_viewport_size({"width": 1200, "height": 800})  # the phone turned into a desk
        expect(panel).to_be_visible()
        expect(toggle).to_be_hidden()


class PhonePagesTests(PhoneTestCase):
    """The pages off the main path, at both phone sizes."""

    def walk_the_ends(self, size: str):
        page = self.on_phone(size)
        self.published_study(
            "ends", {"visible": {"panel_visibility": "visible"}}, sessions_per_participant=2,
            min_gap_hours=1, declined_code="NOCONSENT", withdrawn_code="LEFT",
            prolific_completion_url="https://app.prolific.com/submissions/complete?cc=OK",
        )  # fmt: skip
        page.goto(self.url("/s/nowhere/"))
        self.assert_fits("a study that does not exist")
        page.goto(self.url("/s/ends/"))
        page.get_by_role("button", name="I do not agree").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        expect(page.get_by_role("button", name="Stay on this page")).to_be_visible()
        self.assert_fits("declined, returning to Prolific")

        self.context.clear_cookies()
        page.goto(self.url("/s/ends/"))
        page.get_by_role("button", name="I agree to take part").tap()
        expect(page.locator("#connection")).to_have_text("Connected.")
        page.get_by_label("Your message").fill("Hello")
        page.get_by_label("Your message").press("Enter")
        page.get_by_role("button", name="Finish the chat").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: see you next time")
        self.assert_fits("waiting for the next session")
        page.get_by_role("link", name="Withdraw from the study").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw from the study")
        self.assert_fits("the withdrawal form")
        page.get_by_role("button", name="Withdraw from the study").tap()
        expect(page.get_by_role("heading", level=1)).to_contain_text("You have withdrawn")
        self.assert_fits("withdrawn, returning to Prolific")

    def test_the_other_pages_on_a_390_by_844_phone(self):
        self.walk_the_ends("390x844")

    def test_the_other_pages_on_a_360_by_640_phone(self):
        self.walk_the_ends("360x640")


class PhoneDashboardTests(PhoneTestCase):
    def test_the_researchers_pages_fit_a_phone(self):
        page = self.on_phone("360x640")
        session = session_open(participant=self.ana, number=1)
        for person in (self.ana, self.ben):  # results to show, in a table of many columns
            for timepoint in ("pre", "post"):
                a = administration_open(participant=person, session_number=1, timepoint=timepoint)
                answers = {code: ["4"] for code in a.item_order}
                administration_submit(administration_id=a.pk, submitted=answers)
        self.sign_in(page)
        for path in ["/dashboard/", "/dashboard/studies/pilot/", "/dashboard/studies/pilot/pmq/",
                     f"/dashboard/studies/pilot/sessions/{session.pk}/",
                     "/dashboard/studies/pilot/export/",
                     "/dashboard/studies/pilot/plan/"]:  # fmt: skip
            page.goto(self.url(path))
            assert page.evaluate(SIDEWAYS) <= 0, f"{path}: the page scrolls sideways"
            self.assert_accessible()

    def test_rating_a_reply_fits_a_phone(self):
        page = self.on_phone("360x640")
        rating_data.build(self, people=2)
        sample = sample_draw(study=self.pilot, pilot=None, size=3, seed=1)
        self.sign_in(page)
        base = f"/dashboard/studies/pilot/ratings/{sample.pk}"
        page.goto(self.url(f"{base}/rate/"))
        self.assert_fits("a reply to rate")
        page.get_by_role("button", name="No, not consistent").tap()
        expect(page.get_by_role("status")).to_contain_text("for reply 1.")
        self.assert_fits("the next reply, with the answer saved")
        for path in (f"{base}/", "/dashboard/studies/pilot/ratings/"):
            page.goto(self.url(path))
            self.assert_fits(path)
