"""Two Daphne processes behind nginx: the participant's socket on one, the researcher's live
view on the other, a worker killed mid-turn. Every message reaches the live view once, and
the participant gets one reply to each of their messages: with turns in the participant's
Daphne (the default; the live view's copy goes through Redis) and in the worker (whose turn
is then the one killed, and restarted)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
import pytest
import websockets

from tests.faults.load import assert_whole, pilot_for, streaming

pytestmark = pytest.mark.faults


async def researcher_cookie(base: str) -> str:
    from studies.demo import DEMO_PASSWORD, DEMO_USERNAME

    async with httpx.AsyncClient(base_url=base, follow_redirects=True) as client:
        await client.get("/accounts/login/")
        form = {
            "username": DEMO_USERNAME,
            "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        }
        headers = {"Referer": f"{base}/accounts/login/", "Origin": base}
        response = await client.post("/accounts/login/", data=form, headers=headers)
        assert "/accounts/login/" not in str(response.url), "the demo researcher cannot log in"
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def session_of(pilot) -> int:
    from asgiref.sync import sync_to_async

    from chat.models import ChatSession

    for _ in range(600):
        found = await sync_to_async(
            lambda: ChatSession.objects.filter(participant__pilot=pilot).first()
        )()
        if found:
            return found.pk
        await asyncio.sleep(0.1)
    raise AssertionError("the participant never reached the chat")


@pytest.mark.parametrize(
    "stack", [{"DYAD_TURNS_IN": "socket"}, {"DYAD_TURNS_IN": "worker"}], indirect=True
)
def test_live_view_and_participant_on_different_daphnes_worker_killed(study, stack):
    from dashboard.simulate import profiles
    from dashboard.simulate.client import SimulatedParticipant

    pilot, entry = pilot_for(study, 1, stack.url)
    person = profiles.profiles(1, seed=3, supplied=[{"messages": 6, "edit_rate": 0.0}])[0]
    participant = SimulatedParticipant(stack.url, entry, person, pace=0)
    seen: list[dict] = []

    async def main():
        taking_part = asyncio.create_task(participant.take_part())
        session = await session_of(pilot)
        while not participant.out.upstreams:
            await asyncio.sleep(0.05)
        cookie = await researcher_cookie(stack.url)
        url = f"ws://127.0.0.1:{stack.port}/ws/watch/{session}/"
        for _ in range(10):  # until nginx puts the live view on the other Daphne
            watcher = await websockets.connect(
                url, origin=stack.url, additional_headers={"Cookie": cookie}
            )
            upstream = watcher.response.headers["X-Dyad-Upstream"]
            if upstream != participant.out.upstreams[-1]:
                break
            await watcher.close()
        assert upstream != participant.out.upstreams[-1], "both sockets on one Daphne"
        await watcher.send(json.dumps({"type": "sync", "after": 0}))

        async def watch():
            async for raw in watcher:
                seen.append(json.loads(raw))

        watching = asyncio.create_task(watch())
        await streaming(replies=1)
        await asyncio.to_thread(stack.start_worker, 1)
        await asyncio.to_thread(stack.kill, "worker0")
        outcome = await taking_part
        await asyncio.sleep(2)
        watching.cancel()
        await watcher.close()
        return session, upstream, outcome

    session, upstream, outcome = asyncio.run(main())
    assert_whole(pilot, [outcome])
    assert set(outcome.upstreams) == {outcome.upstreams[0]}  # the participant never moved
    from chat.models import Message

    stored = set(Message.objects.filter(session_id=session).values_list("turn", flat=True))
    history = {m["turn"] for f in seen if f["type"] == "history" for m in f["messages"]}
    live = Counter(f["message"]["turn"] for f in seen if f["type"] == "message")
    assert all(n == 1 for n in live.values()), live
    assert history | set(live) == stored
    assert len(live) >= 6  # most of the conversation came live, not from the catch-up
