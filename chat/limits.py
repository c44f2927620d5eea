"""How fast a participant and a socket may go. Pure: no Django imports.

Two limits, each answering "go" (0) or "wait this many seconds":
- ``window_wait``: a participant's messages per minute (set per study), counted over the
  last 60 seconds of stored messages, so it holds across tabs and processes.
- ``FrameLimits``: one token bucket per frame type per socket, in memory, so a flood costs
  no database work. Set far above what a page sends (see ``FRAME_RATES``), and a socket-wide
  ``FLOOD`` bucket past which the socket is closed (``FLOODED``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

WINDOW = 60.0  # seconds: messages_per_minute counts the messages of the last minute
FLOODED = 4429  # close code: the socket sent frames far faster than any page does


class Rate(NamedTuple):
    burst: int  # frames at once
    per_second: float  # frames a second, on and on


# A page sends a sync on every (re)connect and one per history page; every pending message
# and unreported stretch away after a reconnect; a retry per click. A person never comes
# near these; a page replaying a long offline backlog may, and then waits and sends again.
FRAME_RATES = {
    "sync": Rate(30, 3.0),
    "message": Rate(30, 1.0),
    "activity": Rate(30, 1.0),
    "retry": Rate(5, 0.2),
}
OTHER = Rate(10, 1.0)  # unknown types and broken frames
FLOOD = Rate(120, 20.0)  # every frame, whatever it is: past this the socket is closed


def retry_after(wait: float) -> int:
    """Whole seconds to tell a client (at least 1: "now" would be sent again at once)."""
    return max(1, math.ceil(wait))


class TokenBucket:
    """Holds up to ``rate.burst`` tokens, refilled at ``rate.per_second``; ``take`` spends one
    and answers 0, or spends none and answers the seconds until one is there."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.clock = clock
        self.tokens = float(rate.burst)
        self.at = clock()

    def take(self) -> float:
        now = self.clock()
        elapsed = max(0.0, now - self.at)
        self.tokens = min(float(self.rate.burst), self.tokens + elapsed * self.rate.per_second)
        self.at = now
        if self.tokens >= 1.0 - 1e-9:  # a client that waited as told, to the float's last bit
            self.tokens = max(0.0, self.tokens - 1.0)
            return 0.0
        return (1.0 - self.tokens) / self.rate.per_second


class Verdict(NamedTuple):
    wait: float  # 0: go on; else seconds until this frame type may be sent again
    flooded: bool  # the socket as a whole went past FLOOD: close it


class FrameLimits:
    """A socket's buckets: one per frame type (``FRAME_RATES``, others share ``OTHER``) and
    ``FLOOD`` for all frames. ``check`` is called once per frame received."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.buckets: dict[str, TokenBucket] = {}
        self.flood = TokenBucket(FLOOD, clock)

    def check(self, frame_type: str | None) -> Verdict:
        if self.flood.take():
            return Verdict(math.inf, flooded=True)
        kind = frame_type if frame_type in FRAME_RATES else "other"
        if kind not in self.buckets:
            self.buckets[kind] = TokenBucket(FRAME_RATES.get(kind, OTHER), self.clock)
        return Verdict(self.buckets[kind].take(), flooded=False)


def seconds_text(seconds: int) -> str:
    """``retry_after`` in words, for the error's message: "1 second", "5 seconds"."""
    return f"{seconds} second" if seconds == 1 else f"{seconds} seconds"


def window_wait(sent: Sequence[float], limit: int, now: float, window: float = WINDOW) -> float:
    """Seconds until one more message fits ``limit`` per ``window``, given when the recent
    ones were sent (any order, as timestamps in seconds); 0 when it fits now."""
    recent = sorted(t for t in sent if now - window < t <= now)
    if len(recent) < limit:
        return 0.0
    # The oldest message that must leave the window for one more to fit.
    return recent[len(recent) - limit] + window - now
