"""When a held reply appears: the schedule of a condition's reply pacing. Pure.

A condition's replies either stream as the model writes them, or are held and shown whole:
after a human typing time (a reading delay, then the reply's words at the condition's words
per minute, made up to ``jitter`` shorter or longer), or after a fixed delay. The schedule
runs from the participant's message; a model slower than the schedule shows the reply when
it is ready. The exact rule is in docs/data.md ("Reply pacing"), so the times in
messages.csv can be recomputed from the design.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import NamedTuple

from studies.design import Pacing


class Schedule(NamedTuple):
    typing_started: datetime | None  # when the page shows "typing" (None: it never does)
    shown: datetime  # when the reply appears


def words(text: str) -> int:
    """Words as the typing time counts them: runs of characters between whitespace."""
    return len(text.split())


def draw_key(participant: str, session: int, turn: int) -> str:
    """What seeds a reply's jitter: names an export gives (participant code, session number,
    the turn of the message it replies to), so the draw can be recomputed from the export."""
    return f"{participant}:{session}:{turn}"


def jitter_factor(pacing: Pacing, key: str) -> float:
    """1 + jitter * (2u - 1), u the first draw of Python's ``random.Random(key)``."""
    return 1 + pacing.jitter * (2 * random.Random(key).random() - 1)


def typing_seconds(pacing: Pacing, text: str, key: str) -> float:
    """Human pace: the reply's words at ``wpm``, jittered, at most ``max_seconds``."""
    seconds = words(text) / pacing.wpm * 60 * jitter_factor(pacing, key)
    return min(pacing.max_seconds, seconds)


def typing_starts(pacing: Pacing, received: datetime) -> datetime | None:
    """When the page starts showing "typing" for a held reply (None: no indicator)."""
    if not (pacing.holds and pacing.indicator):
        return None
    wait = pacing.read_seconds if pacing.mode == "human" else 0.0
    return received + timedelta(seconds=wait)


def schedule(pacing: Pacing, *, received: datetime, generated: datetime, text: str, key: str):
    """When a held reply to the message ``received`` appears, its text ``generated`` by
    then; ``key`` seeds the jitter (``draw_key``)."""
    if pacing.mode == "human":
        start = received + timedelta(seconds=pacing.read_seconds)
        due = start + timedelta(seconds=typing_seconds(pacing, text, key))
    else:
        due = received + timedelta(seconds=pacing.delay_seconds)
    return Schedule(typing_starts(pacing, received), max(due, generated))
