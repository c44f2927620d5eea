"""Load runs: simulated participants (dashboard.simulate) drive the real server, started as
in production (bench.stack), and the numbers go to bench/results/<name>.json.

    python -m bench.load turns --mode real --participants 50 --messages 20
    python -m bench.load open --mode real --participants 500 --rate 3 --duration 60 --llm
    python -m bench.load streams --mode real --replies 300
    python -m bench.load replies --mode real --participants 20 --messages 8
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
    name = label_of(args)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


def label_of(args) -> str:
    return args.name or f"{args.scenario}-{args.mode}"


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
    from studies.services.enrolment import pilot_token

    pilot = pilots.pilot_create(
        study=study, participants=args.participants, concurrency=args.participants,
        base_url=stack.url, pace=0, skip_gaps=True,
    )  # fmt: skip
    people = profiles.profiles(args.participants, seed=1, supplied=[profile])
    entry = f"/s/{study.slug}/?pilot={pilot_token(pilot)}"
    before = stack.usage()
    spies = profile_start(stack, label_of(args)) if args.profile else []
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


def profile_start(stack: Stack, label: str) -> list[subprocess.Popen]:
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
                "--gil",  # only the thread holding the GIL: where the CPU goes
                "-o",
                str(RESULTS / f"{label}-{name}.prof"),
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
    return {**chat_window(outcomes, report["cpu_s"]), **report}


def chat_window(outcomes, cpu: dict) -> dict:
    """Turns a second while the chats ran (first message sent to last reply: the journey
    pages before and after are not turns), and the CPU per turn over the whole run."""
    sent = [s for o in outcomes for s in o.sent]
    replied = [s for s in sent if s.reply is not None]
    if not replied:
        return {"turns_per_s": 0.0}
    window = max(s.at + s.reply for s in replied) - min(s.at for s in sent)
    per_turn = {k: round(1000 * v / len(replied), 2) for k, v in cpu.items()}
    return {"turns_per_s": round(len(replied) / window, 1), "cpu_ms_per_turn": per_turn}


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


class Sampler:
    """Every half second while a run lasts: each server process's resident memory, and the
    connections open to the stack's PostgreSQL database. Keeps the peaks."""

    def __init__(self, stack: Stack):
        import threading

        self.stack, self.peak_rss, self.peak_connections = stack, {}, 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def __enter__(self) -> Sampler:
        self.idle_rss = {k: v["rss_kib"] for k, v in self.stack.usage().items()}
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()

    def sample(self) -> None:
        while not self.done.wait(0.5):
            for name, usage in self.stack.usage().items():
                self.peak_rss[name] = max(self.peak_rss.get(name, 0), usage["rss_kib"])
            if self.stack.mode == "real":
                self.peak_connections = max(self.peak_connections, pg_connections())

    def growth_kib(self) -> dict:
        return {k: v - self.idle_rss.get(k, 0) for k, v in self.peak_rss.items()}


