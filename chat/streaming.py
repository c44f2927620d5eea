"""Streaming a reply to the page cheaply. Pure: no Django imports.

``HiddenLines`` keeps PROPOSE/DECIDE lines (the proposal fallback) out of the visible text
even when they arrive a few characters at a time. ``Flusher`` batches text so the channel
layer carries at most one message per ``interval`` for a reply, however fast tokens come or
however far behind the reader is; ``Pacer`` sends its batches on the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

KEYWORDS = ("PROPOSE", "DECIDE")


class HiddenLines:
    def __init__(self) -> None:
        self.line = ""  # the current line, held back while it could still be a keyword line
        self.showing = False  # the current line is known to be ordinary text

    def feed(self, chunk: str) -> str:
        visible = []
        for char in chunk:
            if self.showing:
                visible.append(char)
                self.showing = char != "\n"
                continue
            self.line += char
            if char == "\n":
                if not self._is_keyword_line():
                    visible.append(self.line)
                self.line = ""
            elif not self._could_be_keyword_line():
                visible.append(self.line)
                self.line, self.showing = "", True
        return "".join(visible)

    def end(self) -> str:
        rest, self.line = ("" if self._is_keyword_line() else self.line), ""
        return rest

    def _is_keyword_line(self) -> bool:
        return self.line.lstrip().startswith(KEYWORDS)

    def _could_be_keyword_line(self) -> bool:
        head = self.line.lstrip()
        return any(k.startswith(head) or head.startswith(k) for k in KEYWORDS)


class Flusher:
    """A reply's text, handed on in batches: the first text at once, then at most one batch
    per ``interval`` seconds holding everything that came meanwhile. The pace is the
    clock's, never the tokens': however far behind the reader is, a second of reply costs
    at most ``1 / interval`` batches (``Pacer`` asks for them)."""

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        limit: int | None = None,
    ) -> None:
        self.interval, self.clock, self.limit = interval, clock, limit
        self.text, self.sent, self.last = "", 0, float("-inf")

    def add(self, text: str) -> None:
        """Text past ``limit`` characters is dropped (a stored reply is cut there too)."""
        self.text += text
        if self.limit is not None and len(self.text) > self.limit:
            self.text = self.text[: self.limit]

    @property
    def pending(self) -> bool:
        return len(self.text) > self.sent

    def wait(self) -> float:
        """Seconds until the next batch may go (0: now)."""
        return max(0.0, self.last + self.interval - self.clock())

    def take(self) -> tuple[int, str] | None:
        """The next batch, ``(offset, text)``: the text not yet handed on, which replaces
        everything from character ``offset`` on. None when there is nothing new."""
        if not self.pending:
            return None
        batch = (self.sent, self.text[self.sent :])
        self.sent, self.last = len(self.text), self.clock()
        return batch

    def reset(self) -> tuple[int, str]:
        """Start over (a retried attempt): the batch that tells the page to drop its text."""
        self.text, self.sent = "", 0
        return (0, "")


class Pacer:
    """Runs beside a reply's reader and sends each batch its ``Flusher`` allows, on the
    clock: the reader only adds text and ``poke``s, so it never waits on a send, and a send
    that is slow (a busy channel layer) makes the next batch larger, not more frequent.
    ``finish`` stops it, after any send in flight, and sends what is left."""

    def __init__(
        self,
        flusher: Flusher,
        send: Callable[[int, str], Awaitable[None]],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.flusher, self.send, self.sleep = flusher, send, sleep
        self.woken = asyncio.Event()
        self.sending = self.closing = False
        self.task = asyncio.create_task(self._run())

    def poke(self) -> None:
        self.woken.set()

    async def _run(self) -> None:
        while not self.closing:
            await self.woken.wait()
            self.woken.clear()
            await self.sleep(self.flusher.wait())
            batch = self.flusher.take()
            if batch is not None:
                self.sending = True
                try:
                    await self.send(*batch)
                finally:
                    self.sending = False

    async def finish(self) -> None:
        self.closing = True
        if not self.sending:  # waiting or sleeping: nothing is lost by stopping there
            self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        batch = self.flusher.take()
        if batch is not None:
            await self.send(*batch)
