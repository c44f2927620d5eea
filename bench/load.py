"""Load runs: simulated participants (dashboard.simulate) drive the real server, started as
in production (bench.stack), and the numbers go to bench/results/<name>.json.

    python -m bench.load turns --mode real --participants 50 --messages 20
    python -m bench.load open --mode real --participants 500 --rate 3 --duration 60 --llm
    python -m bench.load streams --mode real --replies 300
    python -m bench.load crowd --mode real --participants 1000
    python -m bench.load pages --mode real
    python -m bench.load sockets --mode real --participants 1000
    python -m bench.load ledger --mode real --revisions 10 1000

The server is pinned to core 0 (``--cpus``), this client to core 1. docs/benchmarks.md has
the results and what they led to.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from bench.stack import ROOT, Stack, configure

RESULTS = ROOT / "bench" / "results"
FAKE_PORT = 8999


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--mode", choices=["real", "embedded"], default="real")
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--rate", type=float, default=3.0, help="messages a minute each (open)")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--replies", type=int, default=300)
    parser.add_argument("--revisions", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--llm", action="store_true", help="the fake streaming LLM, not offline")
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--token-rate", type=float, default=50.0)
    parser.add_argument("--daphnes", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--worker-args", default="--pool=threads --concurrency=8")
    parser.add_argument("--cpus", default="0", help="cores for the server ('' for any)")
    parser.add_argument("--name", default="")
    parser.add_argument("--profile", action="store_true", help="py-spy each server process")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    os.sched_setaffinity(0, {1} if args.cpus == "0" else os.sched_getaffinity(0))
    result = SCENARIOS[args.scenario](args)
    result = {"scenario": args.scenario, "mode": args.mode, **result}
    name = args.name or f"{args.scenario}-{args.mode}"
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


def stack_of(args, **env) -> Stack:
    extra = {"DYAD_LLM_BASE_URL": f"http://127.0.0.1:{FAKE_PORT}/v1", "DYAD_LLM_MODEL": "fake"}
    return Stack(
        args.mode,
        daphnes=args.daphnes,
        workers=args.workers,
        cpus=args.cpus,
        worker_args=tuple(args.worker_args.split()),
        env={**(extra if args.llm else {}), **env},
    )


def fake_llm(args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.fake_llm", "--port", str(FAKE_PORT),
         "--tokens", str(args.tokens), "--rate", str(args.token_rate)],
        cwd=ROOT,
    )  # fmt: skip


def seeded(args, llm: bool):
    """The demo study (on the fake LLM, or offline), as seed_demo sets it up."""
    configure(args.mode, {"DYAD_LLM_BASE_URL": f"http://127.0.0.1:{FAKE_PORT}/v1",
                          "DYAD_LLM_MODEL": "fake"} if llm else {})  # fmt: skip
    from studies import demo

    study, _ = demo.ensure_demo()
    return study


def simulate(args, stack: Stack, profile: dict, *, rate=None, duration=None, record=False):
    """Run the participants against the stack; the report, the outcomes and the wall time."""
    study = seeded(args, args.llm)
    from dashboard import pilots
    from dashboard.simulate import profiles, run
    from studies.services import pilot_token

    pilot = pilots.pilot_create(
        study=study, participants=args.participants, concurrency=args.participants,
        base_url=stack.url, pace=0, skip_gaps=True,
    )  # fmt: skip
    people = profiles.profiles(args.participants, seed=1, supplied=[profile])
    entry = f"/s/{study.slug}/?pilot={pilot_token(pilot)}"
    before = stack.usage()
    spies = profile_start(stack) if args.profile else []
    started = time.monotonic()
    outcomes = asyncio.run(
        run.run(stack.urls(), entry, people, concurrency=args.participants, pace=0,
                rate=rate, duration=duration, record=record)
    )  # fmt: skip
    seconds = time.monotonic() - started
    for spy in spies:
        spy.send_signal(2)  # SIGINT: py-spy writes what it has
        spy.wait(60)
    report = run.report(outcomes, seconds) | pilots.pilot_check(pilot, outcomes)
    report["cpu_s"] = cpu_delta(before, stack.usage())
    report["rss_kib"] = {k: v["rss_kib"] for k, v in stack.usage().items()}
    return report, outcomes, seconds


def profile_start(stack: Stack) -> list[subprocess.Popen]:
    """py-spy on every server process, collapsed stacks in bench/results/<name>.prof."""
    return [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--format",
                "raw",
                "--rate",
                "250",
                "--subprocesses",
                "--nonblocking",
                "-o",
                str(RESULTS / f"{name}.prof"),
                "-p",
                str(p.pid),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for name, p in stack.processes.items()
    ]


def cpu_delta(before: dict, after: dict) -> dict:
    return {k: round(after[k]["cpu_s"] - before.get(k, {}).get("cpu_s", 0), 2) for k in after}


def turns(args) -> dict:
    """Closed loop, offline agent: full turns (message, ack, reply) a second."""
    with stack_of(args) as stack:
        profile = {"messages": args.messages, "edit_rate": 0.0, "verbosity": 1.0}
        report, outcomes, seconds = simulate(args, stack, profile)
    replies = sum(1 for o in outcomes for s in o.sent if s.reply is not None)
    return {"turns_per_s": round(replies / seconds, 1), **report}


def open_loop(args) -> dict:
    """Open loop: every participant writes ``rate`` messages a minute for ``duration``."""
    fake = fake_llm(args) if args.llm else None
    try:
        with stack_of(args) as stack:
            profile = {"messages": 1, "edit_rate": 0.0, "verbosity": 1.0}
            report, outcomes, _ = simulate(
                args, stack, profile, rate=args.rate, duration=args.duration, record=args.llm
            )
        if fake:
            report["page_lag_ms"] = page_lag(outcomes)
            report["llm"] = fetch_json(f"http://127.0.0.1:{FAKE_PORT}/stats")
    finally:
        if fake:
            fake.terminate()
    return report


def page_lag(outcomes) -> dict:
    """How long after the model produced a word it was on the page (from each delta)."""
    from dashboard.simulate.run import percentiles

    produced = fetch_json(f"http://127.0.0.1:{FAKE_PORT}/times")
    lags = []
    for outcome in outcomes:
        for at, text in outcome.deltas:
            for word in re.findall(r"w\d+x\d+", text):
                if word in produced:
                    lags.append(at - produced[word])
    return percentiles(lags)


def fetch_json(url: str):
    import urllib.request

    return json.loads(urllib.request.urlopen(url, timeout=30).read())


SCENARIOS = {"turns": turns, "open": open_loop}

if __name__ == "__main__":
    main()
