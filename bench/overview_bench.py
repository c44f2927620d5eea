"""Live-overview benchmark: the study's live page and its rows endpoint with N sessions in
progress (each with a greeting, a participant message, a reply, an agent turn and a waiting
proposal), in a scratch SQLite database, through Django's test client.

    python -m bench.overview_bench --sessions 20 200 500

Prints one Markdown table row per size (median of 20 requests); docs/benchmarks.md records
them.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.scratch import sqlite_django


def grow(study, condition, total: int) -> None:
    from django.utils import timezone

    from chat.models import AgentTurn, ChatSession, Identity, Message, Revision
    from studies.models import Participant

    have = ChatSession.objects.filter(participant__study=study).count()
    now = timezone.now()
    people = Participant.objects.bulk_create(
        Participant(study=study, condition=condition, consented_at=now) for _ in range(total - have)
    )
    sessions = ChatSession.objects.bulk_create(
        ChatSession(participant=p, number=1, last_turn=3, participant_turns=1) for p in people
    )
    Message.objects.bulk_create(
        Message(session=s, turn=t, sender=who, text=f"{who} says something, turn {t}")
        for s in sessions
        for t, who in ((1, "agent"), (2, "participant"), (3, "agent"))
    )
    prompted = Message.objects.filter(session__in=sessions, turn=2)
    AgentTurn.objects.bulk_create(AgentTurn(prompted=m, status="done") for m in prompted)
    identities = Identity.objects.bulk_create(Identity(participant=p) for p in people)
    Revision.objects.bulk_create(
        Revision(identity=i, author="agent", status="proposed", target="persona.name", after="X")
        for i in identities
    )


def timed(client, url: str, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[20, 200, 500])
    args = parser.parse_args()
    sqlite_django("overview")
    from django.test import Client

    from chat.models import ChatSession
    from studies import demo

    study, _ = demo.ensure_demo()
    condition = study.conditions.get(name="co-construct")
    client = Client()
    client.force_login(study.owners.get())
    print("| sessions in progress | page ms | page KiB | rows of 10 changed ms |")
    print("|---|---|---|---|")
    for size in args.sessions:
        grow(study, condition, size)
        page = f"/dashboard/studies/{study.slug}/live/"
        ids = ",".join(map(str, ChatSession.objects.values_list("pk", flat=True)[:10]))
        kib = len(client.get(page).content) / 1024
        rows = f"/dashboard/studies/{study.slug}/live/rows/?ids={ids}"
        print(f"| {size} | {timed(client, page):.0f} | {kib:.0f} | {timed(client, rows):.0f} |")


if __name__ == "__main__":
    main()
