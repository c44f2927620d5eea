"""Batching a streamed reply: the page gets few, time-paced batches whatever the load, and
never loses or doubles text. Pure: no database."""

from __future__ import annotations

import asyncio
from unittest import TestCase

from chat.streaming import Flusher, Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def rebuilt(batches: list[tuple[int, str]]) -> str:
    text = ""
    for offset, part in batches:
        text = text[:offset] + part
    return text


class FlusherTests(TestCase):
    def test_the_first_text_goes_at_once_and_the_rest_waits_for_the_interval(self):
        clock = Clock()
        flusher = Flusher(0.2, clock)
        flusher.add("Hello")
        assert flusher.wait() == 0 and flusher.take() == (0, "Hello")
        flusher.add(" there")
        clock.now = 0.05
        assert abs(flusher.wait() - 0.15) < 1e-9
        clock.now = 0.2
        assert flusher.take() == (5, " there")
        assert flusher.take() is None  # nothing new

    def test_text_past_the_limit_is_dropped(self):
        flusher = Flusher(0.2, Clock(), limit=8)
        flusher.add("abcdef")
        flusher.add("ghijkl")
        assert flusher.take() == (0, "abcdefgh")

    def test_reset_tells_the_page_to_drop_what_it_was_shown(self):
        flusher = Flusher(0.2, Clock())
        flusher.add("partial")
        flusher.take()
        assert flusher.reset() == (0, "") and flusher.sent == 0


class PacerTests(TestCase):
    def drive(self, coroutine):
        return asyncio.run(coroutine)

    def test_a_reader_far_behind_still_sends_at_most_one_batch_per_interval(self):
        """Tokens read in bursts (a loaded worker reading a socket's backlog) and a slow
        layer: the batches stay on the clock, and together they are the whole text."""

        async def scenario():
            clock, sent = Clock(), []

            async def send(offset: int, text: str) -> None:
                sent.append((clock.now, offset, text))
                await clock.sleep(0.15)  # a send slower than most of the interval

            flusher = Flusher(0.2, clock)
            pacer = Pacer(flusher, send, sleep=clock.sleep)
            words = [f"w{n} " for n in range(300)]
            for n, word in enumerate(words):
                flusher.add(word)
                pacer.poke()
                if n % 25 == 0:  # the reader gets a turn only now and then
                    await asyncio.sleep(0)
                    clock.now += 0.01
                    await asyncio.sleep(0)
            await pacer.finish()
            return sent, "".join(words)

        sent, text = self.drive(scenario())
        times = [at for at, _, _ in sent]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)][:-1]
        assert all(gap >= 0.2 - 1e-9 for gap in gaps)
        assert len(sent) < 20  # 300 tokens, not one batch per token
        assert rebuilt([(o, t) for _, o, t in sent]) == text

    def test_finish_waits_for_a_send_in_flight_and_sends_the_rest(self):
        async def scenario():
            sent = []
            release = asyncio.Event()

            async def send(offset: int, text: str) -> None:
                sent.append((offset, text))
                if len(sent) == 1:
                    await release.wait()

            flusher = Flusher(0.2)
            pacer = Pacer(flusher, send)
            flusher.add("first ")
            pacer.poke()
            await asyncio.sleep(0.01)  # the first batch is being sent
            flusher.add("and the end")
            finishing = asyncio.create_task(pacer.finish())
            await asyncio.sleep(0.01)
            assert not finishing.done()  # it waits for the send in flight
            release.set()
            await finishing
            return sent

        sent = self.drive(scenario())
        assert sent == [(0, "first "), (6, "and the end")]

    def test_nothing_is_sent_for_a_reply_without_text(self):
        async def scenario():
            sent = []

            async def send(offset: int, text: str) -> None:
                sent.append((offset, text))

            pacer = Pacer(Flusher(0.2), send)
            await pacer.finish()
            return sent

        assert self.drive(scenario()) == []
