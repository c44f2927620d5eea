"""Scoring benchmark: how long the offline measures take per ended session, by length.

Builds, in a scratch SQLite database, sessions of N participant messages with the offline
agent on the demo's editable condition (a panel edit every fifth message), finishes them,
asks their Q&A probes once, then times ``dashboard.scoring.session_score`` on each (the
probes already answered, as on every later scoring) and reports the median and the slowest.

    python -m bench.score_bench --messages 10 50 200

Prints one Markdown table row per length; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import statistics
import time
from unittest import mock

from bench.scratch import sqlite_django


def session_of(study, condition, messages: int, n: int):
    from chat.services import (
        agent_turn_run,
        identity_edit,
        message_post,
        session_finish,
        session_open,
    )
    from studies.models import Participant

    person = Participant.objects.create(study=study, condition=condition, consented_at=None)
    session = session_open(participant=person, number=1)
    for i in range(messages):
        with mock.patch("chat.services.messages.agent_turn_start"):
            posted = message_post(
                session_id=session.pk, client_id=f"{n}-{i}", text=f"Tell me about idea {i}."
            )
        agent_turn_run(message_id=posted.message.pk)
        if i % 5 == 4:
            identity_edit(session_id=session.pk, target="persona.name", value=f"Name{i}")
    session_finish(session_id=session.pk)
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--sessions", type=int, default=10)
    args = parser.parse_args()
    sqlite_django("score")
    from dashboard.probing import probes_ask
    from dashboard.scoring import session_score
    from studies import demo

    study, _ = demo.ensure_demo()
    condition = study.conditions.get(name="co-construct")
    study.min_participant_turns = 1
    study.save()
    print("| messages per session | sessions | median ms | slowest ms |")
    print("|---|---|---|---|")
    for size in args.messages:
        sessions = [session_of(study, condition, size, n) for n in range(args.sessions)]
        for s in sessions:
            probes_ask(session_id=s.pk)
        session_score(session_id=sessions[0].pk)  # imports scikit-learn once
        times = []
        for s in sessions:
            started = time.perf_counter()
            session_score(session_id=s.pk)
            times.append((time.perf_counter() - started) * 1000)
        print(f"| {size} | {len(times)} | {statistics.median(times):.1f} | {max(times):.1f} |")


if __name__ == "__main__":
    main()
