"""Chat-page benchmark, in one process: the participant's chat page through Django's test
client (all the middleware, the journey's gate, the view and its templates), in a scratch
SQLite database, for a panel-editable participant with a transcript of ``--messages``
messages and ``--revisions`` revisions in the identity's ledger.

    python -m bench.page_bench --messages 1 40 --revisions 0 --requests 500 [--profile]

Prints, for each size: process CPU per request (the least of five rounds), queries per
request and the page's size;
``--profile`` prints the cProfile of the last size (cumulative, top 40).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time

from bench.scratch import sqlite_django


def participant_at_chat(study, condition, messages: int, revisions: int):
    """A consented participant with their PMQ done, at their first chat with this history."""
    from django.utils import timezone

    from chat.models import Message
    from chat.services import identity_edit, session_open
    from questionnaires.services import administration_open, administration_submit
    from studies.models import Participant

    person = Participant.objects.create(
        study=study, condition=condition, consented_at=timezone.now(), comprehension_passed=True
    )
    if study.pmq_before:
        shown = administration_open(participant=person, session_number=1, timepoint="pre")
        answers = {code: ["4"] for code in shown.item_order}
        administration_submit(administration_id=shown.pk, submitted=answers)
    session = session_open(participant=person, number=1)
    for n in range(revisions):
        identity_edit(session_id=session.pk, target="persona.role", value=f"a guide {n}")
    Message.objects.bulk_create(
        Message(session=session, turn=session.last_turn + 1 + t, sender=who, text=f"{who} {t}")
        for t, who in enumerate(["participant", "agent"] * (messages // 2))
    )
    return person


def measure(client, url: str, requests: int) -> tuple[float, int, int]:
    """CPU ms per request, queries per request, bytes of the page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(20):  # warm: templates compiled, caches filled
        client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200, page.status_code
    count = len(queries)  # now: the next request clears the log it reads
    rounds = []
    for _ in range(5):  # the least of five: other processes on the machine only slow it down
        started = time.process_time()
        for _ in range(requests // 5):
            client.get(url)
        rounds.append((time.process_time() - started) * 1000 / (requests // 5))
    return min(rounds), count, len(page.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, nargs="+", default=[1, 40])
    parser.add_argument("--revisions", type=int, default=0)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.environ |= {"DEBUG": "false", "SECRET_KEY": "bench-only-" + "k" * 50}  # as deployed
    sqlite_django("page")
    from django.test import Client

    from studies import demo, session_keys

    study, _ = demo.ensure_demo()
    condition = study.conditions.get(name="co-construct")
    print("| messages | CPU ms per page | queries | page KiB |")
    print("|---|---|---|---|")
    for size in args.messages:
        person = participant_at_chat(study, condition, size, args.revisions)
        client = Client()
        session = client.session
        session_keys.remember(session, study.pk, person.pk)
        session.save()
        url = f"/s/{study.slug}/session/1/chat/"
        cpu_ms, queries, size_b = measure(client, url, args.requests)
        print(f"| {size} | {cpu_ms:.2f} | {queries} | {size_b / 1024:.1f} |")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [client.get(url) for _ in range(args.requests)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
