"""Faults under load, on the production stack (tests/faults/conftest.py): processes killed
with SIGKILL, Redis and PostgreSQL restarted, participants' networks cut. Each ends with the
database holding every message once and one reply to every turn, and every participant done.
"""

from __future__ import annotations

import asyncio
import os
import subprocess

import pytest

from tests.faults.load import assert_whole, pilot_for, streaming, take_part

pytestmark = pytest.mark.faults


def under_fault(study, url: str, participants: int, fault, *, messages: int = 6, **options):
    """Participants take part through ``url`` while ``fault()`` runs; their outcomes."""
    pilot, entry = pilot_for(study, participants, url)

    async def main():
        load = asyncio.create_task(
            take_part(url, entry, participants, messages=messages, **options)
        )
        await fault()
        return await load

    outcomes = asyncio.run(main())
    return assert_whole(pilot, outcomes)


def test_a_daphne_killed_mid_stream_its_pages_reconnect_through_the_proxy(study, stack):
    async def fault():
        await streaming(replies=10)
        await asyncio.to_thread(stack.kill, "daphne0")

    report = under_fault(study, stack.url, 40, fault)
    assert report["reconnects"] > 0  # the killed Daphne's pages came back through nginx


IN_WORKERS = {"DYAD_TURNS_IN": "worker"}  # turns run in Daphne by default: a worker holds none


@pytest.mark.parametrize("stack", [IN_WORKERS], indirect=True)
def test_a_worker_killed_mid_turn_its_turns_are_taken_up_by_another(study, stack):
    async def fault():
        await streaming(replies=10)
        await asyncio.to_thread(stack.start_worker, 1)
        await asyncio.to_thread(stack.kill, "worker0")

    under_fault(study, stack.url, 40, fault)


def test_redis_restarted_mid_stream(study, stack, redis):
    async def fault():
        await streaming(replies=10)
        await asyncio.to_thread(redis.restart)

    under_fault(study, stack.url, 40, fault)


def test_postgresql_restarted_connections_recover(study, stack):
    clusters = os.listdir("/etc/postgresql")

    async def fault():
        await streaming(replies=10)
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[0], "main", "restart"]
        await asyncio.to_thread(subprocess.run, [*command, "-m", "fast"], check=True)

    under_fault(study, stack.url, 40, fault)


@pytest.mark.parametrize("seconds", [5, pytest.param(120, marks=pytest.mark.slow)])
def test_participants_offline_mid_stream(study, stack, link, seconds):
    async def fault():
        await streaming(replies=5)
        await asyncio.to_thread(link.down, seconds)

    report = under_fault(study, link.url, 20, fault, patience=seconds + 60)
    assert report["reconnects"] >= 20  # every page lost its socket and came back


@pytest.mark.slow  # over four minutes: `make faults` runs it, CI's time budget does not
def test_two_hundred_participants_reconnecting_at_once_ten_times(study, stack, link):
    cut = []

    async def fault():
        await streaming(replies=10, timeout=300)
        for _ in range(10):
            for _ in range(1800):  # until (nearly) every page is in the chat, or back in it
                if link.sockets >= 190:
                    break
                await asyncio.sleep(0.1)
            cut.append(await asyncio.to_thread(link.cut))

    report = under_fault(study, link.url, 200, fault, messages=2, rate=4, duration=150)
    assert len(cut) == 10 and min(cut) >= 190, cut  # each time, (nearly) every page's socket
    assert report["reconnects"] >= 1900
