"""Streaming a reply to the page cheaply. Pure: no Django imports.

``HiddenLines`` keeps PROPOSE/DECIDE lines (the proposal fallback) out of the visible text
even when they arrive a few characters at a time. ``Flusher`` batches text so the channel
layer carries at most one message per ``interval`` for a reply, however fast tokens come.
"""

from __future__ import annotations

import time
from collections.abc import Callable

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
    """Collects text and hands it on at most once per ``interval`` seconds."""

    def __init__(
        self,
        send: Callable[[int, str], None],
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        limit: int | None = None,
    ) -> None:
        self.send, self.interval, self.clock, self.limit = send, interval, clock, limit
        self.text, self.sent, self.last = "", 0, float("-inf")

    def add(self, text: str) -> None:
        """Text past ``limit`` characters is dropped (a stored reply is cut there too)."""
        self.text += text
        if self.limit is not None and len(self.text) > self.limit:
            self.text = self.text[: self.limit]
        if self.clock() - self.last >= self.interval:
            self.flush()

    def flush(self) -> None:
        if len(self.text) > self.sent:
            self.send(self.sent, self.text[self.sent :])
            self.sent = len(self.text)
        self.last = self.clock()

    def reset(self) -> None:
        """Start over (a retried attempt): the page drops what it was shown."""
        self.text, self.sent = "", 0
        self.send(0, "")
