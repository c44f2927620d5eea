"""A participant completes the pilot study in a real browser, losing nothing on a reload."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from chat.agent.persona import greeting
from chat.identity import seed_state
from chat.models import Message
from questionnaires.models import Administration
from studies.models import Participant
from tests.browser.base import BrowserTestCase

PROLIFIC = "https://app.prolific.com/submissions/complete?cc=PILOT-OK"


class ParticipantJourneyTests(BrowserTestCase):
    def answer_pmq(self, page, heading: str, skip_one_first: bool = False):
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        items = page.get_by_role("group", name=re.compile(r"^Item \d+ of 18"))
        expect(items).to_have_count(18)
        # The first item by keyboard alone: focus a point, move with the arrow keys.
        items.nth(0).get_by_role("radio").first.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        expect(items.nth(0).get_by_role("radio").nth(2)).to_be_checked()
        start = 2 if skip_one_first else 1
        for n in range(start, 18):
            items.nth(n).get_by_role("radio", name=re.compile(r"^5 of 7")).check()
        if skip_one_first:
            page.get_by_role("button", name="Save and continue").click()
            alert = page.get_by_role("alert")
            expect(alert).to_contain_text("Please answer 1 more item")
            expect(alert).to_be_focused()
            items.nth(1).get_by_role("radio", name=re.compile(r"^6 of 7")).check()
        page.get_by_role("button", name="Save and continue").click()

    def send(self, page, text: str):
        box = page.get_by_label("Your message")
        box.fill(text)
        box.press("Enter")

    def test_the_whole_journey_with_a_reload_mid_chat(self):
        self.pilot.prolific_completion_url = PROLIFIC
        self.pilot.save()
        page = self.page
        page.route(
            "https://app.prolific.com/**",
            lambda route: route.fulfill(
                body="<title>Prolific</title><h1>Submission complete</h1>", content_type="text/html"
            ),
        )

        # Frames to the server pass through here, so the test can drop them like a bad network.
        dropping = {"on": False}

        def relay(ws):
            server = ws.connect_to_server()

            def to_server(message):
                frame = json.loads(message)
                if not (dropping["on"] and frame.get("type") == "message"):
                    server.send(message)

            ws.on_message(to_server)

        page.route_web_socket(re.compile(r".*/ws/chat/.*"), relay)

        page.goto(self.url("/s/pilot/?PROLIFIC_PID=BROWSER-1&STUDY_ID=S&SESSION_ID=X"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Information and consent")
        expect(page.locator(".prose strong")).to_have_text("read")
        page.get_by_role("button", name="I agree to take part").click()

        self.answer_pmq(page, "Before you chat", skip_one_first=True)

        expect(page.get_by_role("heading", level=1)).to_have_text("Chat")
        log = page.get_by_role("log")
        expect(page.locator("#connection")).to_have_text("Connected.")
        person = Participant.objects.get(external_id="BROWSER-1")
        agent = person.condition.seed_persona["name"]
        expect(log).to_contain_text(greeting(seed_state(person.condition.seed_persona)))
        expect(page.get_by_role("button", name="Finish the chat")).to_be_disabled()

        self.send(page, "Who are you?")
        expect(log.locator(".msg-agent")).to_have_count(2)
        expect(log.locator(".msg-agent").nth(1)).to_contain_text(f"I'm {agent}")

        # The connection silently loses the next message; the page keeps it and is reloaded.
        dropping["on"] = True
        self.send(page, "Kept across the reload")
        expect(log.locator(".msg.pending")).to_have_count(1)
        page.wait_for_timeout(500)
        assert not Message.objects.filter(text="Kept across the reload").exists()
        dropping["on"] = False
        page.reload()

        expect(page.locator("#connection")).to_have_text("Connected.")
        expect(log.locator(".msg-participant", has_text="Kept across the reload")).to_have_count(1)
        expect(log.locator(".msg.pending")).to_have_count(0)
        expect(log.locator(".msg-agent")).to_have_count(3)
        assert Message.objects.filter(text="Kept across the reload").count() == 1

        # A plain reload after that shows everything once, in order.
        page.reload()
        expect(log.locator(".msg")).to_have_count(5)
        turns = [
            int(t) for t in log.locator(".msg").evaluate_all("els => els.map(e => e.dataset.turn)")
        ]
        assert turns == [1, 2, 3, 4, 5]

        finish = page.get_by_role("button", name="Finish the chat")
        expect(finish).to_be_enabled()
        finish.click()

        self.answer_pmq(page, "After your chat")
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for taking part")
        expect(page.locator("#completion-code")).to_have_text("PILOT-OK")
        page.get_by_role("button", name="Stay on this page").click()
        page.get_by_role("link", name=re.compile("Return to Prolific")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Submission complete")
        assert page.url == PROLIFIC

        person.refresh_from_db()
        assert person.completed_at is not None
        submitted = Administration.objects.filter(participant=person, submitted_at__isnull=False)
        assert sorted(submitted.values_list("timepoint", flat=True)) == ["post", "pre"]
        assert Message.objects.filter(session__participant=person).count() == 5

    def test_declining_consent_ends_politely(self):
        page = self.page
        page.goto(self.url("/s/pilot/?PROLIFIC_PID=NOPE"))
        page.get_by_role("button", name="I do not agree").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        expect(page.get_by_role("main")).to_contain_text("You chose not to take part")
        assert Participant.objects.filter(declined_at__isnull=False, external_id=None).count() == 1


class ServerErrorTests(BrowserTestCase):
    def test_a_message_the_server_failed_to_store_is_sent_again_and_stored_once(self):
        self.published_study("retry", {"retry": {"panel_visibility": "visible"}})
        page, failures = self.page, {"left": 1}

        def relay(ws):  # the server's answer to the first message: it could not store it
            server = ws.connect_to_server()

            def to_server(message):
                frame = json.loads(message)
                if frame.get("type") == "message" and failures["left"]:
                    failures["left"] -= 1
                    error = {"type": "error", "code": "server_error", "message": "Oops.",
                             "client_id": frame["client_id"]}  # fmt: skip
                    ws.send(json.dumps(error))
                    return
                server.send(message)

            ws.on_message(to_server)

        page.route_web_socket(re.compile(r".*/ws/chat/.*"), relay)
        page.goto(self.url("/s/retry/?PROLIFIC_PID=RETRY-1"))
        page.get_by_role("button", name="I agree to take part").click()
        expect(page.locator("#connection")).to_have_text("Connected.")
        box = page.get_by_label("Your message")
        box.fill("Are you there?")
        box.press("Enter")
        expect(page.locator("#chat-status")).to_contain_text("kept and will be sent again")
        log = page.get_by_role("log")
        expect(log.locator(".msg.pending")).to_have_count(0)  # sent again, and acknowledged
        expect(log.locator(".msg-agent")).to_have_count(2)
        assert failures["left"] == 0
        assert Message.objects.filter(text="Are you there?").count() == 1
