"""A pilot's drift measures against the drift it planted: on the Analytics page (for the
pilot only, never for people) and in drift_validation.csv, whose rows recompute the page's
numbers; the planted truth is in no other file."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from django.test import Client
from frictionless import Package

from dashboard import validation
from dashboard.exports import files
from dashboard.stats import proportion
from tests.base import DyadTestCase
from tests.dashboard.export_data import simulated, sitting

SHOWN = r'([\d.]+) \[([\d.]+), ([\d.]+)\] <span class="hint">(\d+) of (\d+)</span>'
TALK = ["Hello", "Who are you?", "What should I pack?", "I see.", "What do you value?"]


class DriftValidationTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.rita_client = Client()
        self.rita_client.force_login(self.rita)
        self.drifting = [
            simulated(self, drift=0.4, texts=TALK, seed=n, code=f"P-DRIFTER{n}") for n in range(4)
        ]
        self.steady = simulated(self, drift=0.0, texts=TALK)
        sitting(self.ana, 1, TALK[:2])  # a person: never planted, never in the file

    def page(self, pilot: str) -> str:
        url = f"/dashboard/studies/pilot/analytics/?pilot={pilot}"
        return self.rita_client.get(url).content.decode()

    def csv(self, pilot: str) -> pd.DataFrame:
        body = b"".join(files.file_download(self.pilot.pk, "drift_validation.csv", pilot))
        return pd.read_csv(io.BytesIO(body))

    def test_the_files_rows_recompute_the_pages_sensitivity_and_specificity(self):
        # One pilot per simulated participant here: the cohort of all pilots holds them all.
        page, rows = self.page("all"), self.csv("all")
        assert len(rows) and rows.is_simulated.all() and rows.planted.any()
        assert self.ana.code not in set(rows.participant)
        assert set(rows.drift_rate) == {0.0, 0.4}
        assert not rows[rows.drift_rate == 0].planted.any()
        for rule in validation.RULES:
            flag = rows[f"flag_{rule.key}"]
            scored = rows[flag.notna()]
            assert set(scored.kind) <= {rule.kind}
            drifted = scored[scored.planted][f"flag_{rule.key}"].astype(bool)
            clean = scored[~scored.planted][f"flag_{rule.key}"].astype(bool)
            cells = re.search(rf'<tr id="dv-{rule.key}">(.*?)</tr>', page, re.S).group(1)
            if not len(scored):
                assert "not scored" in cells  # the judge: no endpoint here
                continue
            sensitivity = proportion(int(drifted.sum()), len(drifted))
            specificity = proportion(int((~clean).sum()), len(clean))
            shown = re.findall(r"<td>(.*?)</td>", cells, re.S)[2:4]
            for p, text in zip((sensitivity, specificity), shown, strict=True):
                if not p.n:
                    assert text == "–", (rule.key, text)
                    continue
                numbers = re.fullmatch(SHOWN, text).groups()
                assert (int(numbers[3]), int(numbers[4])) == (p.k, p.n), (rule.key, text)
                assert [float(x) for x in numbers[:3]] == pytest.approx(
                    [p.p, p.low, p.high], abs=0.005 + 1e-9
                )
        run = str(self.drifting[0].pilot_id)  # a pilot's own cohort: its rows only
        assert set(self.csv(run).participant) == {self.drifting[0].code}

    def test_with_no_drift_the_page_shows_the_false_positive_rate(self):
        page = self.page(str(self.steady.pilot_id))
        assert "Drift measures against planted drift" in page and "Planted drift 0.0:" in page
        qa = re.search(r'<tr id="dv-qa">(.*?)</tr>', page, re.S).group(1)
        cells = re.findall(r"<td>(.*?)</td>", qa, re.S)
        assert cells[2] == "–"  # sensitivity: nothing was planted
        assert cells[3].startswith("1.00 [") and cells[4].startswith("0.00 [0.00,")

    def test_people_have_no_planted_drift_to_show(self):
        assert "Drift measures against planted drift" not in self.page("")
        assert len(self.csv("people")) == 0

    def test_the_planted_truth_travels_only_in_the_validation_file(self):
        directory = Path(tempfile.mkdtemp(prefix="dyad-drift-"))
        archive = zipfile.ZipFile(io.BytesIO(b"".join(files.zip_download(self.pilot.pk))))
        archive.extractall(directory)
        report = Package(str(directory / "datapackage.json")).validate()
        assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])
        said = set(self.csv("all").planted_said.dropna())
        assert said
        for name in archive.namelist():
            text = archive.read(name).decode()
            if name not in ("drift_validation.csv", "codebook.csv", "datapackage.json"):
                assert "planted" not in text, name
        codebook = pd.read_csv(directory / "codebook.csv", keep_default_na=False)
        described = codebook[codebook["file"] == "drift_validation.csv"]
        assert {"planted", "flag_qa", "flag_contradicts_persona"} <= set(described["column"])
