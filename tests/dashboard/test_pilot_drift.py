"""Pilots with planted drift through the demo study, over a live server's real HTTP and
WebSocket interface: at rate 0.2 the Analytics page reports every drift measure's
sensitivity and specificity against the planted truth, Q&A finds the planted answers and
the exact checks the planted names; at rate 0 it reports the false-positive rate."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from chat.models import ChatSession
from dashboard import validation
from dashboard.exports import files
from studies import demo
from studies.models import Pilot
from tests.base import LiveServerTestCase
from tests.workers import wait_for_agent_turns, wait_for_scores

QA_FLOOR = 0.9  # docs/data.md: Q&A must find at least this share of planted answers
SHOWN = r'([\d.]+) \[([\d.]+), ([\d.]+)\] <span class="hint">(\d+) of (\d+)</span>'


@pytest.mark.slow  # two pilots over a live server: the whole suite runs it
class PilotDriftTests(LiveServerTestCase):
    def tearDown(self):
        wait_for_agent_turns(in_this_process=False)  # the live server runs them
        super().tearDown()

    def pilot(self, drift: float, participants: int, seed: int) -> Pilot:
        out = io.StringIO()
        call_command(
            "simulate", "demo", participants=participants, concurrency=10, pace=0, seed=seed,
            drift=drift, url=self.live_server_url, stdout=out,
        )  # fmt: skip
        pilot = Pilot.objects.latest("id")
        assert pilot.drift == drift and f"?pilot={pilot.pk}" in out.getvalue()
        assert pilot.report["completed"] == participants, pilot.report["errors"][:5]
        sessions = ChatSession.objects.filter(participant__pilot=pilot)
        assert wait_for_scores(sessions) == sessions.exclude(status="active").count() > 0
        return pilot

    def measures(self, pilot: Pilot) -> dict[str, str]:
        page = self.researcher.get(f"/dashboard/studies/demo/analytics/?pilot={pilot.pk}").text
        rows = re.findall(r'<tr id="dv-(\w+)">(.*?)</tr>', page, re.S)
        assert [key for key, _ in rows] == [rule.key for rule in validation.RULES]
        return dict(rows)

    def test_planted_drift_is_found_as_each_measure_can_and_no_drift_shows_false_positives(self):
        study, _ = demo.ensure_demo()
        self.researcher = Client()
        self.researcher.force_login(get_user_model().objects.get(username=demo.DEMO_USERNAME))

        drifting = self.pilot(0.2, participants=30, seed=2)
        shown = self.measures(drifting)
        for key in ("contradicts_persona", "contradicts_line", "prompt_to_line", "line_to_line"):
            assert len(re.findall(f"<td>{SHOWN}</td>", shown[key])) == 3, shown[key]
        sensitivity, specificity, _ = re.findall(f"<td>{SHOWN}</td>", shown["qa"])
        assert float(sensitivity[0]) >= QA_FLOOR and float(specificity[0]) >= 0.95
        assert "not scored (no LLM judge)" in shown["judge_qa"]
        body = b"".join(files.file_download(study.pk, "drift_validation.csv", str(drifting.pk)))
        rows = pd.read_csv(io.BytesIO(body))
        names = rows[(rows.kind == "reply") & (rows.planted_target == "persona.name")]
        assert len(names) > 0 and names.flag_contradicts_persona.all()
        assert not rows[~rows.planted & (rows.kind == "reply")].flag_contradicts_persona.any()
        assert 0.1 < rows.planted.mean() < 0.3  # the rate, over replies and answers

        steady = self.pilot(0.0, participants=10, seed=3)
        shown = self.measures(steady)
        for key in ("contradicts_persona", "contradicts_line", "prompt_to_line", "qa"):
            cells = re.findall(r"<td>(.*?)</td>", shown[key], re.S)
            assert cells[2] == "–" and re.fullmatch(SHOWN, cells[4]), cells  # false positives
