"""Simulated participants as the load a fault lands in, and the check that follows it: every
participant finished, every message was stored once, every turn was answered once (counted
in the database), and nobody saw an error."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.faults.conftest import LLM_PORT


def pilot_for(study, participants: int, base_url: str):
    from dashboard import pilots
    from studies.services.enrolment import pilot_token

    pilot = pilots.pilot_create(
        study=study, participants=participants, concurrency=participants, base_url=base_url,
        pace=0, skip_gaps=True,
    )  # fmt: skip
    return pilot, f"/s/{study.slug}/?pilot={pilot_token(pilot)}"


async def take_part(url: str, entry: str, participants: int, *, messages: int, **options):
    from dashboard.simulate import profiles, run

    profile = {"messages": messages, "edit_rate": 0.0, "verbosity": 1.0}
    people = profiles.profiles(participants, seed=7, supplied=[profile])
    return await run.run(url, entry, people, concurrency=participants, pace=0, **options)


async def streaming(replies: int = 1, timeout: float = 120) -> None:
    """Until the fake LLM is streaming at least ``replies`` replies: a fault now is mid-stream."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=30) as client:  # this loop is busy with the load
        while time.monotonic() < deadline:
            stats = (await client.get(f"http://127.0.0.1:{LLM_PORT}/stats")).json()
            if stats["in_flight"] >= replies:
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"no {replies} replies streaming within {timeout} s")


def assert_whole(pilot, outcomes) -> dict:
    """Everyone finished without an error, and the database holds every message once and
    one reply to every turn."""
    from django.db import connections

    from dashboard import pilots
    from dashboard.simulate import run

    connections.close_all()  # this process's connection may not have survived the fault
    report = run.report(outcomes, 0)
    assert report["errors"] == [], report["errors"][:5]
    assert report["completed"] == len(outcomes), report["stopped_at"]
    assert report["not_acknowledged"] == 0 and report["not_replied"] == 0, report
    check = pilots.pilot_check(pilot, outcomes)
    assert check == {"lost": 0, "lost_after_ack": 0, "doubled": 0, "unanswered": 0}, check
    return report
