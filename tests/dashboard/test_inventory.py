"""The agent's personality inventory after each ended session: put to the offline agent and
to a fake LLM out of band, in the identity the session ended with; kept apart from the
transcript, failed asks asked again, a bounded number of queries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.agent.inventory import BY_NUMBER, INVENTORY, question
from chat.models import Message
from chat.services import identity_edit, session_finish, session_open
from dashboard.inventory import inventory_ask
from dashboard.models import InventoryAnswer
from dashboard.scoring import is_up_to_date, session_score, study_score
from tests.base import DyadTestCase
from tests.dashboard.export_data import say
from tests.fake_openai import FakeLLMMixin


def ended(participant, *texts: str):
    session = session_open(participant=participant, number=1)
    for text in texts or ("hello", "bye"):
        say(session, text)
    session_finish(session_id=session.pk)
    session.refresh_from_db()
    return session


class OfflineInventoryTests(DyadTestCase):
    def test_scoring_a_session_has_the_offline_agent_answer_every_item_from_its_traits(self):
        session = ended(self.ana)
        messages = Message.objects.filter(session=session).count()

        session_score(session_id=session.pk)

        answers = list(InventoryAnswer.objects.filter(session=session))
        assert len(answers) == 20 and {a.inventory for a in answers} == {INVENTORY}
        # Mira: openness and extraversion 6 (level 4 of 5), the other traits 4 (level 3).
        by_item = {a.item: a for a in answers}
        assert (by_item[1].score, by_item[6].score, by_item[5].score) == (4, 2, 4)
        assert (by_item[3].score, by_item[8].score) == (3, 3)
        assert (by_item[1].set_trait, by_item[3].set_trait) == (6, 4)
        assert by_item[1].answer == "4 (moderately accurate)"
        assert by_item[1].question == question(BY_NUMBER[1])
        assert {(a.backend, a.model, a.error) for a in answers} == {("scripted", "scripted", "")}
        assert {a.identity_version for a in answers} == {session.identity_version_end}
        assert all(len(a.prompt_hash) == 64 for a in answers)
        assert Message.objects.filter(session=session).count() == messages  # out of band

    def test_a_trait_the_participant_changed_is_answered_from_its_new_value(self):
        session = session_open(participant=self.ana, number=1)
        say(session, "hello")
        identity_edit(session_id=session.pk, target="persona.traits.extraversion", value=1)
        say(session, "bye")
        session_finish(session_id=session.pk)

        answers = {a.item: a for a in inventory_ask(session_id=session.pk)}

        assert (answers[1].set_trait, answers[1].score, answers[16].score) == (1, 1, 5)
        assert answers[5].score == 4  # openness still 6

    def test_asking_again_asks_nothing_answered_and_costs_a_few_queries(self):
        session = ended(self.ana)
        with CaptureQueriesContext(connection) as first:
            inventory_ask(session_id=session.pk)
        # The session, its identity, what is answered, one insert, the answers: not per item.
        assert len(first) == 5
        with CaptureQueriesContext(connection) as again:
            assert len(inventory_ask(session_id=session.pk)) == 20
        assert InventoryAnswer.objects.count() == 20 and len(again) == 4  # no store

    def test_a_running_session_is_not_asked(self):
        session = session_open(participant=self.ana, number=1)
        assert inventory_ask(session_id=session.pk) == []
        assert not InventoryAnswer.objects.exists()

    def test_withdrawing_with_deletion_removes_the_answers_too(self):
        from chat.services import participant_withdraw
        from studies.models import Study

        self.pilot.withdrawal = Study.Withdrawal.DELETE
        self.pilot.save()
        session = ended(self.ana)
        inventory_ask(session_id=session.pk)
        participant_withdraw(participant_id=self.ana.pk)
        assert not InventoryAnswer.objects.exists()


class LLMInventoryTests(FakeLLMMixin, DyadTestCase):
    def setUp(self):
        super().setUp()
        self.use_llm(self.editable, self.fake.base_url)

    def test_the_llm_is_asked_each_item_in_its_persona_prompt_without_the_conversation(self):
        self.fake.script({"text": "Hi, I'm Mira."}, {"text": "Bye!"})
        session = ended(self.ana, "Hello!", "See you")
        answers = [
            {"text": "4"},
            {"text": "Moderately inaccurate."},
            {"text": "I'd say 5 out of 5!"},
            {"text": "As a travel companion, hard to say."},  # no value
            *[{"text": "3"}] * 16,
        ]
        self.fake.script(*answers)
        asked = len(self.fake.requests)

        rows = inventory_ask(session_id=session.pk)

        assert [r.score for r in rows[:5]] == [4, 2, 5, None, 3]
        assert rows[3].answer == "As a travel companion, hard to say." and rows[3].error == ""
        assert {r.backend for r in rows} == {"openai"} and {r.model for r in rows} == {"fake-1"}
        request = self.fake.requests[asked]["body"]
        system, item = request["messages"]  # no conversation, one item
        assert "You are Mira, a travel companion." in system["content"]
        assert "extraversion 6/7" in system["content"]
        assert item == {"role": "user", "content": question(BY_NUMBER[1])}
        assert request["model"] == "fake-1"

    def test_a_failed_ask_is_kept_with_its_error_and_asked_again_at_the_next_scoring(self):
        session = ended(self.ana)  # the fake's default reply, twice
        self.fake.script(*[{"text": "Hello"}] * 7)  # the probes
        self.fake.script(*[{"text": "2"}] * 18, {"status": 500}, {"status": 500})
        session_score(session_id=session.pk)
        failed = InventoryAnswer.objects.exclude(error="")
        assert failed.count() == 2 and "500" in failed.first().error
        assert not is_up_to_date(session.pk, self.pilot)

        self.fake.script(*[{"text": "4"}] * 2)
        assert study_score(study_id=self.pilot.pk) == 1

        scores = InventoryAnswer.objects.answered().values_list("score", flat=True)
        assert sorted(scores) == [2] * 18 + [4, 4]
        assert InventoryAnswer.objects.count() == 22  # the failures kept
        assert is_up_to_date(session.pk, self.pilot)

    def test_an_error_a_retry_cannot_fix_stops_the_asking(self):
        session = ended(self.ana)
        self.fake.script({"status": 401})
        asked = len(self.fake.requests)
        inventory_ask(session_id=session.pk)
        assert len(self.fake.requests) == asked + 1
        assert InventoryAnswer.objects.get().error.startswith("HTTP 401")