def pg_connections() -> int:
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'dyad_bench'"
    out = subprocess.run(
        ["psql", "postgres://postgres@127.0.0.1:5432/postgres", "-tAc", sql],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return int(out.stdout.strip() or 0)


def streams(args) -> dict:
    """``--replies`` participants write at once to a slow streaming model (``--tokens`` at
    ``--token-rate``): how many replies stream at once from one process, the memory each
    costs, and the database connections the stack holds meanwhile."""
    args.llm, args.participants = True, args.replies
    fake = fake_llm(args)
    try:
        with stack_of(args) as stack:
            profile = {"messages": 1, "edit_rate": 0.0, "verbosity": 1.0}
            warm(args, stack)
            with Sampler(stack) as sampler:
                report, outcomes, _ = simulate(args, stack, profile)
            llm = fetch_json(f"http://127.0.0.1:{FAKE_PORT}/stats")
    finally:
        fake.terminate()
    turns_process = "worker0" if args.mode == "real" else "daphne0"
    growth = sampler.growth_kib()
    in_flight = max(1, llm["peak_in_flight"])
    return {
        "peak_replies_in_flight": llm["peak_in_flight"],
        "peak_rss_growth_kib": growth,
        "kib_per_reply_in_flight": round(growth.get(turns_process, 0) / in_flight, 1),
        "peak_db_connections": sampler.peak_connections,
        **report,
    }


def warm(args, stack: Stack) -> None:
    """A few participants first, so imports and pools are warm before memory is measured."""
    saved = args.participants, args.profile
    args.participants, args.profile = 5, False  # profiles are of the measured run only
    simulate(args, stack, {"messages": 1, "edit_rate": 0.0, "verbosity": 1.0})
    args.participants, args.profile = saved


def replies(args) -> dict:
    """Closed loop on the fake streaming model (``--tokens`` at ``--token-rate``): each of
    ``--participants`` writes their next message once the reply to the last is complete, so
    about that many replies stream at all times. Server CPU per reply (each server process,
    the Redis server, PostgreSQL) over the chat window only, and the delta frames each reply
    took to reach the page (bench.reply_cost)."""
    from bench import reply_cost

    args.llm = True
    fake = fake_llm(args)
    try:
        with stack_of(args) as stack:
            warm(args, stack)
            profile = {"messages": args.messages, "edit_rate": 0.0, "verbosity": 1.0}
            with reply_cost.CpuTimeline(stack) as timeline:
                idle = timeline.idle()
                report, outcomes, _ = simulate(args, stack, profile, record=True)
            llm = fetch_json(f"http://127.0.0.1:{FAKE_PORT}/stats")
    finally:
        fake.terminate()
    commit = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"],
                            capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    return {
        "code": f"{ROOT} at {commit}",
        **reply_cost.cost(outcomes, timeline),
        **reply_cost.frames_per_reply(outcomes),
        "idle_cpu_ms_per_s": idle,
        "llm": llm,
        **report,
    }


def crowd(args) -> dict:
    """``--participants`` people chatting at once (open loop, ``--rate`` messages a minute
    each, for ``--duration`` seconds), every socket open together: what was lost, doubled or
    failed, and the server memory each connected participant costs."""
    with stack_of(args) as stack:
        warm(args, stack)
        profile = {"messages": 1, "edit_rate": 0.0, "verbosity": 1.0}
        with Sampler(stack) as sampler:
            report, outcomes, _ = simulate(
                args, stack, profile, rate=args.rate, duration=args.duration
            )
    growth = sampler.growth_kib()
    daphnes = sum(v for k, v in growth.items() if k.startswith("daphne"))
    return {
        "peak_rss_growth_kib": growth,
        "kib_per_participant": round(daphnes / args.participants, 1),
        "peak_db_connections": sampler.peak_connections,
        **report,
    }


def pages(args) -> dict:
    """Journey pages a second: ``--participants`` clients, each at its chat page, loading
    it again and again for ``--duration`` seconds (keep-alive, as a browser)."""
    with stack_of(args) as stack:
        study = seeded(args, False)
        from dashboard import pilots
        from studies.services.enrolment import pilot_token

        pilot = pilots.pilot_create(
            study=study, participants=args.participants, concurrency=args.participants,
            base_url=stack.url, pace=0,
        )  # fmt: skip
        entry = f"/s/{study.slug}/?pilot={pilot_token(pilot)}"
        result = asyncio.run(hammer(stack, entry, args.participants, args.duration))
        result["cpu_s"] = {k: v["cpu_s"] for k, v in stack.usage().items()}
    return result


async def hammer(stack: Stack, entry: str, clients: int, seconds: float) -> dict:
    from dashboard.simulate import profiles
    from dashboard.simulate.client import SimulatedParticipant
    from dashboard.simulate.run import percentiles

    people = profiles.profiles(clients, seed=2, supplied=[{"messages": 1}])
    walkers = [SimulatedParticipant(stack.url, entry, p, pace=0) for p in people]

    async def to_chat(who: SimulatedParticipant) -> str:
        page = await who.get(entry)
        while (step := who.step_of(page.url)) != "chat":
            page = await getattr(who, "on_" + step)(page)
        return page.url

    urls = await asyncio.gather(*(to_chat(w) for w in walkers))
    times: list[float] = []
    statuses: dict[int, int] = {}
    ends = time.monotonic() + seconds

    async def load(who: SimulatedParticipant, url: str) -> None:
        while time.monotonic() < ends:
            started = time.monotonic()
            response = await who.http.get(url)
            times.append(time.monotonic() - started)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    started = time.monotonic()
    await asyncio.gather(*(load(w, u) for w, u in zip(walkers, urls, strict=True)))
    elapsed = time.monotonic() - started
    for who in walkers:
        await who.http.aclose()
    return {
        "clients": clients,
        "requests_per_s": round(len(times) / elapsed, 1),
        "statuses": statuses,
        "latency_ms": percentiles(times),
    }


def echo(args) -> dict:
    """The baseline: a bare Channels echo server under Daphne on the same core, driven
    closed loop (``--participants`` sockets) and open loop (``--rate`` a minute each)."""
    port = 8190
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "bench-only-" + "k" * 50}
    server = subprocess.Popen(
        ["taskset", "-c", args.cpus or "0-1", sys.executable, "-m", "daphne", "-p", str(port),
         "bench.echo:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(3)
        from bench.echo import drive

        url = f"ws://127.0.0.1:{port}/ws/echo/"
        closed = asyncio.run(drive(url, args.participants, args.duration, None))
        opened = asyncio.run(drive(url, args.replies, args.duration, args.rate))
    finally:
        server.terminate()
    return {"closed_loop": closed, "open_loop": opened}


def ledger(args) -> dict:
    """CPU per turn (offline agent, in this process) with each count of revisions in the
    identity's ledger: a turn should not cost more as a study runs."""
    from bench.stack import fresh_database

    fresh_database(args.mode, stack_of(args).env)
    configure(args.mode)
    from chat.services import agent_turn_run, identity_edit, message_post, session_open
    from dashboard.simulate.run import percentiles
    from studies import demo
    from studies.models import Participant

    study, _ = demo.ensure_demo()
    condition = study.conditions.get(name="co-construct")
    results = {}
    for count in [0, *args.revisions]:  # the first, discarded, warms this process up
        person = Participant.objects.create(
            study=study, condition=condition, external_id=f"ledger-{count}-{len(results)}"
        )
        session = session_open(participant=person, number=1)
        for n in range(count):
            identity_edit(session_id=session.pk, target="persona.name", value=f"Mira {n}")
        cpu = []
        for n in range(args.messages):  # the message and the agent's turn on it
            started = time.process_time()
            posted = message_post(session_id=session.pk, client_id=f"l{n}", text="Who are you?")
            agent_turn_run(message_id=posted.message.pk)
            cpu.append(time.process_time() - started)
        results[str(count)] = percentiles(cpu[3:])  # the first few warm caches
    results.pop("0")
    return {"cpu_per_turn_by_revisions": results}


SCENARIOS = {
    "turns": turns,
    "open": open_loop,
    "streams": streams,
    "replies": replies,
    "crowd": crowd,
    "pages": pages,
    "echo": echo,
    "ledger": ledger,
}

if __name__ == "__main__":
    main()
