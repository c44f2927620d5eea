"""Scoring ended sessions: the offline agent's and a fake LLM's, with the offline measures
and the LLM judge; the probes never reach the participant."""

from __future__ import annotations

from unittest import mock

from django.test import TestCase, override_settings

from chat.models import Message, Probe
from chat.services import identity_edit, session_finish, session_open
from dashboard.exports.measure_columns import MEASURE_NAMES
from dashboard.measures import judge as rubric
from dashboard.models import SessionScore
from dashboard.scoring import is_up_to_date, session_score, study_score
from studies.models import Endpoint
from tests.base import DyadTestCase
from tests.dashboard.export_data import say
from tests.fake_openai import FakeLLMMixin


class OfflineScoringTests(DyadTestCase):
    def test_a_rename_the_agent_takes_up_is_scored_as_taken_up_at_the_next_reply(self):
        session = session_open(participant=self.ana, number=1)
        say(session, "Hello there")
        identity_edit(session_id=session.pk, target="persona.name", value="Nova")
        say(session, "So, how are you?")
        session_finish(session_id=session.pk)
        messages = Message.objects.filter(session=session).count()

        score = session_score(session_id=session.pk)

        [change] = score.uptake
        assert change["target"] == "persona.name" and change["author"] == "participant"
        assert (change["taken_up"], change["replies_to_uptake"]) == (True, 1)
        assert score.measures["uptake_rate"] == 1.0
        assert score.measures["revisions_participant"] == 1
        assert score.measures["persona_edit_distance_name"] == 3  # Mira -> Nova
        # The probes were asked out of band: stored apart, never in the transcript.
        assert Message.objects.filter(session=session).count() == messages
        probes = {p["key"]: p for p in score.probes}
        assert len(probes) == 7 and probes["name"]["qa"] == 1.0
        assert "Nova" in probes["name"]["answer"] and probes["partner_name"]["qa"] is None
        assert Probe.objects.filter(session=session).count() == 7
        assert score.scorer and score.judge_model == ""
        assert list(score.measures) == list(MEASURE_NAMES)  # every column, in its order

    def test_a_rename_the_agent_ignores_is_scored_as_not_taken_up(self):
        session = session_open(participant=self.ben, number=1)  # hidden panel, silent agent
        say(session, "Call yourself Nova.")  # the agent renames itself, saying only "Got it."
        say(session, "ok then")
        session_finish(session_id=session.pk)

        score = session_score(session_id=session.pk)

        [change] = score.uptake
        assert (change["author"], change["target"]) == ("agent", "persona.name")
        assert change["replies_after"] == 1 and change["taken_up"] is False
        assert score.measures["uptake_rate"] == 0.0 and score.measures["revisions_agent"] == 1

    def test_scoring_again_appends_only_where_something_changed_and_asks_no_probe_twice(self):
        session = session_open(participant=self.ana, number=1)
        say(session, "hello")
        say(session, "bye")
        session_finish(session_id=session.pk)
        first = session_score(session_id=session.pk)
        assert study_score(study_id=self.pilot.pk) == 0  # up to date: nothing to redo
        Probe.objects.filter(session=session, key="values").delete()  # as if it had failed
        assert study_score(study_id=self.pilot.pk) == 1
        assert SessionScore.objects.filter(session=session).count() == 2
        assert SessionScore.objects.get(pk=first.pk).measures == first.measures
        assert Probe.objects.filter(session=session).count() == 7
        self.pilot.judge_endpoint = Endpoint.objects.create(name="lab", base_url="http://x/v1")
        self.pilot.judge_model = "m"
        self.pilot.save()
        assert not is_up_to_date(session.pk, self.pilot)  # a judge now: score again

    def test_a_running_session_is_not_scored(self):
        session = session_open(participant=self.ana, number=1)
        assert session_score(session_id=session.pk) is None
        assert not Probe.objects.exists()


