"""A confirmatory study from the researcher's chair, in a real browser: the plan written and
locked, two pilots (one with a planted effect, one without) analysed as planned, a design
change after the lock shown as a deviation, and an export a reviewer can audit."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from frictionless import Package
from playwright.sync_api import expect

from studies.models import Pilot, Preregistration
from tests.browser.base import BrowserTestCase

RESULT = re.compile(r"Difference (-?[\d.]+) \[95% CI (-?[\d.]+), (-?[\d.]+)\]")


@pytest.mark.slow  # two pilots of 40: the whole suite runs it, the fast subset does not
class PreregistrationBrowserTests(BrowserTestCase):
    def pilot_run(self, seed: int, effect: str = "") -> Pilot:
        """A pilot as the command line runs one (on a thread of its own: Playwright's event
        loop runs in this one)."""
        known = set(Pilot.objects.values_list("pk", flat=True))

        self.off_the_loop(
            call_command, "simulate", "pilot", participants=40, concurrency=1, pace=0,
            seed=seed, effect=effect, url=self.live_server_url, stdout=io.StringIO(),
        )  # fmt: skip
        return Pilot.objects.exclude(pk__in=known).get()

    def planned_result(self, pilot: Pilot) -> tuple[float, float, float]:
        page = self.page
        page.goto(self.url(f"/dashboard/studies/pilot/pmq/?pilot={pilot.pk}"))
        expect(page.get_by_role("heading", name=re.compile("Planned analysis"))).to_be_visible()
        found = RESULT.search(page.locator("#planned-result").inner_text())
        assert found, page.locator("#planned-result").inner_text()
        return float(found[1]), float(found[2]), float(found[3])

    def test_a_plan_locked_before_the_pilots_recovers_a_planted_effect_and_not_chance(self):
        page = self.page
        self.sign_in()
        page.goto(self.url("/dashboard/studies/pilot/"))
        page.get_by_role("link", name="Plan").click()
        page.get_by_label("Hypotheses").fill("Editing the panel raises human-likeness (HLC).")
        page.get_by_label("Primary outcome").select_option("pmq_change:HLC")
        page.get_by_label("Condition A (the reference)").select_option("hidden")
        page.get_by_label("Condition B").select_option("editable")
        page.get_by_label("Direction").select_option("greater")
        page.get_by_label("Expected difference (B − A)").fill("0.8")
        page.get_by_label("SD").fill("1")
        page.get_by_label("Planned sample size per condition").fill("21")
        page.get_by_label("Exclude who failed the comprehension question").check()
        page.get_by_role("button", name="Save the plan").click()
        expect(page.locator("#power")).to_contain_text("21 participants per condition")
        page.get_by_role("button", name="Lock the plan").click()
        expect(page.get_by_role("heading", name="Pre-registration, locked")).to_be_visible()
        plan = Preregistration.objects.get()
        expect(page.locator("dl.hashes")).to_contain_text(plan.plan_hash)

        planted = self.pilot_run(seed=3, effect="editable:hlc:+1.5")
        null = self.pilot_run(seed=4)
        difference, low, high = self.planned_result(planted)
        assert difference > 0 and low > 0, (difference, low, high)  # recovered, right sign
        expect(page.locator("#planned-result")).to_contain_text("the hypothesis is supported")
        difference, low, high = self.planned_result(null)
        assert low < 0 < high, (difference, low, high)  # what chance looks like
        expect(page.locator("#planned-result")).to_contain_text("not supported by these data")
        expect(page.get_by_role("heading", name="Exploratory")).to_be_visible()

        page.goto(self.url("/dashboard/studies/pilot/edit/"))
        page.get_by_label("Title").fill("Pilot (renamed)")
        page.get_by_label(re.compile("Why this change")).fill("A typo in the title.")
        page.get_by_label(re.compile("I understand")).check()
        page.get_by_role("button", name="Save").click()
        page.goto(self.url("/dashboard/studies/pilot/pmq/"))
        deviations = page.get_by_role("region", name="Deviations from the locked plan")
        expect(deviations).to_contain_text("A typo in the title.")
        expect(deviations).to_contain_text("study.title")

        page.get_by_role("link", name="Export").click()
        with page.expect_download() as download:
            page.get_by_role("link", name="Download everything (ZIP)").click()
        folder = Path(tempfile.mkdtemp())
        zipfile.ZipFile(download.value.path()).extractall(folder)
        assert plan.plan_hash in (folder / "preregistration.md").read_text()
        rows = pd.read_csv(folder / "participants.csv")
        simulated, people = rows[rows.is_simulated], rows[~rows.is_simulated]
        assert set(simulated["pilot"]) == {planted.pk, null.pk} and len(simulated) == 80
        assert people["pilot"].isna().all() and len(people) == 2  # the cast's ana and ben
        assert simulated["excluded"].all()  # never people's data
        assert (simulated["exclusion_reasons"] == "simulated").all()
        assert not people["excluded"].any() and people["exclusion_reasons"].isna().all()
        report = Package(str(folder / "datapackage.json")).validate()
        assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])
