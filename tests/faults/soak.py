"""The soak run (``make soak``, not in CI): simulated participants on real services for
``--minutes`` (30), in waves of ``--participants`` each, with a fault every ``--every``
seconds in turn: a Daphne killed (SIGKILL) and started again, the worker killed and another
started, Redis restarted, PostgreSQL restarted. Every wave ends with the fault suite's
checks (tests/faults/load.py ``assert_whole``: everyone finished, every message stored once,
one reply to every turn, no error seen). Writes bench/results/soak.json; the latest run is
in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from bench.stack import PYTHON, ROOT, Stack, configure, environment, fresh_database
from tests.faults.conftest import ENV, LLM_PORT, LOGS, PORT, Redis


def faults(stack: Stack, redis: Redis) -> list:
    cluster = os.listdir("/etc/postgresql")[0]
    pg = ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart", "-m", "fast"]

    def daphne():
        stack.kill("daphne0")
        time.sleep(1)
        stack.start_daphne(0)

    workers = iter(range(1, 1000))

    def worker():
        running = [n for n in stack.processes if n.startswith("worker")]
        stack.start_worker(next(workers))
        stack.kill(running[0])

    return [
        ("Daphne killed and started again", daphne),
        ("worker killed, another started", worker),
        ("Redis restarted", redis.restart),
        ("PostgreSQL restarted", lambda: subprocess.run(pg, check=True)),
    ]


async def soak(args, study, stack: Stack, redis: Redis) -> dict:
    from django.db import connections

    from tests.faults.load import assert_whole, pilot_for, take_part

    orm = ThreadPoolExecutor(1)  # one thread, one connection, for this process's own queries

    def new_pilot():
        connections.close_all()  # the last fault may have been PostgreSQL's restart
        return pilot_for(study, args.participants, stack.url)

    async def on_orm(call, *args):
        return await asyncio.get_running_loop().run_in_executor(orm, call, *args)

    deadline = time.monotonic() + args.minutes * 60
    waves, applied = [], []
    schedule = faults(stack, redis)

    async def inject():
        n = 0
        while True:
            await asyncio.sleep(args.every)
            name, fault = schedule[n % len(schedule)]
            started = time.monotonic()
            await asyncio.to_thread(fault)
            applied.append({"fault": name, "seconds": round(time.monotonic() - started, 1)})
            n += 1

    injecting = asyncio.create_task(inject())
    try:
        while time.monotonic() < deadline:
            pilot, entry = await on_orm(new_pilot)
            outcomes = await take_part(stack.url, entry, args.participants, messages=args.messages)
            try:
                report = await on_orm(assert_whole, pilot, outcomes)
                waves.append({"ok": True, "messages": report["messages"],
                              "reconnects": report["reconnects"]})  # fmt: skip
            except AssertionError as failed:
                waves.append({"ok": False, "why": str(failed)[:2000]})
    finally:
        injecting.cancel()
    return {
        "minutes": args.minutes,
        "waves": len(waves),
        "waves_whole": sum(w["ok"] for w in waves),
        "participants": len(waves) * args.participants,
        "messages": sum(w.get("messages", 0) for w in waves),
        "reconnects": sum(w.get("reconnects", 0) for w in waves),
        "faults": applied,
        "failed_waves": [w for w in waves if not w["ok"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--every", type=float, default=180, help="seconds between faults")
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--messages", type=int, default=6)
    args = parser.parse_args()
    for tool in ("nginx", "redis-server", "pg_ctlcluster"):
        if shutil.which(tool) is None:
            sys.exit(f"The soak run needs {tool}")
    redis = Redis()
    redis.start()
    llm = subprocess.Popen(
        [PYTHON, "-m", "bench.fake_llm", "--port", str(LLM_PORT), "--tokens", "40", "--rate",
         "20"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        fresh_database("real", environment("real", ENV))
        configure("real", ENV)
        import django

        django.setup()
        from studies import demo

        study, _ = demo.ensure_demo()
        logs = LOGS / "soak"
        shutil.rmtree(logs, ignore_errors=True)
        with Stack(
            "real", daphnes=2, workers=1, cpus="", proxy=True, fresh=False, port=PORT, env=ENV,
            worker_args=("--pool=threads", "--concurrency=4"), logs=logs,
        ) as stack:  # fmt: skip
            result = asyncio.run(soak(args, study, stack, redis))
    finally:
        llm.terminate()
        redis.kill()
    out = ROOT / "bench" / "results" / "soak.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    sys.exit(0 if not result["failed_waves"] else 1)


if __name__ == "__main__":
    main()
