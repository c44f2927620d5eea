"""A participant talks to an OpenAI-compatible agent (the local fake endpoint)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from chat.models import Message
from tests.browser.base import BrowserTestCase
from tests.fake_openai import FakeLLMMixin


class LLMAgentTests(FakeLLMMixin, BrowserTestCase):
    def setUp(self):
        super().setUp()
        study = self.published_study("llm", {"llm": {"panel_visibility": "visible"}})
        self.use_llm(study.conditions.get(), self.fake.base_url)
        self.page.goto(self.url("/s/llm/?PROLIFIC_PID=LLM-1"))
        self.page.get_by_role("button", name="I agree to take part").click()
        expect(self.page.locator("#connection")).to_have_text("Connected.")

    def send(self, text: str):
        box = self.page.get_by_label("Your message")
        box.fill(text)
        box.press("Enter")

    def test_the_reply_streams_in_with_a_typing_indicator_and_lands_once(self):
        story = " ".join(f"word{n}" for n in range(40))
        self.fake.script({"text": story, "delay": 0.05})
        self.send("Tell me a story")
        status = self.page.locator("#agent-status")
        expect(status).to_have_text("Mira is typing…")
        draft = self.page.locator(".msg.draft")
        expect(draft).to_contain_text("word3")
        expect(draft).to_have_attribute("aria-hidden", "true")
        log = self.page.get_by_role("log")
        expect(log.locator(".msg-agent:not(.draft)").nth(1)).to_have_text(f"Mira: {story}")
        expect(draft).to_have_count(0)
        expect(status).to_have_text("")
        assert Message.objects.filter(sender="agent", text=story).count() == 1

    def test_a_failed_reply_offers_try_again_and_then_arrives(self):
        self.fake.script({"status": 401}, {"text": "Sorry, here I am."})
        self.send("Hello?")
        status = self.page.locator("#agent-status")
        expect(status).to_contain_text("could not reply just now")
        status.get_by_role("button", name="Try again").click()
        log = self.page.get_by_role("log")
        expect(log).to_contain_text("Sorry, here I am.")
        expect(status.get_by_role("button")).to_have_count(0)

    def test_a_message_typed_while_the_agent_replies_is_stored_and_shown_at_once(self):
        story = " ".join(f"word{n}" for n in range(30))
        self.fake.script({"text": story, "delay": 0.1}, {"text": "And to your second."})
        self.send("Tell me a story")
        expect(self.page.locator(".msg.draft")).to_contain_text("word2")  # still replying
        self.send("Oh, and one more thing")
        log = self.page.get_by_role("log")
        second = log.locator(".msg-participant").nth(1)
        expect(second).to_have_text("You: Oh, and one more thing")
        expect(second).not_to_have_class(re.compile("pending"))  # acknowledged: stored
        stored = Message.objects.get(text="Oh, and one more thing")
        assert not Message.objects.filter(sender="agent", reply_to__isnull=False).exists()
        expect(log.locator(".msg-agent:not(.draft)").last).to_have_text("Mira: And to your second.")
        replies = Message.objects.filter(sender="agent", reply_to__isnull=False).order_by("turn")
        assert [r.answers for r in replies] == [[stored.turn - 1], [stored.turn]]
        turns = [li.get_attribute("data-turn") for li in log.locator("li[data-turn]").all()]
        assert turns == sorted(turns, key=int)  # the page shows the order they were stored in
