"""Wizard of Oz: a researcher answers as the agent, editing the agent's draft or writing
their own; when nobody answers in time the agent stands in, recorded as such."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest

from chat.errors import ChatError
from chat.models import Message, Revision, WizardRequest
from chat.services import agent_turn_run, message_post, session_open
from chat.services.wizard import wizard_reply, wizard_take
from studies.models import Condition
from tests.base import DyadTransactionTestCase


class WizardTests(DyadTransactionTestCase):
    def setUp(self):
        super().setUp()
        Condition.objects.filter(pk=self.editable.pk).update(
            agent_backend="wizard", wizard_drafts=True, wizard_timeout_seconds=30
        )
        self.pilot.owners.add(self.omar)  # a second researcher on the study
        self.session = session_open(participant=self.ana, number=1)

    def turn(self, text: str):
        """The agent's turn on a new participant message, running in a thread of its own
        (it waits for the wizard), and the request it opens."""
        with mock.patch("chat.services.messages.agent_turn_start"):
            client_id = f"w{Message.objects.count()}"
            posted = message_post(session_id=self.session.pk, client_id=client_id, text=text)
        pool = ThreadPoolExecutor(1)
        running = pool.submit(agent_turn_run, message_id=posted.message.pk)
        for _ in range(100):
            request = WizardRequest.objects.filter(prompted=posted.message).first()
            if request:
                return running, request
            time.sleep(0.05)
        raise AssertionError("no wizard request")

    def test_the_wizard_edits_the_draft_and_proposes_a_change_as_the_agent(self):
        running, request = self.turn("Hello, who are you?")
        assert request.draft.startswith("I'm Mira")  # the offline agent drafted it
        wizard_reply(
            session_id=self.session.pk,
            user=self.rita,
            text="Hi! I'm Mira, and I'd love to hear about your plans.",
            target="partner.name",
            value="Ana",
        )
        reply = running.result(timeout=10)
        assert reply.text == "Hi! I'm Mira, and I'd love to hear about your plans."
        assert (reply.authored, reply.wizard, reply.backend) == ("edited", self.rita, "wizard")
        proposal = Revision.objects.get(status="proposed", target="partner.name")
        assert (proposal.author, proposal.after) == ("agent", "Ana")
        self.session.refresh_from_db()
        assert self.session.wizard == self.rita  # first come
        with pytest.raises(ChatError, match="is this session's wizard"):
            self.turn_and_answer_as(self.omar)
        wizard_take(session_id=self.session.pk, user=self.omar)
        running, request = self.turn("And now?")
        wizard_reply(session_id=self.session.pk, user=self.omar, text=request.draft)
        approved = running.result(timeout=10)
        assert (approved.authored, approved.wizard) == ("approved", self.omar)

    def turn_and_answer_as(self, user):
        running, _ = self.turn("Still there?")
        try:
            wizard_reply(session_id=self.session.pk, user=user, text="yes")
        finally:
            wizard_reply(session_id=self.session.pk, user=self.rita, text="Yes, still here.")
            running.result(timeout=10)

    def test_when_no_wizard_answers_in_time_the_agent_stands_in_and_says_so(self):
        Condition.objects.filter(pk=self.editable.pk).update(wizard_timeout_seconds=1)
        running, request = self.turn("Anyone there?")
        reply = running.result(timeout=15)
        request.refresh_from_db()
        assert request.status == "timed_out"
        assert (reply.authored, reply.wizard, reply.backend) == ("fallback", None, "scripted")
        with pytest.raises(ChatError, match="No message is waiting"):
            wizard_reply(session_id=self.session.pk, user=self.rita, text="too late")
        assert Message.objects.filter(sender="agent", reply_to=request.prompted).count() == 1

    def test_a_bad_reply_or_change_is_refused_and_changes_nothing(self):
        running, request = self.turn("Hi")
        for text, target, value, message in (
            ("  ", "", "", "Please write a reply."),
            ("ok", "persona.nope", "x", "There is no field"),
            ("ok", "persona.name", "", "cannot be empty"),
        ):
            with pytest.raises(ChatError, match=message):
                wizard_reply(
                    session_id=self.session.pk, user=self.rita, text=text, target=target,
                    value=value,
                )  # fmt: skip
        request.refresh_from_db()
        assert request.status == "waiting" and request.wizard is None
        wizard_reply(session_id=self.session.pk, user=self.rita, text="Hello!")
        assert running.result(timeout=10).authored == "edited"
