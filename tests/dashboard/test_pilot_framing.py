"""A pilot of the partner-framing starter over a live server: simulated participants read
the reveal in the deceptive condition and agree, every reply comes held at its pace, and
the times the pages saw are recorded."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command

from chat.models import Message
from studies.models import Condition, Participant
from studies.services.designing import study_copy, study_publish
from tests.base import LiveServerTestCase
from tests.workers import wait_for_agent_turns


class FramingPilotTests(LiveServerTestCase):
    def tearDown(self):
        wait_for_agent_turns(in_this_process=False)  # the live server runs them
        super().tearDown()

    def test_a_pilot_of_the_framing_starter_goes_through_the_reveal_at_a_human_pace(self):
        owner = get_user_model().objects.create_user("rita", password="rita-pass-123")
        study = study_copy(owner=owner, title="Framing", slug="framing", starter="framing")
        # Quick typing (at most a second a reply), so the pilot takes seconds: the pace itself
        # is tested in tests/chat/test_pacing.py.
        Condition.objects.filter(study=study).update(
            pacing_read_seconds=0.2, pacing_max_seconds=1.0
        )
        study_publish(study=study, user=owner)
        report_path = Path(tempfile.mkdtemp()) / "report.json"
        call_command(
            "simulate", "framing", participants=6, concurrency=6, pace=0, seed=3,
            url=self.live_server_url, report=str(report_path), stdout=io.StringIO(),
        )  # fmt: skip
        report = json.loads(report_path.read_text())
        assert report["completed"] == 6, (report["stopped_at"], report["errors"][:5])
        assert (report["lost"], report["unanswered"], report["error_count"]) == (0, 0, 0)
        people = Participant.objects.filter(study=study).select_related("condition")
        told = {p.condition.name: [] for p in people}
        for p in people:
            told[p.condition.name].append(p.reconsent)
        assert set(told["told-person"]) == {"given"} and set(told["told-ai"]) == {""}
        replies = Message.objects.filter(session__participant__study=study, sender="agent",
                                         reply_to__isnull=False)  # fmt: skip
        assert replies.exists()
        for reply in replies.select_related("reply_to"):
            assert reply.typing_started_at and reply.generated_at and reply.shown_at
            assert reply.shown_at > reply.reply_to.created_at
            assert reply.typing_started_at >= reply.reply_to.created_at
