"""Agent turns on an OpenAI-compatible condition, against the local fake endpoint."""

from __future__ import annotations

import time
from unittest import mock

from django.test import override_settings

from chat import events
from chat.models import AgentTurn, Message, Revision
from chat.selectors import agent_state
from chat.services import (
    ChatError,
    agent_pause,
    agent_turn_run,
    message_post,
    session_open,
    turn_retry,
)
from tests.base import DyadTestCase, DyadTransactionTestCase
from tests.fake_openai import FakeLLMMixin


@override_settings(DYAD_AGENT_BACKOFF_SECONDS=0.01)
class AgentTurnTests(FakeLLMMixin, DyadTestCase):
    def setUp(self):
        super().setUp()
        self.use_llm(self.editable, self.fake.base_url, llm_temperature=0.3)
        self.session = session_open(participant=self.ana, number=1)

    def post(self, text="hello", client_id="c1") -> Message:
        return message_post(session_id=self.session.pk, client_id=client_id, text=text).message

    def test_the_reply_is_stored_once_with_its_provenance(self):
        self.fake.script({"text": "Nice to meet you, I'm Mira."})
        reply = agent_turn_run(message_id=self.post().pk)
        assert reply.text == "Nice to meet you, I'm Mira."
        assert (reply.backend, reply.model, reply.finish_reason) == ("openai", "fake-1", "stop")
        assert (reply.prompt_tokens, reply.completion_tokens, reply.retries) == (42, 6, 0)
        assert reply.params == {"temperature": 0.3, "max_tokens": 300, "proposals": "tools"}
        assert len(reply.prompt_hash) == 64 and reply.ttft_ms is not None
        assert reply.latency_ms >= reply.ttft_ms and reply.identity_version == 1
        assert AgentTurn.objects.get().status == "done"
        assert agent_turn_run(message_id=reply.reply_to_id).pk == reply.pk  # run twice: one reply
        assert Message.objects.filter(sender="agent", reply_to=reply.reply_to).count() == 1

    def test_the_same_prompt_gives_the_same_hash(self):
        self.fake.script({"text": "a"}, {"text": "b"})
        first = agent_turn_run(message_id=self.post().pk)
        Message.objects.filter(pk=first.pk).delete()
        second = agent_turn_run(message_id=first.reply_to_id)
        assert first.prompt_hash == second.prompt_hash

    def test_tool_calls_become_proposals_in_the_ledger(self):
        self.fake.script(
            {
                "text": "Shall I be Nova?",
                "tool_calls": [
                    (
                        "propose_change",
                        {"target": "persona.name", "value": "Nova", "rationale": "asked"},
                    ),
                    ("propose_change", {"target": "persona.shoe_size", "value": "9"}),
                ],
            }
        )
        agent_turn_run(message_id=self.post("call yourself Nova").pk)
        proposal = Revision.objects.get(status="proposed")
        assert (proposal.author, proposal.target, proposal.after) == (
            "agent",
            "persona.name",
            "Nova",
        )
        tools = self.fake.requests[-1]["body"]["tools"]
        assert {t["function"]["name"] for t in tools} == {"propose_change", "decide_proposal"}

    def test_without_tools_proposals_come_as_hidden_lines(self):
        self.editable.llm_use_tools = False
        self.editable.save()
        self.fake.script({"text": 'Noted.\nPROPOSE {"target": "partner.name", "value": "Al"}'})
        sent = []

        async def record(*args):
            sent.append(args)

        with mock.patch.object(events, "abroadcast_delta", record):
            reply = agent_turn_run(message_id=self.post("I'm Al").pk)
        assert reply.text == "Noted."
        assert "PROPOSE" not in "".join(text for *_, text in sent)
        assert Revision.objects.get(status="proposed").after == "Al"
        assert "tools" not in self.fake.requests[-1]["body"]
        assert "PROPOSE {" in self.fake.requests[-1]["body"]["messages"][0]["content"]

    def test_transient_errors_are_retried_with_the_errors_kept(self):
        self.fake.script({"status": 503}, {"text": "one two", "drop_after": 1}, {"text": "Back."})
        reply = agent_turn_run(message_id=self.post().pk)
        assert reply.text == "Back." and reply.retries == 2
        turn = AgentTurn.objects.get()
        assert turn.status == "done" and turn.attempts == 1
        assert [e["permanent"] for e in turn.errors] == [False, False]
        assert "HTTP 503" in turn.errors[0]["error"]

    def test_a_permanent_error_fails_visibly_and_the_participant_can_retry(self):
        self.fake.script({"status": 401}, {"text": "Sorry for the wait."})
        states = []

        async def record(session_id, state):
            states.append(state)

        with mock.patch.object(events, "abroadcast_agent", record):
            assert agent_turn_run(message_id=self.post().pk) is None
        assert states[-1]["state"] == "failed" and "try again" in states[-1]["message"]
        turn = AgentTurn.objects.get()
        assert turn.status == "failed" and "HTTP 401" in turn.errors[0]["error"]
        assert not Message.objects.filter(sender="agent", reply_to__isnull=False).exists()
        assert agent_state(self.session)["state"] == "failed"
        with (
            mock.patch("chat.services.messages.agent_turn_start") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            turn_retry(session_id=self.session.pk)
        enqueue.assert_called_once_with(turn.prompted_id)
        reply = agent_turn_run(message_id=turn.prompted_id)
        assert reply.text == "Sorry for the wait."
        assert reply.retries == 1  # the failed try before "Try again" counts, as data.md says

    def test_a_message_sent_while_the_agent_replies_is_stored_at_once_and_answered_next(self):
        with (
            mock.patch("chat.services.messages.agent_turn_start") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            first = self.post("first", client_id="a")
            second = self.post("call yourself Nova", client_id="b")  # while the agent works
        assert (first.turn, second.turn) == (2, 3)  # stored in the order they were sent
        enqueue.assert_called_once_with(first.pk)  # one turn in flight
        with self.assertRaisesMessage(ChatError, "not stuck"):
            turn_retry(session_id=self.session.pk)
        self.fake.script({"text": "Reply to first."}, {"text": "Reply to the rest."})
        with (
            mock.patch("chat.services.messages.agent_turn_start") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            reply = agent_turn_run(message_id=first.pk)
        assert (reply.turn, reply.answers) == (4, [2])
        enqueue.assert_called_once_with(second.pk)  # the next turn takes up what came after
        later = agent_turn_run(message_id=second.pk)
        assert (later.turn, later.answers, later.reply_to_id) == (5, [3], second.pk)
        prompt = self.fake.requests[-1]["body"]["messages"]
        assert [m["content"] for m in prompt[1:]][-3:] == [
            "first",
            "call yourself Nova",
            "Reply to first.",
        ]

    def test_a_reply_answers_every_message_since_the_last_one_it_answered(self):
        with mock.patch("chat.services.messages.agent_turn_start"):
            agent_pause(session_id=self.session.pk, paused=True)
            one, two = self.post("one", client_id="p1"), self.post("two", client_id="p2")
            agent_pause(session_id=self.session.pk, paused=False)
        assert AgentTurn.objects.get().prompted_id == two.pk
        reply = agent_turn_run(message_id=two.pk)
        assert reply.answers == [one.turn, two.turn]

    @override_settings(DYAD_STREAM_FLUSH_SECONDS=0.1)
    def test_streamed_text_is_batched_to_at_most_ten_flushes_a_second(self):
        words = " ".join(f"w{n}" for n in range(60))
        self.fake.script({"text": words, "delay": 0.01})  # ~100 chunks a second
        sent = []

        async def record(*args):
            sent.append((time.monotonic(), *args))

        with mock.patch.object(events, "abroadcast_delta", record):
            reply = agent_turn_run(message_id=self.post().pk)
        # Flushes are at least 100 ms apart, except the last one that closes the reply.
        gaps = [b[0] - a[0] for a, b in zip(sent, sent[1:], strict=False)][:-1]
        assert len(sent) < 60 and all(gap >= 0.099 for gap in gaps)
        rebuilt = ""
        for _at, _session, _reply_to, offset, text in sent:
            rebuilt = rebuilt[:offset] + text
        assert rebuilt == reply.text == words


@override_settings(DYAD_AGENT_BACKOFF_SECONDS=0.01)
class TaskTests(FakeLLMMixin, DyadTransactionTestCase):
    def test_the_task_hands_a_turn_to_the_runner_and_a_failure_is_recorded_calmly(self):
        from chat import tasks, turns

        self.use_llm(self.editable, self.fake.base_url)
        session = session_open(participant=self.ana, number=1)
        self.fake.script({"status": 401})
        with mock.patch("chat.services.messages.agent_turn_start"):
            message = message_post(session_id=session.pk, client_id="t1", text="hi").message
        with self.assertNoLogs(level="ERROR"):  # once: AttributeError on the missing reply
            result = tasks.agent_turn.apply(args=[message.pk])
            turns.drain()
        assert result.successful()
        assert AgentTurn.objects.get().status == "failed"


class ReplyThenNextMessageTests(DyadTransactionTestCase):
    """Commit callbacks run at the real commit here, as in production."""

    def test_when_the_reply_is_announced_the_next_message_is_already_welcome(self):
        session = session_open(participant=self.ana, number=1)
        with mock.patch("chat.services.messages.agent_turn_start"):
            first = message_post(session_id=session.pk, client_id="n1", text="hello").message
        outcomes = []

        def on_reply(message, status=None):  # what a page does the moment it sees the reply
            if message.sender == "agent" and message.reply_to_id == first.pk:
                try:
                    message_post(session_id=session.pk, client_id="n2", text="and another")
                    outcomes.append("accepted")
                except ChatError as error:
                    outcomes.append(error.code)

        with (
            mock.patch.object(events, "broadcast_message", on_reply),
            mock.patch("chat.services.messages.agent_turn_start"),
        ):
            agent_turn_run(message_id=first.pk)
        assert outcomes == ["accepted"]


class RedisDownTests(FakeLLMMixin, DyadTransactionTestCase):
    """Redis restarting (the cache, the broker) never loses a message or fails a turn: the
    database is the record."""

    def setUp(self):
        super().setUp()
        self.use_llm(self.editable, self.fake.base_url)
        self.session = session_open(participant=self.ana, number=1)

    def test_a_reply_streams_on_while_the_cache_is_down(self):
        from django.core.cache import caches

        from chat import drafts

        self.fake.script({"text": "Still here, still Mira.", "delay": 0.01})
        down = ConnectionError("Error 111 connecting to 127.0.0.1:6379")
        with mock.patch("chat.services.messages.agent_turn_start"):  # run here, not by a worker
            post = message_post(session_id=self.session.pk, client_id="c1", text="hello")
        kept_in = type(caches["drafts"])  # every thread's instance
        with mock.patch.object(kept_in, "set", side_effect=down):
            reply = agent_turn_run(message_id=post.message.pk)
        assert reply.text == "Still here, still Mira."
        assert AgentTurn.objects.get().status == "done"
        with mock.patch.object(kept_in, "get", side_effect=down):
            assert drafts.text_for(self.session.pk, post.message.turn) == ""

    def test_a_turn_the_broker_cannot_take_is_kept_and_reaped(self):
        from celery import current_app

        from chat.background import AGENT_TURN
        from chat.turns import stale_turns_claim

        task = current_app.tasks[AGENT_TURN]
        down = OSError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        with (
            override_settings(CELERY_TASK_ALWAYS_EAGER=False, DYAD_TURN_LOST_SECONDS=0),
            mock.patch.object(task, "delay", side_effect=down) as delay,
            self.assertLogs("chat.background", "WARNING"),
        ):
            post = message_post(session_id=self.session.pk, client_id="c1", text="hello")
            assert delay.called  # it was tried, and failed
            assert Message.objects.get(pk=post.message.pk).text == "hello"
            assert AgentTurn.objects.get().status == "queued"
            assert stale_turns_claim() == [post.message.pk]  # a worker will start it

    def test_a_turn_whose_process_died_is_noted_with_what_the_participant_had_seen(self):
        from datetime import timedelta

        from django.utils import timezone

        from chat import drafts
        from chat.turns import stale_turns_claim

        with mock.patch("chat.services.messages.agent_turn_start"):
            post = message_post(session_id=self.session.pk, client_id="c1", text="hello")
        died = timezone.now() - timedelta(minutes=5)
        AgentTurn.objects.update(status="running", attempts=1, heartbeat_at=died)
        drafts.save(self.session.pk, post.message.turn, "Half a reply, καλημέρα, 你好")
        assert stale_turns_claim() == [post.message.pk]
        (note,) = AgentTurn.objects.get().errors
        assert note["error"].startswith("interrupted") and note["attempt"] == 1
        assert note["shown"] == "Half a reply, καλημέρα, 你好"
        self.client.force_login(self.rita)
        page = self.client.get(f"/dashboard/studies/pilot/sessions/{self.session.pk}/")
        assert "What the participant had seen" in page.content.decode()
        assert "καλημέρα, 你好" in page.content.decode()
