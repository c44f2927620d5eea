"""A Celery worker killed mid-turn: the turn is picked up again, with no duplicate reply."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from unittest import mock

import pytest
from django.conf import settings
from django.test import TransactionTestCase

from chat import tasks
from chat.models import AgentTurn, Message
from chat.services import message_post, session_open
from tests.base import Cast
from tests.fake_openai import FakeOpenAI
from tests.workers import start_worker, wait_for_agent_turns

QUEUE = f"dyad-kill-test-{os.getpid()}"


@pytest.mark.slow
class WorkerKillTests(Cast, TransactionTestCase):
    def setUp(self):
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.skipTest("Needs REDIS_URL: this test kills a real Celery worker.")
        self.make_cast()
        self.fake = FakeOpenAI().start()
        self.addCleanup(self.fake.stop)
        self.use_llm(self.editable, self.fake.base_url)
        self.workers: list[subprocess.Popen] = []
        self.addCleanup(self.stop_workers)

    def start_worker(self, name: str) -> subprocess.Popen:
        # A short visibility timeout, so a dead worker's turn is handed on within seconds.
        worker = start_worker(QUEUE, name, DYAD_TURN_LOST_SECONDS="5")
        self.workers.append(worker)
        return worker

    def stop_workers(self):
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
        wait_for_agent_turns(in_this_process=False)

    def wait_until(self, condition, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def test_a_turn_whose_worker_is_killed_is_finished_by_another_with_one_reply(self):
        session = session_open(participant=self.ana, number=1)
        with mock.patch("chat.services.messages.agent_turn_start"):
            prompted = message_post(session_id=session.pk, client_id="k1", text="tell me").message
        self.fake.script(
            {"text": " ".join(["never"] * 60), "delay": 0.5},  # the first worker dies in this
            {"text": "Picked up where we left off."},
        )
        tasks.agent_turn.apply_async(args=[prompted.pk], queue=QUEUE)
        first = self.start_worker("first")
        turn = AgentTurn.objects.filter(prompted=prompted)
        self.wait_until(
            lambda: turn.get().status == "running" and self.fake.requests,
            60,
            "the first worker to start streaming",
        )
        time.sleep(1)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)

        self.start_worker("second")
        self.wait_until(lambda: turn.get().status == "done", 90, "the turn to be finished")
        replies = Message.objects.filter(reply_to=prompted, sender="agent")
        assert [r.text for r in replies] == ["Picked up where we left off."]
        assert turn.get().attempts == 2
        assert len(self.fake.requests) == 2
