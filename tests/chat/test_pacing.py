"""Reply pacing: the schedule (pure), and replies held and shown on it, with the times the
participant saw recorded beside the model's own."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from chat import events
from chat.models import Message
from chat.pacing import schedule, typing_seconds, typing_starts
from chat.selectors import agent_state
from chat.services import agent_turn_run, message_post, session_open
from studies.design import Pacing
from tests.base import DyadTestCase
from tests.fake_openai import FakeLLMMixin

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
HUMAN = Pacing("human", wpm=60, jitter=0.0, read_seconds=2.0, delay_seconds=5.0,
               max_seconds=60.0, indicator=True)  # fmt: skip


def test_a_human_paced_reply_reads_then_types_its_words_at_the_pace():
    plan = schedule(HUMAN, received=T0, generated=T0, text="one two three four five", key="1:2")
    assert plan.typing_started == T0 + timedelta(seconds=2)
    assert plan.shown == T0 + timedelta(seconds=2 + 5)  # five words at one a second


def test_a_slow_model_shows_its_reply_when_it_is_ready():
    late = T0 + timedelta(seconds=30)
    plan = schedule(HUMAN, received=T0, generated=late, text="short", key="1:2")
    assert plan.shown == late and plan.typing_started == T0 + timedelta(seconds=2)


def test_long_replies_type_no_longer_than_the_longest_typing_time():
    capped = HUMAN._replace(max_seconds=10.0)
    plan = schedule(capped, received=T0, generated=T0, text="word " * 500, key="1:2")
    assert plan.shown == T0 + timedelta(seconds=12)


def test_a_fixed_delay_ignores_the_length_and_shows_typing_at_once_if_asked():
    delay = HUMAN._replace(mode="delay", delay_seconds=4.0)
    plan = schedule(delay, received=T0, generated=T0, text="word " * 500, key="1:2")
    assert plan == (T0, T0 + timedelta(seconds=4))
    quiet = delay._replace(indicator=False)
    assert schedule(quiet, received=T0, generated=T0, text="x", key="k").typing_started is None


def test_streamed_replies_have_no_typing_schedule():
    assert typing_starts(HUMAN._replace(mode="stream"), T0) is None


@given(
    jitter=st.floats(0, 0.9),
    words=st.integers(1, 300),
    key=st.text(max_size=20),
)
def test_jitter_stays_within_its_bounds_and_is_the_documented_draw(jitter, words, key):
    pacing = HUMAN._replace(jitter=jitter, max_seconds=600.0)
    seconds = typing_seconds(pacing, "w " * words, key)
    base = words / pacing.wpm * 60
    assert base * (1 - jitter) - 1e-9 <= seconds <= base * (1 + jitter) + 1e-9
    # docs/data.md: u is the first draw of random.Random(key)
    assert seconds == base * (1 + jitter * (2 * random.Random(key).random() - 1))


class HeldReplyTests(FakeLLMMixin, DyadTestCase):
    def setUp(self):
        super().setUp()
        self.use_llm(self.editable, self.fake.base_url)
        self.sent = []

    def pace(self, **fields):
        for name, value in fields.items():
            setattr(self.editable, name, value)
        self.editable.save()
        self.ana.refresh_from_db()

    async def record(self, session_id, *args):
        self.sent.append(args)

    def turn(self, text="hello"):
        session = session_open(participant=self.ana, number=1)
        message = message_post(session_id=session.pk, client_id="c1", text=text).message
        with (
            mock.patch.object(events, "abroadcast_delta", self.record),
            mock.patch.object(events, "abroadcast_agent", self.record),
        ):
            return message, agent_turn_run(message_id=message.pk)

    def test_a_human_paced_reply_is_held_then_shown_whole_after_its_typing_time(self):
        self.pace(reply_pacing="human", pacing_read_seconds=0.3, pacing_wpm=600,
                  pacing_jitter=0)  # fmt: skip
        self.fake.script({"text": "one two three four five six seven eight nine ten"})
        message, reply = self.turn()
        waited = (reply.shown_at - message.created_at).total_seconds()
        assert waited >= 0.3 + 1.0  # ten words at 600 a minute, after reading
        due = message.created_at + timedelta(seconds=0.3)  # when it went, not when it was due
        assert due <= reply.typing_started_at < due + timedelta(seconds=0.5)
        assert reply.generated_at <= reply.typing_started_at + timedelta(seconds=1)
        assert reply.created_at >= reply.shown_at  # stored when shown: the record is the page
        # Nothing of it streamed: one "typing" notice, no text before the reply itself.
        assert [a for a in self.sent if len(a) != 1] == []
        assert [a[0]["state"] for a in self.sent] == ["thinking"]

    def test_without_the_indicator_the_page_shows_nothing_until_the_reply(self):
        self.pace(reply_pacing="delay", pacing_delay_seconds=0.5, pacing_indicator=False)
        self.fake.script({"text": "Hello there."})
        message, reply = self.turn()
        assert self.sent == [] and reply.typing_started_at is None
        assert (reply.shown_at - message.created_at).total_seconds() >= 0.5

    def test_a_streamed_reply_records_when_typing_and_its_text_showed(self):
        self.fake.script({"text": "Streaming as it comes."})
        message, reply = self.turn()
        assert reply.typing_started_at <= reply.shown_at <= reply.generated_at
        assert any(len(a) == 3 for a in self.sent)  # delta frames went to the page

    def test_a_page_that_asks_meanwhile_hears_nothing_before_typing_is_due(self):
        self.pace(reply_pacing="human", pacing_read_seconds=30)
        session = session_open(participant=self.ana, number=1)
        message_post(session_id=session.pk, client_id="c1", text="hi")
        session.refresh_from_db()
        assert agent_state(session)["state"] == "held"
        Message.objects.filter(session=session, sender="participant").update(
            created_at=T0  # long ago: reading is over, typing shows
        )
        assert agent_state(session)["state"] == "thinking"
