"""axe-core finds no WCAG 2.1 A or AA violation on any participant or dashboard page, each
shown in the states people meet it in (errors, proposals waiting, charts with data)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from chat.services import agent_turn_run, message_post, session_finish, session_open
from dashboard.ratings import rating_add, sample_draw
from studies.models import Participant, Preregistration, Study
from studies.services import designing
from tests.browser.base import BrowserTestCase


class ParticipantPagesTests(BrowserTestCase):
    def visit(self, path: str, heading: str | None = None):
        self.page.goto(self.url(path))
        if heading:
            expect(self.page.get_by_role("heading", level=1)).to_contain_text(heading)
        self.assert_accessible()

    def answer_all(self, value: str = "5"):
        for group in self.page.get_by_role("group", name=re.compile(r"^Item \d+ of 18")).all():
            group.get_by_role("radio", name=re.compile(rf"^{value} of 7")).check()
        self.page.get_by_role("button", name="Save and continue").click()

    def test_the_journey_pages_from_consent_to_debrief(self):
        page = self.page
        self.visit("/", None)
        self.visit("/s/pilot/?PROLIFIC_PID=AXE-1", "Information and consent")
        page.get_by_role("button", name="I agree to take part").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Before you chat")
        self.assert_accessible()
        page.get_by_role("button", name="Save and continue").click()  # nothing answered
        expect(page.get_by_role("alert")).to_contain_text("Please answer 18 more items")
        self.assert_accessible()
        self.answer_all()
        expect(page.locator("#connection")).to_have_text("Connected.")
        person = Participant.objects.get(external_id="AXE-1")
        panel = page.get_by_role("complementary", name="Our shared picture")
        if person.condition.panel_visibility != "hidden":
            box = page.get_by_label("Your message")
            box.fill("Call yourself Nova")
            box.press("Enter")
            expect(panel).to_contain_text("suggests")  # a proposal waiting, with its buttons
        self.assert_accessible()
        session = person.chat_sessions.get()
        for n in range(2):
            message_post(session_id=session.pk, client_id=f"x{n}", text="hello")
        page.reload()
        expect(page.get_by_role("button", name="Finish the chat")).to_be_enabled()
        self.assert_accessible()
        page.get_by_role("button", name="Finish the chat").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("After your chat")
        self.answer_all("3")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
        self.assert_accessible()

    def test_the_hidden_panel_chat_and_the_pages_off_the_main_path(self):
        page = self.page
        self.answer_pmq(self.ben)
        cookie = self.browser_of(self.ben).cookies["sessionid"].value
        self.context.add_cookies([{"name": "sessionid", "value": cookie, "url": self.url("/")}])
        self.visit("/s/pilot/session/1/chat/", "Chat")
        self.visit("/s/pilot/withdraw/", "Withdraw")
        page.get_by_role("button", name=re.compile("Withdraw")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("withdrawn")
        self.assert_accessible()
        other = self.browser.new_context()
        self.page = other.new_page()
        self.visit("/s/pilot/?PROLIFIC_PID=AXE-2", "Information and consent")
        self.page.get_by_role("button", name="I do not agree").click()
        expect(self.page.get_by_role("heading", level=1)).to_be_visible()
        self.assert_accessible()
        self.visit("/s/no-such-study/", "We could not find this study")
        self.visit("/no/such/page/", "Not found")
        Study.objects.create(title="Soon", slug="soon", consent_text="-", debrief_text="-")
        self.visit("/s/soon/", "has not started yet")
        other.close()

    def test_the_wait_page_between_sessions(self):
        self.published_study(
            "twice",
            {"c": {"panel_visibility": "visible", "agent_writes": "off"}},
            sessions_per_participant=2,
            min_gap_hours=24,
        )
        self.page.goto(self.url("/s/twice/?PROLIFIC_PID=AXE-3"))
        self.page.get_by_role("button", name="I agree to take part").click()
        person = Participant.objects.get(external_id="AXE-3")
        session = session_open(participant=person, number=1)
        message_post(session_id=session.pk, client_id="w", text="hi")
        session_finish(session_id=session.pk)
        self.visit("/s/twice/", "see you next time")
        expect(self.page.get_by_role("main")).to_contain_text("Session 2 opens on")


class DashboardPagesTests(BrowserTestCase):
    def sign_in_checked(self):
        self.page.goto(self.url("/accounts/login/"))
        self.assert_accessible()  # the sign-in page
        self.sign_in()
        expect(self.page.get_by_role("heading", level=1)).to_be_visible()

    def visit(self, path: str):
        response = self.page.goto(self.url(path))
        assert response.status in (200, 400), (path, response.status)
        self.assert_accessible()

    def test_every_dashboard_page_with_data_in_it(self):
        self.answer_pmq(self.ana)
        session = session_open(participant=self.ana, number=1)
        posted = message_post(session_id=session.pk, client_id="d1", text="Call yourself Nova")
        agent_turn_run(message_id=posted.message.pk)
        for n in range(2):
            message_post(session_id=session.pk, client_id=f"d{n + 2}", text="more")
        session_finish(session_id=session.pk)
        self.answer_pmq(self.ana, "post", raw="6")
        extra = Participant.objects.create(study=self.pilot, condition=self.editable)
        self.answer_pmq(extra, raw="2")
        self.answer_pmq(extra, "post", raw="3")
        live = session_open(participant=self.ben, number=1)
        self.sign_in_checked()
        base = "/dashboard/studies/pilot"
        for path in (
            "/dashboard/",
            f"{base}/",
            f"{base}/pmq/",
            f"{base}/analytics/",
            f"{base}/export/",
            f"{base}/sessions/{session.pk}/",
            f"{base}/sessions/{live.pk}/live/",
            f"{base}/edit/",
            f"{base}/conditions/editable/",
            f"{base}/conditions/new/",
            "/dashboard/studies/new/",
            f"{base}/plan/",
            f"{base}/ratings/",
        ):
            self.visit(path)
        sample = sample_draw(study=self.pilot, pilot=None, size=1, seed=1)
        for path in ("", "rate/?item=1"):
            self.visit(f"{base}/ratings/{sample.pk}/{path}")  # not rated yet
        rating_add(sample=sample, position=1, rater=self.rita, answer="no")
        for path in ("", "rate/", "rate/?item=1", "rate/?item=9"):  # 9: a 400
            self.visit(f"{base}/ratings/{sample.pk}/{path}")
        self.page.goto(self.url(f"{base}/ratings/"))
        self.page.get_by_label("Replies in the sample").fill("0")
        self.page.get_by_role("button", name="Draw the sample").click()
        expect(self.page.get_by_role("alert").first).to_be_visible()  # a form with errors
        self.assert_accessible()
        plan = Preregistration.objects.create(
            study=self.pilot, hypotheses="H1.", primary_outcome="pmq_change:HLC",
            condition_a="hidden", condition_b="editable", planned_n=30, effect_size=0.5, sd=1,
        )  # fmt: skip
        self.visit(f"{base}/plan/")  # written: its power calculation, the lock
        self.visit(f"{base}/pmq/")  # led by the planned contrast (a draft plan)
        designing.plan_lock(study=self.pilot, user=self.rita)
        self.pilot.refresh_from_db()
        self.pilot.title = "Pilot, renamed"
        self.pilot.save()
        designing.design_version_record(study=self.pilot, user=self.rita, why="A typo.")
        assert plan.deviations.count() == 1
        self.visit(f"{base}/plan/")  # locked, with its deviation
        self.visit(f"{base}/pmq/")
        self.page.goto(self.url(f"{base}/sessions/{session.pk}/"))
        expect(self.page.get_by_text("Each agent reply's scores")).to_be_visible()  # scored
        self.page.goto(self.url(f"{base}/analytics/"))
        self.page.get_by_label("LLM judge model").fill("judge-1")  # without an endpoint
        self.page.get_by_role("button", name="Save judge settings").click()
        expect(self.page.get_by_role("alert").first).to_be_visible()
        self.assert_accessible()
        self.page.goto(self.url("/dashboard/studies/new/"))
        blank = self.page.get_by_role("region", name="From scratch")
        for label, value in (("Title", "Again"), ("Slug", "pilot"), ("Consent text", "ok")):
            blank.get_by_label(label, exact=True).fill(value)
        blank.get_by_label("Debrief text").fill("bye")
        blank.get_by_role("button", name="Save").click()  # slug taken
        expect(self.page.get_by_role("alert")).to_be_visible()  # a form with errors
        self.assert_accessible()
        copy = self.page.get_by_role("region", name=re.compile("From a template"))
        copy.get_by_label("Title").fill("Again")
        copy.get_by_label("Slug").fill("pilot")  # taken too
        copy.get_by_role("button", name="Create the draft").click()
        expect(self.page.get_by_role("alert")).to_contain_text("Please correct the 1 problem")
        self.assert_accessible()
        self.page.goto(self.url(f"{base}/live/"))  # the live overview, with a session in it
        expect(self.page.locator("#overview-rows tr")).to_have_count(1)
        self.assert_accessible()
        self.page.goto(self.url(f"{base}/"))
        self.page.get_by_label(re.compile("Withdraw a participant")).fill(extra.code)
        self.page.get_by_role("button", name="Withdraw", exact=True).click()
        expect(self.page.get_by_role("main")).to_contain_text("W-")
        self.assert_accessible()

    def test_a_pilots_drift_measures_against_its_planted_drift(self):
        from tests.dashboard.export_data import simulated

        sim = simulated(self, drift=0.5, texts=["Hello", "Who are you?", "What do you value?"])
        self.sign_in()
        self.visit(f"/dashboard/studies/pilot/analytics/?pilot={sim.pilot_id}")
        section = self.page.get_by_role("region", name="Drift measures against planted drift")
        expect(section.first).to_contain_text("Sensitivity")


class SignInPagesTests(BrowserTestCase):
    def test_the_sign_in_page_its_error_and_the_pause_after_too_many(self):
        page = self.page
        self.sign_in(password="wrong")
        expect(page.get_by_role("alert")).to_contain_text("did not match")
        self.assert_accessible()
        for _ in range(5):
            self.sign_in(password="wrong")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in paused")
        self.assert_accessible()
