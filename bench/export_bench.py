"""Export benchmark: time and peak memory of exporting studies of growing size.

Builds a study of N messages (100 per session, one session per participant, with the seed
revision, both PMQs and their 36 answers per participant) in a scratch database, then
exports it twice:

- ``manage.py export <slug> --out DIR --zip`` in a child process: wall time and the child's
  peak resident memory (ru_maxrss), the whole process included;
- the HTTP path in this process: the async iterator a download streams from
  (``files.on_own_thread(zip_download)``), timed, then again under tracemalloc for the peak
  of Python allocations during the export alone.

    python -m bench.export_bench --messages 10000 50000 100000
    python -m bench.export_bench --postgres --messages 10000 100000

SQLite by default (a temporary file); ``--postgres`` uses a scratch database
``dyad_bench`` on DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/postgres),
dropped at the end. Prints one Markdown table row per size; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PER_SESSION = 100
WORDS = [
    "the",
    "café",
    "harbour",
    "town",
    "trip",
    "idea",
    "plan",
    "walk",
    "coffee",
    "market",
    "boat",
    "evening",
    "morning",
    "friend",
    "quiet",
    "busy",
    "old",
    "new",
    "small",
    "lovely",
    "strange",
    "really",
    "maybe",
    "would",
    "could",
    "order",
    "why",
    "how",
    "what",
    "sea",
    "bread",
    "music",
    "street",
    "rain",
    "sun",
    "museum",
    "train",
    "ticket",
    "map",
    "story",
    "kind",
    "curious",
    "naïve",
    "déjà",
]


def text(seed: int) -> str:
    """A message of 8-30 words: realistic length, and it does not compress to nothing."""
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))).capitalize() + "."


def configure(postgres: bool, scratch: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    if postgres:
        server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        env["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/dyad_bench"
        _recreate_pg(server)
    else:
        env["SQLITE_PATH"] = str(scratch / "bench.sqlite3")
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def _recreate_pg(server: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS dyad_bench")
        conn.execute("CREATE DATABASE dyad_bench")


def grow(study, participants: int, first: int) -> None:
    """Add ``participants`` participants (numbered from ``first``), each with one finished
    session of PER_SESSION messages, a seed revision and both PMQs answered."""
    from django.utils import timezone

    from chat.identity import seed_state
    from chat.models import ChatSession, Identity, Message, Revision
    from questionnaires.models import Administration, Response
    from questionnaires.pmq import stem
    from questionnaires.services import pmq_instrument
    from studies.models import Participant

    now = timezone.now()
    condition = study.conditions.first()
    people = Participant.objects.bulk_create(
        Participant(study=study, condition=condition, code=f"P-B{first + i:07d}",
                    consented_at=now, completed_at=now, external_id=f"PID{first + i}")
        for i in range(participants)
    )  # fmt: skip
    identities = Identity.objects.bulk_create(Identity(participant=p) for p in people)
    seed = seed_state(condition.seed_persona)
    Revision.objects.bulk_create(
        Revision(identity=i, version=1, author="system", status="applied", target="*", after=seed)
        for i in identities
    )
    sessions = ChatSession.objects.bulk_create(
        ChatSession(participant=p, number=1, status="finished", ended_at=now,
                    participant_turns=PER_SESSION // 2, last_turn=PER_SESSION,
                    identity_version_start=1, identity_version_end=1)
        for p in people
    )  # fmt: skip
    Message.objects.bulk_create(
        (
            Message(session=s, turn=t, sender="agent" if t % 2 else "participant",
                    text=text(s.pk * 1000 + t), identity_version=1, backend="scripted",
                    params={"temperature": 0.7})
            for s in sessions
            for t in range(1, PER_SESSION + 1)
        ),
        batch_size=5000,
    )  # fmt: skip
    pmq = pmq_instrument()
    items = list(pmq.items.all())
    order = [i.code for i in items]
    sides = {i.code: i.position % 2 == 0 for i in items}
    scores = {"CCD": 4.0, "HLC": 3.5, "CF": 5.0, "overall": 4.0}
    admins = Administration.objects.bulk_create(
        Administration(participant=p, instrument=pmq, session_number=1, timepoint=t,
                       instrument_version=stem(t), item_order=order, positive_left=sides,
                       submitted_at=now, scores=scores)
        for p in people
        for t in ("pre", "post")
    )  # fmt: skip
    Response.objects.bulk_create(
        (
            Response(administration=a, item=item, raw=4, positive_on_left=sides[item.code],
                     display_position=n, score=4)
            for a in admins
            for n, item in enumerate(items, start=1)
        ),
        batch_size=5000,
    )  # fmt: skip


def high_water_mib() -> float:
    """Peak resident memory of this process since it started (VmHWM). Not ru_maxrss: that
    also counts the pages a child inherited from its parent before exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("No VmHWM in /proc/self/status")


