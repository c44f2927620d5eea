"""Many simulated participants at once, and what they measured. No Django.

``run`` starts ``len(profiles)`` participants, at most ``concurrency`` at a time, and
reports each one's outcome as it ends (``on_done``); ``report`` sums them up: completions,
where the others stopped, errors, and for every message the time to its acknowledgement, to
the first text of the reply on the page, and to the whole reply (p50, p90, p99, max, in ms).
"""

from __future__ import annotations

import asyncio
import statistics
from collections import Counter
from collections.abc import Awaitable, Callable

from .answers import Effect
from .client import Outcome, SimulatedParticipant, Writer, offline_writer
from .profiles import Profile


async def run(
    base_url: str | list[str],
    entry_path: str,
    profiles: list[Profile],
    *,
    concurrency: int,
    effect: Effect | None = None,
    pace: float = 1.0,
    rate: float | None = None,
    duration: float | None = None,
    writer: Writer = offline_writer,
    on_done: Callable[[Outcome], Awaitable[None]] | None = None,
    record: bool = False,
    patience: float = 30.0,
) -> list[Outcome]:
    """``base_url`` may list several servers (one study behind several Daphne processes):
    participants are spread over them in turn. ``patience``: how long a participant keeps
    reloading a page that does not load."""
    limit = asyncio.Semaphore(max(1, concurrency))
    urls = [base_url] if isinstance(base_url, str) else base_url

    async def one(n: int, profile: Profile) -> Outcome:
        async with limit:
            participant = SimulatedParticipant(
                urls[n % len(urls)],
                entry_path,
                profile,
                effect=effect,
                pace=pace,
                rate=rate,
                duration=duration,
                writer=writer,
                record=record,
                patience=patience,
            )
            outcome = await participant.take_part()
        if on_done:
            await on_done(outcome)
        return outcome

    return list(await asyncio.gather(*(one(n, p) for n, p in enumerate(profiles))))


def percentiles(values: list[float]) -> dict:
    """p50, p90, p99 and max in milliseconds (None without values)."""
    if not values:
        return {"n": 0, "p50": None, "p90": None, "p99": None, "max": None}
    ms = sorted(v * 1000 for v in values)

    def at(q: float) -> float:
        return round(ms[min(len(ms) - 1, int(q * len(ms)))], 1)

    return {
        "n": len(ms),
        "p50": round(statistics.median(ms), 1),
        "p90": at(0.9),
        "p99": at(0.99),
        "max": round(ms[-1], 1),
    }


def report(outcomes: list[Outcome], seconds: float) -> dict:
    sent = [s for o in outcomes for s in o.sent]
    return {
        "participants": len(outcomes),
        "completed": sum(o.completed for o in outcomes),
        "stopped_at": dict(Counter(o.step for o in outcomes if not o.completed)),
        "by_condition": dict(Counter(o.condition for o in outcomes if o.completed)),
        "messages": len(sent),
        "seconds": round(seconds, 1),
        "ack_ms": percentiles([s.ack for s in sent if s.ack is not None]),
        "first_reply_text_ms": percentiles(
            [s.first_text for s in sent if s.first_text is not None]
        ),
        "full_reply_ms": percentiles([s.reply for s in sent if s.reply is not None]),
        "not_acknowledged": sum(s.ack is None for s in sent),
        "not_replied": sum(s.reply is None for s in sent),
        "errors": [e for o in outcomes for e in o.errors][:200],
        "error_count": sum(len(o.errors) for o in outcomes),
        "reconnects": sum(o.reconnects for o in outcomes),
        "pages_retried": sum(len(o.retried) for o in outcomes),
    }
