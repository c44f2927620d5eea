from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from playwright.sync_api import sync_playwright

from tests.base import Cast, LiveServerTestCase
from tests.workers import wait_for_agent_turns

WCAG_21_AA = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
CHROMIUM = os.environ.get("DYAD_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.browser
class BrowserTestCase(Cast, LiveServerTestCase):
    """Debian chromium, driven by Playwright, against a live Daphne server."""

    @classmethod
    def setUpClass(cls):
        if not shutil.which(CHROMIUM):
            pytest.skip(f"Browser tests need {CHROMIUM}: run 'apt-get install chromium'.")
        super().setUpClass()
        # Playwright's sync API runs an event loop in this thread, so Django would refuse the
        # tests' own ORM calls (and the flush between tests). Allowed in this process only,
        # after the server has forked: the server keeps Django's check, so async code that
        # touches the ORM fails these tests as it would fail in production.
        cls._allow_orm = mock.patch.dict(os.environ, {"DJANGO_ALLOW_ASYNC_UNSAFE": "true"})
        cls._allow_orm.start()
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()
        cls._allow_orm.stop()

    def setUp(self):
        super().setUp()
        self.make_cast()
        self.context = self.browser.new_context()
        self.context.set_default_timeout(15_000)
        # Every page runs under the Content Security Policy; anything it blocks is a defect.
        self.csp_violations: list[str] = []
        self.context.on("console", self._watch_console)
        self.page = self.context.new_page()

    def _watch_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def tearDown(self):
        self.context.close()
        wait_for_agent_turns(in_this_process=False)  # the live server runs them, not us
        super().tearDown()
        assert self.csp_violations == [], self.csp_violations

    @staticmethod
    def off_the_loop(work, *args, **kwargs):
        """``work(*args, **kwargs)`` on a thread of its own, as a command line or a worker
        would run it. Playwright's event loop runs in this thread, so code that crosses
        between sync and async here would borrow database connections on throwaway threads
        and never give them back (PostgreSQL's pool then runs dry)."""

        def run():
            try:
                return work(*args, **kwargs)
            finally:
                connection.close()

        with ThreadPoolExecutor(1) as thread:
            return thread.submit(run).result()

    def sign_in(self, page=None, username: str = "rita", password: str = "rita-pass-123"):
        """Sign in through the sign-in page, as a researcher does."""
        page = page or self.page
        page.goto(self.url("/accounts/login/"))
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    def assert_accessible(self, page=None) -> None:
        """axe-core finds no WCAG 2.1 A or AA violation on the page as it is now."""
        results = Axe().run(page or self.page, options={"runOnly": WCAG_21_AA})
        assert results.violations_count == 0, results.generate_report()

    def url(self, path: str) -> str:
        return self.live_server_url + path
