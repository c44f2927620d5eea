"""A turn's bookkeeping has a budget: the queries a participant message and the agent's turn
on it (offline agent) cost, counted as pages' are (bench/turn_bench.py measures their CPU).
And what the turn reads once, as it begins, still says exactly what it said before."""

from __future__ import annotations

from unittest import mock

from asgiref.sync import sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import events
from chat.agent.backends import ScriptedBackend
from chat.models import AgentTurn, Message
from chat.services import agent_turn_run, identity_edit, message_post, session_open
from tests.base import DyadTestCase

# Statements in a test (its atomic blocks are savepoints): the same count as in production.
# lock, resend?, sent in the last minute (the study's limit)?, insert, turn numbers, agent
# busy?, queue its turn, +2
MESSAGE_QUERIES = 9
TURN_QUERIES = 9  # message with all it needs, transcript, running; lock, reply, 2 updates, +2


class TurnBudgetTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.session = session_open(participant=self.ana, number=1)

    def post(self, text="Who are you?", client_id="c1"):
        with mock.patch("chat.services.messages.agent_turn_start"):
            return message_post(session_id=self.session.pk, client_id=client_id, text=text)

    def test_a_message_and_a_resend_stay_within_budget(self):
        with self.assertNumQueries(MESSAGE_QUERIES):
            first = self.post()
        with self.assertNumQueries(5):  # lock, resend?, the stored message, +2
            again = self.post()
        assert (again.created, again.message.pk) == (False, first.message.pk)

    def test_a_socket_that_holds_the_study_saves_reading_it_again(self):
        with (
            mock.patch("chat.services.messages.agent_turn_start"),
            CaptureQueriesContext(connection) as statements,
        ):
            posted = message_post(
                session_id=self.session.pk, client_id="s1", text="Hi", study=self.pilot
            )
        assert len(statements) == MESSAGE_QUERIES
        assert not any("studies_study" in q["sql"] for q in statements)
        assert events.status_data(posted.session)["min_turns"] == 2

    def test_a_turn_stays_within_budget_and_stores_its_reply_with_provenance(self):
        message = self.post().message
        with self.assertNumQueries(TURN_QUERIES):
            reply = agent_turn_run(message_id=message.pk)
        assert (reply.turn, reply.answers, reply.reply_to_id) == (3, [2], message.pk)
        assert (reply.backend, reply.identity_version, reply.finish_reason) == (
            "scripted",
            1,
            "stop",
        )
        identity = self.ana.identity
        identity.refresh_from_db()
        assert reply.revisions_seen == identity.last_revision_id
        turn = AgentTurn.objects.get()
        assert (turn.status, turn.attempts) == ("done", 1)

    def test_an_edit_since_the_agent_last_spoke_costs_one_query_more_and_is_taken_on_board(self):
        agent_turn_run(message_id=self.post(client_id="a").message.pk)
        identity_edit(session_id=self.session.pk, target="persona.name", value="Nova")
        message = self.post(client_id="b").message
        prompts = []
        astream = ScriptedBackend.astream

        def spy(backend, messages, **kwargs):
            prompts.append(messages)
            return astream(backend, messages, **kwargs)

        with (
            mock.patch.object(ScriptedBackend, "astream", spy),
            self.assertNumQueries(TURN_QUERIES + 1),
        ):
            reply = agent_turn_run(message_id=message.pk)
        assert "persona.name" in prompts[0][0]["content"] and "Nova" in prompts[0][0]["content"]
        assert reply.identity_version == 2
        with mock.patch.object(ScriptedBackend, "astream", spy):  # seen now: not repeated
            agent_turn_run(message_id=self.post(client_id="c").message.pk)
        assert "Changes to who you are" not in prompts[-1][0]["content"]

    def test_a_message_written_while_the_agent_replies_is_answered_next(self):
        message = self.post(client_id="a").message
        astream = ScriptedBackend.astream

        async def meanwhile(backend, messages, **kwargs):  # the participant writes again
            await sync_to_async(self.post)("And another thing", "b")
            async for piece in astream(backend, messages, **kwargs):
                yield piece

        with (
            mock.patch.object(ScriptedBackend, "astream", meanwhile),
            mock.patch("chat.services.messages.agent_turn_start"),
        ):
            reply = agent_turn_run(message_id=message.pk)
        later = Message.objects.get(client_id="b")
        assert (reply.turn, reply.answers, later.turn) == (4, [2], 3)
        assert AgentTurn.objects.get(prompted=later).status == "queued"  # the next turn's
        assert agent_turn_run(message_id=later.pk).answers == [3]
