"""Two raters, rita (the owner) and cleo (a collaborator), rate a sample of 20 replies with
the keyboard alone; the sample's page shows kappa between them and against each measure,
and ratings.csv gives the same numbers to scikit-learn."""

from __future__ import annotations

import re

import pandas as pd
from django.contrib.auth import get_user_model
from playwright.sync_api import expect
from sklearn.metrics import cohen_kappa_score

from dashboard.models import Rating, RatingSample
from tests.browser.base import BrowserTestCase
from tests.dashboard import rating_data

KEYS = {"yes": "y", "no": "n", "cant_tell": "c"}


class RatingTests(BrowserTestCase):
    def rate_by_keyboard(self, page, sample, answers: dict[int, str], first: int) -> None:
        """Press one key per reply, from ``first``, the page going on by itself."""
        heading = page.get_by_role("heading", level=1)
        for position in range(first, first + len(answers)):
            expect(heading).to_have_text(f"Sample {sample.pk}: reply {position} of 20")
            expect(page.locator("#shortcuts")).to_be_visible()  # the keys work from now on
            page.keyboard.press(KEYS[answers[position]])
        expect(page.get_by_role("status")).to_contain_text(f"for reply {position}.")

    def answers_of(self, sample, flagged: set[int], changes: dict[int, str]) -> dict[int, str]:
        """ "no" where the reply gives the agent another name, else "yes"; then ``changes``."""
        items = sample.items.order_by("position").values_list("position", "message_id")
        return {p: "no" if m in flagged else "yes" for p, m in items} | changes

    def test_two_raters_rate_20_replies_by_keyboard_and_the_page_matches_ratings_csv(self):
        replies = self.off_the_loop(rating_data.build, self)
        flagged = {m.pk for m in replies if re.search(r"\b(Bob|Carl)\b", m.text)}
        cleo = get_user_model().objects.create_user("cleo", password="cleo-pass-123")
        self.pilot.collaborators.add(cleo)
        page = self.page
        self.sign_in()
        page.goto(self.url("/dashboard/studies/pilot/analytics/"))
        page.get_by_role("link", name="Ratings").first.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Ratings")
        page.get_by_label("Replies of").select_option("people")
        page.get_by_label("Replies in the sample").fill("20")
        page.get_by_label("Seed (optional)").fill("2027")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("agreement"))
        sample = RatingSample.objects.get()
        assert (sample.seed, sample.size, sample.pool) == (2027, 20, 25)

        # rita: where she left off is the first reply; every answer by a key.
        page.get_by_role("link", name=re.compile("go on where you left off")).focus()
        page.keyboard.press("Enter")
        rita = self.answers_of(sample, flagged, {3: "cant_tell", 8: "no"})
        self.rate_by_keyboard(page, sample, rita, 1)
        expect(page.get_by_text("You have rated every reply of this sample")).to_be_visible()
        page.goto(self.url(f"/dashboard/studies/pilot/ratings/{sample.pk}/rate/?item=9"))
        expect(page.locator("#shortcuts")).to_be_visible()
        page.keyboard.press("ArrowLeft")  # back to reply 8, to change her answer
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(f"Sample {sample.pk}: reply 8 of 20")
        expect(page.locator("#your-answer")).to_contain_text("No, not consistent")
        expect(page.locator("#shortcuts")).to_be_visible()
        page.keyboard.press("y")
        rita[8] = "yes"
        expect(page.get_by_role("status")).to_contain_text("for reply 8.")

        # cleo: ten replies, away, then back where she left off.
        other = self.browser.new_context()
        self.page = cleo_page = other.new_page()
        self.sign_in(cleo_page, "cleo", "cleo-pass-123")
        cleo_answers = self.answers_of(sample, flagged, {5: "no", 12: "cant_tell", 17: "no"})
        cleo_page.goto(self.url(f"/dashboard/studies/pilot/ratings/{sample.pk}/rate/"))
        self.rate_by_keyboard(cleo_page, sample, {p: cleo_answers[p] for p in range(1, 11)}, 1)
        other.close()
        again = self.browser.new_context()
        cleo_page = again.new_page()
        self.sign_in(cleo_page, "cleo", "cleo-pass-123")
        cleo_page.goto(self.url(f"/dashboard/studies/pilot/ratings/{sample.pk}/"))
        cleo_page.get_by_role("link", name="Rate: go on where you left off (reply 11)").click()
        rest = {p: cleo_answers[p] for p in range(11, 21)}
        self.rate_by_keyboard(cleo_page, sample, rest, 11)
        again.close()
        self.page = page
        assert Rating.objects.count() == 41
        assert set(Rating.objects.values_list("rater_label", flat=True)) == {"R1", "R2"}

        # The sample's page, and ratings.csv with scikit-learn.
        page.goto(self.url(f"/dashboard/studies/pilot/ratings/{sample.pk}/"))
        between = page.locator("#between tbody tr")
        expect(between).to_have_count(1)
        with page.expect_download() as download:
            page.get_by_role("link", name="ratings.csv").click()
        frame = pd.read_csv(download.value.path())
        assert len(frame) == 41 and frame.newest.sum() == 40
        newest = frame[frame.newest].pivot(index="item", columns="rater", values="answer")
        assert newest.R1.to_dict() == rita and newest.R2.to_dict() == cleo_answers
        judged = newest[(newest != "cant_tell").all(axis=1)]
        expected = cohen_kappa_score(judged.R1, judged.R2)
        expect(between.locator(".kappa")).to_have_text(f"{expected:.3f}")
        expect(between.locator("td").nth(2)).to_have_text(str(len(judged)))  # n

        messages = page.request.get(
            self.url("/dashboard/studies/pilot/export/agent_consistency.csv")
        )
        scored = pd.read_csv(pd.io.common.BytesIO(messages.body())).query("kind == 'reply'")
        rated = frame[frame.newest].merge(scored, on=["participant", "session", "turn"])
        rated = rated[rated.answer != "cant_tell"]
        for label in ("R1", "R2"):
            mine = rated[rated.rater == label]
            measure = mine.contradicts_persona.notna().map({True: "no", False: "yes"})
            kappa = cohen_kappa_score(mine.answer, measure)
            row = f'#against tr[data-measure="contradicts_persona"][data-rater="{label}"]'
            expect(page.locator(row).locator(".kappa")).to_have_text(f"{kappa:.3f}")
        rows = page.locator("#against tbody tr")
        expect(rows).to_have_count(10)  # four measures × two raters; the judge's two: no call
        for key in ("contradicts_line", "prompt_to_line", "line_to_line"):
            expect(page.locator(f'#against tr[data-measure="{key}"] .kappa')).to_have_count(2)
        judge = page.locator('#against tr[data-measure="judge_prompt_to_line"]')
        expect(judge).to_have_count(1)
        expect(judge).to_contain_text("no LLM judge scored them")  # nobody judged: no call
