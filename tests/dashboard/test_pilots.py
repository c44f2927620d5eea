"""Pilots from the dashboard: starting one, the token its participants enter with, keeping
them apart from people, and deleting their data."""

from __future__ import annotations

from unittest import mock

from django.conf import settings
from django.test import Client, override_settings

from chat.models import ChatSession, Message
from chat.services import message_post, session_open
from dashboard import pilots
from studies.models import Participant, Pilot, Study
from studies.services.enrolment import participant_consent, pilot_token
from tests.base import DyadTestCase


class PilotTestCase(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.rita_client = Client()
        self.rita_client.force_login(self.rita)

    def new_pilot(self, **fields) -> Pilot:
        """A pilot of the cast's study (named "pilot" too: the study, self.pilot)."""
        return pilots.pilot_create(
            study=self.pilot,
            participants=4,
            concurrency=2,
            base_url="http://testserver",
            **fields,
        )

    def enter(self, client: Client, query: str):
        return client.get(f"/s/pilot/?{query}")


class TokenTests(PilotTestCase):
    def test_only_the_servers_signed_token_makes_a_participant_simulated(self):
        before = Participant.objects.count()
        for query in ("pilot=garbage", "pilot=", "pilot=" + pilot_token(self.new_pilot()) + "x"):
            response = self.enter(Client(), query)
            assert response.status_code == 400 and b"pilot link is not valid" in response.content
        assert Participant.objects.count() == before
        for query in ("is_simulated=1", "is_simulated=true&simulated=1"):
            self.enter(Client(), query)
        assert not Participant.objects.filter(is_simulated=True).exists()
        person = Client()
        self.enter(person, "PROLIFIC_PID=REAL-1")
        person.post("/s/pilot/consent/", {"decision": "agree", "is_simulated": "1", "pilot": "1"})
        real = Participant.objects.get(external_id="REAL-1")
        assert not real.is_simulated and real.pilot is None and real.consented_at

    def test_a_token_works_for_its_study_while_its_pilot_runs(self):
        pilot = self.new_pilot()
        response = self.enter(Client(), f"pilot={pilot_token(pilot)}")
        assert response["Location"] == "/s/pilot/consent/"
        simulated = Participant.objects.get(pilot=pilot)
        assert simulated.is_simulated and simulated.external_id is None
        other = Study.objects.create(title="O", slug="other", consent_text="c", debrief_text="d")
        assert Client().get(f"/s/other/?pilot={pilot_token(pilot)}").status_code == 400
        Pilot.objects.filter(pk=pilot.pk).update(status="done")
        assert self.enter(Client(), f"pilot={pilot_token(pilot)}").status_code == 400
        assert other.participants.count() == 0

    def test_a_draft_can_be_piloted_and_simulated_people_are_balanced_among_themselves(self):
        draft = Study.objects.create(title="D", slug="draft", consent_text="c", debrief_text="d")
        for name in ("a", "b"):
            draft.conditions.create(name=name, panel_visibility="visible", agent_writes="off")
        pilot = pilots.pilot_create(
            study=draft, participants=4, concurrency=2, base_url="http://testserver"
        )
        assert Client().get("/s/draft/").status_code == 200  # people: not yet
        for _ in range(4):
            Client().get(f"/s/draft/?pilot={pilot_token(pilot)}")
        for person in draft.participants.all():
            participant_consent(participant_id=person.pk)
        counts = sorted(draft.participants.values_list("condition__name", flat=True))
        assert counts == ["a", "a", "b", "b"]


class PilotPageTests(PilotTestCase):
    def test_the_study_page_starts_a_pilot_in_the_background(self):
        with mock.patch("dashboard.pilots.pilot_start") as start:
            response = self.rita_client.post(
                "/dashboard/studies/pilot/pilots/new/",
                {
                    "participants": 30,
                    "concurrency": 5,
                    "pace": "0",
                    "effect_condition": "editable",
                    "effect_factor": "hlc",
                    "effect_d": "0.5",
                    "skip_gaps": "on",
                    "seed": 3,
                },
            )
        assert response.status_code == 302 and response["Location"].endswith("#pilots")
        pilot = Pilot.objects.get()
        start.assert_called_once_with(pilot=pilot)
        assert (pilot.participants_wanted, pilot.concurrency, pilot.pace) == (30, 5, 0.0)
        assert pilot.effect == "editable:hlc:+0.5" and pilot.created_by == self.rita
        assert pilot.base_url == settings.DYAD_SITE_URL
        page = self.rita_client.get("/dashboard/studies/pilot/pilots/").content.decode()
        assert 'hx-trigger="every 2s"' in page and "0 of 30" in page

    @override_settings(
        DYAD_SITE_URL="https://study.example.org",
        ALLOWED_HOSTS=["testserver", "attacker.example"],
    )
    def test_the_simulated_participants_go_to_the_site_url_whatever_host_the_request_names(self):
        form = {"participants": 2, "concurrency": 1, "pace": "0", "seed": 1}
        with mock.patch("dashboard.pilots.pilot_start"):
            for host in ("attacker.example:6666", "attacker.example"):
                response = self.rita_client.post(
                    "/dashboard/studies/pilot/pilots/new/", form, HTTP_HOST=host
                )
                assert response.status_code == 302
        urls = set(Pilot.objects.values_list("base_url", flat=True))
        assert urls == {"https://study.example.org"}

    @override_settings(CELERY_TASK_ALWAYS_EAGER=False)
    def test_a_pilot_the_task_queue_cannot_take_is_listed_as_never_started(self):
        down = OSError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        with (
            mock.patch("dashboard.tasks.pilot.delay", side_effect=down),
            self.assertLogs("chat.background", "WARNING"),
        ):
            pilots.pilot_start(pilot=self.new_pilot())
        pilot = Pilot.objects.get()
        assert pilot.status == Pilot.Status.FAILED and "Never started" in pilot.error
        listed = self.rita_client.get("/dashboard/studies/pilot/pilots/").content.decode()
        assert "Never started" in listed

    def test_a_pilot_that_cannot_run_is_explained_and_nothing_starts(self):
        with mock.patch("dashboard.pilots.pilot_start") as start:
            response = self.rita_client.post(
                "/dashboard/studies/pilot/pilots/new/",
                {
                    "participants": 10,
                    "concurrency": 2,
                    "pace": "0",
                    "seed": 0,
                    "endpoint": "",
                    "model": "x",
                    "effect_condition": "nope",
                },
            )
        assert response.status_code == 400 and not Pilot.objects.exists()
        start.assert_not_called()
        with self.assertRaisesMessage(pilots.PilotError, "no condition called 'nope'"):
            self.new_pilot(effect="nope:hlc:+0.5")

    def test_simulated_data_stay_apart_and_one_button_deletes_them(self):
        pilot = self.new_pilot()
        for n in range(2):
            person = Participant.objects.create(
                study=self.pilot, condition=self.editable, is_simulated=True, pilot=pilot
            )
            self.answer_pmq(person)
            session = session_open(participant=person, number=1)
            with mock.patch("chat.services.messages.agent_turn_start"):
                message_post(session_id=session.pk, client_id=f"s{n}", text="hello")
        page = self.rita_client.get("/dashboard/studies/pilot/").content.decode()
        assert "Entered: <strong>2</strong>" in page  # ana and ben only: people
        page = self.rita_client.get(f"/dashboard/studies/pilot/?pilot={pilot.pk}").content.decode()
        assert "Entered: <strong>2</strong>" in page and f"pilot {pilot.pk}" in page
        results = self.rita_client.get("/dashboard/studies/pilot/pmq/").content.decode()
        assert "No questionnaires have been submitted yet." in results
        results = self.rita_client.get(f"/dashboard/studies/pilot/pmq/?pilot={pilot.pk}").text
        assert "<td>2</td>" in results
        response = self.rita_client.post(f"/dashboard/studies/pilot/pilots/{pilot.pk}/delete/")
        assert response.status_code == 400 and b"still running" in response.content
        Pilot.objects.filter(pk=pilot.pk).update(status="done")
        self.rita_client.post(f"/dashboard/studies/pilot/pilots/{pilot.pk}/delete/")
        assert not Pilot.objects.exists()
        assert not Participant.objects.filter(is_simulated=True).exists()
        assert not ChatSession.objects.filter(participant__is_simulated=True).exists()
        assert Message.objects.filter(session__participant=self.ana).count() == 0  # untouched
        assert Participant.objects.filter(pk__in=[self.ana.pk, self.ben.pk]).count() == 2


class GapTests(PilotTestCase):
    def test_a_pilot_may_skip_the_waits_between_sessions_people_never_do(self):
        from chat.services import session_finish
        from studies.selectors import participant_step

        Study.objects.filter(pk=self.pilot.pk).update(sessions_per_participant=2, min_gap_hours=24)
        quick = self.new_pilot(skip_gaps=True)
        slow = self.new_pilot(skip_gaps=False)
        people = {
            "person": self.ana,
            "quick": Participant.objects.create(
                study=self.pilot,
                condition=self.editable,
                consented_at=self.ana.consented_at,
                is_simulated=True,
                pilot=quick,
            ),
            "slow": Participant.objects.create(
                study=self.pilot,
                condition=self.editable,
                consented_at=self.ana.consented_at,
                is_simulated=True,
                pilot=slow,
            ),
        }
        steps = {}
        for name, person in people.items():
            self.answer_pmq(person)
            session = session_open(participant=person, number=1)
            ChatSession.objects.filter(pk=session.pk).update(participant_turns=5)
            session_finish(session_id=session.pk)
            self.answer_pmq(person, "post")
            person.refresh_from_db()
            steps[name] = participant_step(person).kind
        assert steps == {"person": "wait", "quick": "pmq", "slow": "wait"}
