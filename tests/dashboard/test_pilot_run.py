"""A pilot of 50 simulated participants through the demo study, over a live server's real
HTTP and WebSocket interface: on the embedded default, or on PostgreSQL, Redis and a Celery
worker when CI sets them."""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from chat.models import ChatSession
from dashboard.exports import files
from studies import demo
from studies.models import Participant, Pilot
from tests.base import LiveServerTestCase
from tests.workers import wait_for_agent_turns, wait_for_scores


class PilotRunTests(LiveServerTestCase):
    def tearDown(self):
        wait_for_agent_turns(in_this_process=False)  # the live server runs them
        super().tearDown()

    def test_fifty_simulated_participants_complete_the_demo_and_count_as_simulated_only(self):
        study, _ = demo.ensure_demo()
        # Everything a simulated person must read and heed: an attention check in every PMQ
        # and a question about the instructions (the second answer is right).
        study.attention_checks = "* pre 5 3\n* post 30 6"
        study.comprehension_question = "What can you change?"
        study.comprehension_choices = "Nothing\nWho the agent is\nThe weather"
        study.comprehension_answer = 2
        study.save()
        report_path = Path(tempfile.mkdtemp()) / "report.json"
        out = io.StringIO()
        call_command(
            "simulate",
            "demo",
            participants=50,
            concurrency=10,
            pace=0,
            seed=11,
            effect="co-construct:hlc:+0.8",
            url=self.live_server_url,
            report=str(report_path),
            stdout=out,
        )
        report = json.loads(report_path.read_text())
        assert report["completed"] == 50, (report["stopped_at"], report["errors"][:5])
        assert (report["lost"], report["doubled"], report["unanswered"]) == (0, 0, 0)
        assert report["error_count"] == 0 and report["ack_ms"]["n"] == report["messages"]
        assert "Completed: 50 of 50" in out.getvalue()
        pilot = Pilot.objects.get()
        assert pilot.status == "done" and pilot.progress["completed"] == 50

        simulated = Participant.objects.filter(pilot=pilot)
        assert simulated.count() == 50 and not simulated.filter(is_simulated=False).exists()
        assert simulated.filter(completed_at__isnull=False).count() == 50
        assert not Participant.objects.filter(is_simulated=False, is_preview=False).exists()

        researcher = Client()
        researcher.force_login(get_user_model().objects.get(username=demo.DEMO_USERNAME))
        people = researcher.get("/dashboard/studies/demo/").content.decode()
        assert "Entered: <strong>0</strong>" in people
        shown = researcher.get(f"/dashboard/studies/demo/?pilot={pilot.pk}").content.decode()
        assert "Entered: <strong>50</strong>" in shown
        results = researcher.get("/dashboard/studies/demo/pmq/").content.decode()
        assert "No questionnaires have been submitted yet." in results

        # Every session was scored in the background when it ended; the agent takes the
        # participant's changes on board where they can see and edit the panel, and says
        # little of the changes it makes silently where they cannot.
        finished = ChatSession.objects.filter(participant__pilot=pilot)
        assert wait_for_scores(finished) == finished.exclude(status="active").count() > 0
        shown = researcher.get(f"/dashboard/studies/demo/analytics/?pilot={pilot.pk}").text
        uptake = shown.split('id="m-uptake_rate"')[1].split("</section>")[0]
        means = dict(
            re.findall(r'<th scope="row">([\w-]+) s1</th><td>\d+</td><td>([\d.]+)', uptake)
        )
        assert float(means["co-construct"]) > float(means["hidden"]) + 0.3, means

        archive = zipfile.ZipFile(io.BytesIO(b"".join(files.zip_download(study.pk))))
        sessions = pd.read_csv(archive.open("co_construction.csv"))
        assert len(sessions) == 50 and sessions.is_simulated.all()
        rates = sessions.groupby("condition").uptake_rate.mean()
        assert abs(rates["co-construct"] - float(means["co-construct"])) < 0.0006, rates
        participants = pd.read_csv(archive.open("participants.csv"))
        assert len(participants) == 50 and participants.is_simulated.all()
        assert (participants.progress == "completed").all()
        assert (participants.checks_failed == 0).all()  # read, and heeded
        assert participants.comprehension_passed.all()
        assert (participants.comprehension_tries == 2).all()  # the first answer was wrong
        checks = pd.read_csv(archive.open("attention_checks.csv"))
        assert len(checks) == 100 and checks.passed.all()
        messages = pd.read_csv(archive.open("messages.csv"))
        assert len(messages) > 150 and messages.is_simulated.all()
