"""Planted drift through the server: a pilot's offline agent drifts at the pilot's rate in
its replies and Q&A answers and records how, beside them; people never drift; the scoring
never reads what was planted; and a rate that is not a share is refused, changing nothing."""

from __future__ import annotations

from unittest import mock

from django.core.management import CommandError, call_command
from django.test import Client

from chat import events
from chat.models import Message, Probe
from chat.services import session_finish, session_open
from dashboard import pilots
from dashboard.scoring import session_score
from studies.models import Pilot
from tests.base import DyadTestCase
from tests.dashboard.export_data import say, simulated


def planted_replies(participant):
    replies = Message.objects.filter(session__participant=participant, reply_to__isnull=False)
    return [m.planted_drift for m in replies.order_by("turn")]


class PlantingTests(DyadTestCase):
    def test_a_pilot_at_rate_one_plants_drift_in_every_reply_and_every_answerable_probe(self):
        sim = simulated(self, drift=1.0, texts=["Hello", "Who are you?", "Nice"])
        planted = planted_replies(sim)
        assert len(planted) == 3 and all(p and p["kind"] == "contradicts" for p in planted)
        answers = Probe.objects.filter(session__participant=sim)
        probes = dict(answers.values_list("key", "planted_drift"))
        assert probes["name"]["target"] == "persona.name"
        assert probes["values"]["truth"] == "curiosity"
        assert probes["partner_name"] is None  # the identity holds no partner name to betray
        greeting = Message.objects.get(session__participant=sim, turn=1)
        assert greeting.planted_drift is None  # Dyad's template, not the agent's reply
        reply = Message.objects.filter(session__participant=sim, turn=2).get()
        assert "planted" not in str(events.message_data(reply))  # never shown

    def test_people_and_pilots_without_drift_get_none(self):
        Pilot.objects.create(study=self.pilot, participants_wanted=1, drift=1.0, base_url="x")
        session = session_open(participant=self.ana, number=1)
        say(session, "Who are you?")
        say(session, "What do you value?")
        session_finish(session_id=session.pk)
        session_score(session_id=session.pk)
        sim = simulated(self, drift=0.0)
        assert planted_replies(self.ana) == [None, None] and planted_replies(sim) == [None, None]
        assert not Probe.objects.filter(planted_drift__isnull=False).exists()

    def test_the_draw_is_seeded_by_pilot_participant_session_and_turn(self):
        texts = ["a", "b", "c", "d", "e", "f"]
        first = simulated(self, drift=0.5, texts=texts, seed=4, code="P-SEEDED22")
        drifted = [bool(p) for p in planted_replies(first)]
        assert drifted == [False, False, True, True, False, True]  # the same on every run

    def test_scoring_never_reads_what_was_planted(self):
        sim = simulated(self, drift=1.0, texts=["Hello", "Who are you?", "What do you value?"])
        session = sim.chat_sessions.get()
        first = session_score(session_id=session.pk)
        Message.objects.filter(session=session).update(planted_drift={"kind": "x"})
        Probe.objects.filter(session=session).update(planted_drift=None)
        again = session_score(session_id=session.pk)
        assert (again.replies, again.probes, again.measures) == (
            first.replies,
            first.probes,
            first.measures,
        )


class RateTests(DyadTestCase):
    def test_a_rate_that_is_not_a_share_is_refused_and_nothing_is_created(self):
        for rate in (2, -1, float("nan"), float("inf")):
            with self.assertRaisesMessage(pilots.PilotError, "from 0 to 1"):
                pilots.pilot_create(
                    study=self.pilot, participants=2, concurrency=1, base_url="x", drift=rate
                )
        for rate in ("2", "-1", "abc"):
            with self.assertRaises(CommandError) as refused:
                call_command("simulate", "pilot", "--drift", rate, "--participants", "2")
            assert "drift" in str(refused.exception)
        assert not Pilot.objects.exists()

    def test_the_command_says_why_abc_is_no_rate(self):
        with self.assertRaisesMessage(CommandError, "invalid float value: 'abc'"):
            call_command("simulate", "pilot", "--drift", "abc")
        with self.assertRaisesMessage(CommandError, "from 0 to 1"):
            call_command("simulate", "pilot", "--drift", "2")

    def test_only_the_offline_agent_drifts_on_purpose(self):
        self.use_llm(self.hidden, "http://127.0.0.1:9/v1")
        with self.assertRaisesMessage(pilots.PilotError, "condition 'hidden'"):
            pilots.pilot_create(
                study=self.pilot, participants=2, concurrency=1, base_url="x", drift=0.2
            )
        assert pilots.pilot_create(study=self.pilot, participants=2, concurrency=1, base_url="x")

    def test_the_study_page_plants_drift_and_refuses_a_rate_over_one(self):
        rita = Client()
        rita.force_login(self.rita)
        form = {"participants": 4, "concurrency": 2, "pace": "0", "seed": 1, "drift": "2"}
        with mock.patch("dashboard.pilots.pilot_start") as start:
            refused = rita.post("/dashboard/studies/pilot/pilots/new/", form)
            assert refused.status_code == 400 and not Pilot.objects.exists()
            rita.post("/dashboard/studies/pilot/pilots/new/", form | {"drift": "0.2"})
        start.assert_called_once()
        assert Pilot.objects.get().drift == 0.2
        listed = rita.get("/dashboard/studies/pilot/pilots/").content.decode()
        assert "planted drift 0.2" in listed