class LLMScoringTests(FakeLLMMixin, DyadTestCase):
    def setUp(self):
        super().setUp()
        endpoint = self.use_llm(self.editable, self.fake.base_url)
        self.pilot.judge_endpoint = endpoint
        self.pilot.judge_model = "judge-1"
        self.pilot.save()

    def test_a_reply_that_contradicts_the_persona_is_flagged_and_judged_with_provenance(self):
        session = session_open(participant=self.ana, number=1)
        self.fake.script({"text": "Hi, I'm Mira, your travel companion."})
        say(session, "Hello!")
        self.fake.script({"text": "My name is Bob, by the way."})
        say(session, "Who are you really?")
        session_finish(session_id=session.pk)
        self.fake.script({"text": "I'm Mira."}, *[{"text": "Not sure."}] * 6)  # the probes
        self.fake.script(*[{"text": "3"}] * 20)  # the personality inventory
        self.fake.script(
            {"text": '{"score": 7, "reason": "in character"}'},  # reply 1, prompt-to-line
            {"text": '{"score": 1, "reason": "calls itself Bob"}'},  # reply 2, prompt-to-line
            {"text": "I would say 2"},  # reply 2, line-to-line
            *[{"text": '{"score": 6, "reason": "fine"}'}] * 7,  # the probes
        )
        asked = len(self.fake.requests)

        score = session_score(session_id=session.pk)

        first, second = score.replies
        assert first["contradicts_persona"] == ""
        assert second["contradicts_persona"] == "name: Bob (persona: Mira)"
        assert (first["judge_prompt_to_line"], second["judge_prompt_to_line"]) == (7, 1)
        assert (first["judge_line_to_line"], second["judge_line_to_line"]) == (None, 2)
        assert score.measures["judge_prompt_to_line_mean"] == 4.0
        assert score.measures["contradictions_persona"] == 1
        assert {p["judge_qa"] for p in score.probes} == {6}
        assert (score.judge_endpoint, score.judge_model) == ("fake", "judge-1")
        assert score.judge_prompt_hash == rubric.RUBRIC_HASH
        judged = self.fake.requests[asked + 7 + 20 :]
        assert len(judged) == 10 and judged[1]["body"]["model"] == "judge-1"
        assert "My name is Bob" in judged[1]["body"]["messages"][1]["content"]
        assert judged[1]["body"]["temperature"] == 0.0

    def test_a_judge_that_fails_leaves_scores_empty_and_says_why(self):
        session = session_open(participant=self.ana, number=1)
        say(session, "Hello!")
        say(session, "More?")
        session_finish(session_id=session.pk)
        self.fake.script(*[{"text": "I'm Mira."}] * 7, *[{"text": "3"}] * 20)
        self.fake.script(*[{"status": 401}] * 20)
        score = session_score(session_id=session.pk)
        assert all(r["judge_prompt_to_line"] is None for r in score.replies)
        assert score.measures["judge_prompt_to_line_mean"] is None
        assert score.errors and "judge" in score.errors[0]
        assert score.measures["prompt_to_line_mean"] is not None  # offline scores still there


class EndpointGoneTests(TestCase):
    def test_nothing_scores_a_session_that_does_not_exist(self):
        assert session_score(session_id=12345) is None
        assert not Endpoint.objects.exists()


class AutomaticScoringTests(DyadTestCase):
    def finish(self):
        session = session_open(participant=self.ana, number=1)
        say(session, "hello")
        say(session, "bye")
        with self.captureOnCommitCallbacks(execute=True):
            session_finish(session_id=session.pk)
        return session

    @override_settings(CELERY_TASK_ALWAYS_EAGER=True)
    def test_a_finished_session_is_scored_in_process_on_the_embedded_default(self):
        session = self.finish()
        assert SessionScore.objects.filter(session=session).count() == 1

    @override_settings(CELERY_TASK_ALWAYS_EAGER=False)
    def test_on_real_services_a_finished_session_is_queued_for_a_worker(self):
        with mock.patch("dashboard.tasks.score_session.delay") as delay:
            session = self.finish()
        delay.assert_called_once_with(session_id=session.pk)
        assert not SessionScore.objects.exists()

    @override_settings(CELERY_TASK_ALWAYS_EAGER=False)
    def test_a_broker_that_is_down_does_not_stop_the_participant_finishing(self):
        with mock.patch("dashboard.tasks.score_session.delay", side_effect=OSError("down")):
            session = self.finish()
        session.refresh_from_db()
        assert session.status == "finished" and not SessionScore.objects.exists()


class ConcurrentScoringTests(DyadTestCase):
    def test_a_probe_answered_meanwhile_by_another_scoring_is_kept_once(self):
        from chat.models import Probe as ProbeRow
        from dashboard import asking

        session = session_open(participant=self.ana, number=1)
        say(session, "hello")
        say(session, "bye")
        session_finish(session_id=session.pk)
        real_ask = asking.answer_of

        def racing(backend, messages, settings):
            # The other scoring stores the name probe just before this one does.
            if not ProbeRow.objects.filter(key="name").exists():
                ProbeRow.objects.create(
                    session=session, probe_set="dyad-qa-1", key="name", question="q", answer="a"
                )
            return real_ask(backend, messages, settings)

        with mock.patch.object(asking, "answer_of", racing):
            score = session_score(session_id=session.pk)
        assert ProbeRow.objects.filter(key="name").count() == 1
        assert len(score.probes) == 7


class WithdrawalTests(DyadTestCase):
    def test_withdrawing_with_deletion_removes_the_probes_and_scores_too(self):
        from chat.services import participant_withdraw
        from studies.models import Study

        self.pilot.withdrawal = Study.Withdrawal.DELETE
        self.pilot.save()
        session = session_open(participant=self.ana, number=1)
        say(session, "hello")
        say(session, "bye")
        session_finish(session_id=session.pk)
        session_score(session_id=session.pk)
        participant_withdraw(participant_id=self.ana.pk)
        assert not Probe.objects.exists() and not SessionScore.objects.exists()