def child(mode: str, env: dict, *args: str) -> list[str]:
    """Run one measurement in a fresh process; returns what it printed, split."""
    command = [sys.executable, "-m", "bench.export_bench", "--child", mode, *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{mode} failed:\n{done.stderr}")
    return done.stdout.split()


def run_child(mode: str, args: list[str]) -> None:
    """In the child: set up Django, export, print seconds, bytes and peak memory."""
    import django

    django.setup()
    started = time.perf_counter()
    if mode == "command":
        from django.core.management import call_command

        slug, out = args
        with open(os.devnull, "w") as quiet:
            call_command("export", slug, out=out, zip=True, stdout=quiet)
        size = sum(p.stat().st_size for p in Path(out).glob("*.zip"))
    else:
        size = asyncio.run(download(int(args[0])))
    print(time.perf_counter() - started, size, high_water_mib())


async def download(study_id: int) -> int:
    """Read the async iterator an HTTP download streams from, as Daphne would."""
    from functools import partial

    from dashboard.exports.files import on_own_thread, zip_download

    size = 0
    async for chunk in on_own_thread(partial(zip_download, study_id)):
        size += len(chunk)
    return size


def traced_peak(study_id: int) -> float:
    """Peak MiB of Python allocations made during one download (tracemalloc)."""
    tracemalloc.start()
    asyncio.run(download(study_id))
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        return run_child(args.child, rest)
    scratch = Path(tempfile.mkdtemp(prefix="dyad-bench-"))
    env = configure(args.postgres, scratch)
    from django.db import connection

    from studies.demo import ensure_demo

    study, _ = ensure_demo()
    baseline = float(child("command", env, study.slug, str(scratch / "empty"))[2])
    print(f"database: {connection.vendor}; empty study: command peak RSS {baseline:.0f} MiB")
    print("| messages | rows in all files | ZIP MiB | command s | command peak RSS MiB "
          "| download s | download peak RSS MiB | download peak Python MiB |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    have = 0
    for target in sorted(args.messages):
        grow(study, (target - have) // PER_SESSION, first=have // PER_SESSION)
        have = target
        with connection.cursor() as cursor:
            # What autovacuum does within a minute of such a change in a running database:
            # without statistics PostgreSQL plans each page's joins for a table 4x smaller.
            cursor.execute("ANALYZE")
        seconds, size, rss = child("command", env, study.slug, str(scratch / f"out-{target}"))
        download_s, _, download_rss = child("download", env, str(study.pk))
        peak = traced_peak(study.pk)
        rows = target + (target // PER_SESSION) * (1 + 1 + 1 + 2 + 36 + 2 + 1)
        print(f"| {target:,} | {rows:,} | {int(size) / 2**20:.1f} | {float(seconds):.1f} "
              f"| {float(rss):.0f} | {float(download_s):.1f} | {float(download_rss):.0f} "
              f"| {peak:.1f} |", flush=True)  # fmt: skip
    if args.postgres:
        connection.close()
        _drop_pg(os.environ["DATABASE_URL"])


def _drop_pg(url: str) -> None:
    import psycopg

    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS dyad_bench WITH (FORCE)")


if __name__ == "__main__":
    main()
