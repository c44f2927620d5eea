"""In a real browser, where the study records typing: the consent page says so, and the page
measures a message typed and partly pasted, and a stretch with the tab hidden."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from chat.models import Message, SessionEvent
from tests.browser.base import BrowserTestCase

PASTE = """text => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  document.getElementById("message-input").dispatchEvent(
    new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""
HIDE = """hidden => {
  Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


class TelemetryBrowserTests(BrowserTestCase):
    def test_typing_pastes_and_a_hidden_tab_are_measured(self):
        page = self.page
        self.published_study("typed", {"visible": {"panel_visibility": "visible"}},
                             record_typing=True)  # fmt: skip
        page.goto(self.url("/s/typed/"))
        expect(page.locator("#typing-notice")).to_contain_text("never records the keys")
        page.get_by_role("button", name="I agree to take part").click()
        expect(page.locator("#connection")).to_have_text("Connected.")

        box = page.get_by_label("Your message")
        box.press_sequentially("Hello, ")
        page.evaluate(PASTE, "pasted 🙂 from afar")  # 18 characters (19 UTF-16 units)
        page.keyboard.insert_text("pasted 🙂 from afar")
        box.press("Enter")
        expect(page.locator("#transcript")).to_contain_text("Hello, pasted 🙂 from afar")

        page.evaluate(HIDE, True)
        time.sleep(1.2)
        page.evaluate(HIDE, False)

        message = self.eventually(
            lambda: Message.objects.filter(sender="participant", paste_count__isnull=False).first()
        )
        assert (message.paste_count, message.pasted_chars) == (1, len("pasted 🙂 from afar"))
        assert message.typing_ms > 0
        event = self.eventually(lambda: SessionEvent.objects.first())
        assert event.kind == "hidden" and 1000 <= event.duration_ms < 30_000

    def eventually(self, read, seconds: float = 10):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if (found := read()) is not None:
                return found
            time.sleep(0.1)
        raise AssertionError("never stored")
