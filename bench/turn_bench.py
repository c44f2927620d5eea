"""A turn's bookkeeping in one process: the queries and the CPU of a participant message
(``message_post``) and of the agent's turn on it (``agent_turn_run``, offline agent), on the
embedded default or on PostgreSQL + Redis.

    python -m bench.turn_bench --mode embedded --messages 60
    python -m bench.turn_bench --mode real --messages 60 --sql
    python -m bench.turn_bench --mode embedded --profile /tmp/turn.prof

Real mode uses a database and a Redis database of its own (``dyad_turn_bench``, db 7), so
it can run beside ``bench.load``. Prints queries per message and per turn and CPU per turn
(p50 and mean of process CPU, less sensitive to other load than wall time, not immune:
compare runs made close together).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext

from bench.stack import PG, PYTHON, ROOT, environment

REAL = {
    "DATABASE_URL": f"{PG}/dyad_turn_bench",
    "REDIS_URL": "redis://127.0.0.1:6379/7",
    "CHANNEL_PREFIX": "turnbench",
    "CELERY_QUEUE": "turnbench",
}
SQLITE = "/tmp/dyad-turn-bench.sqlite3"


def setup(mode: str) -> None:
    """A fresh database for this run, and Django pointed at it."""
    env = environment(mode, REAL if mode == "real" else {"SQLITE_PATH": SQLITE})
    if mode == "real":
        for sql in ("DROP DATABASE IF EXISTS dyad_turn_bench WITH (FORCE)",
                    "CREATE DATABASE dyad_turn_bench"):  # fmt: skip
            subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True)
        subprocess.run(["redis-cli", "-u", REAL["REDIS_URL"], "FLUSHDB"], check=True,
                       capture_output=True)  # fmt: skip
    else:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(SQLITE + suffix):
                os.unlink(SQLITE + suffix)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.clear()
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["real", "embedded"], default="embedded")
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--sql", action="store_true", help="print one turn's statements")
    parser.add_argument("--study", action="store_true", help="pass the study, as a socket can")
    parser.add_argument("--profile", default="", help="cProfile the measured turns to this file")
    args = parser.parse_args()
    setup(args.mode)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chat import background
    from chat.services import agent_turn_run, message_post, session_open
    from studies import demo
    from studies.models import Participant

    study, _ = demo.ensure_demo()
    condition = study.conditions.get(name="co-construct")
    person = Participant.objects.create(study=study, condition=condition, external_id="turns")
    session = session_open(participant=person, number=1)
    known = study if args.study else None
    # The turn a message starts on commit is run (and measured) apart from the message; on
    # real services it goes to a queue no worker reads, as a worker would take it.
    turn = background.AGENT_TURN
    background.register(background.Job(turn, run=lambda **_: None, here=lambda **_: False))
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    cpu_message, cpu_turn, n_message, n_turn = [], [], [], []
    sql = {}
    for n in range(args.messages):
        # Every tenth message and turn has its statements counted (a debug cursor costs CPU
        # of its own), the others their CPU timed; the first few warm caches.
        counted, timed = n % 10 == 9, n >= 10 and n % 10 != 9
        if profiler and timed:
            profiler.enable()
        started = time.process_time()
        with CaptureQueriesContext(connection) if counted else nullcontext() as posting:
            posted = message_post(
                session_id=session.pk, client_id=f"m{n}", text="Who are you?", study=known
            )
        middle = time.process_time()
        with CaptureQueriesContext(connection) if counted else nullcontext() as turning:
            agent_turn_run(message_id=posted.message.pk)
        ended = time.process_time()
        if profiler and timed:
            profiler.disable()
        if timed:
            cpu_message.append(middle - started)
            cpu_turn.append(ended - middle)
        if counted:
            n_message.append(len(posting))
            n_turn.append(len(turning))
            sql = {"message": [q["sql"] for q in posting], "turn": [q["sql"] for q in turning]}
    if profiler:
        profiler.dump_stats(args.profile)
    both = [a + b for a, b in zip(cpu_message, cpu_turn, strict=True)]

    def ms(values):
        return {
            "p50": round(1000 * statistics.median(values), 2),
            "mean": round(1000 * statistics.fmean(values), 2),
        }

    result = {
        "mode": args.mode,
        "queries_per_message": max(n_message),
        "queries_per_turn": max(n_turn),
        "cpu_ms_message": ms(cpu_message),
        "cpu_ms_turn": ms(cpu_turn),
        "cpu_ms_both": ms(both),
    }
    print(json.dumps(result, indent=2))
    if args.sql:
        for part, statements in sql.items():
            print(f"\n-- {part}: {len(statements)} statements")
            for statement in statements:
                print(statement[:300])


if __name__ == "__main__":
    main()
