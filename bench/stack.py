"""The system under load, started as production starts it: Daphne processes (and Celery
workers on real services) with DEBUG off, on a fresh database, pinned to chosen cores.

    with Stack("real", daphnes=1, workers=1, cpus="0") as stack:
        stack.url            # http://127.0.0.1:8100
        stack.usage()        # CPU seconds and RSS of each process

The benchmark process itself uses the same database (``configure`` before Django starts),
so it can create pilots and check what was stored.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = "postgres://postgres@127.0.0.1:5432"
REAL = {
    "DATABASE_URL": f"{PG}/dyad_bench",
    "REDIS_URL": "redis://127.0.0.1:6379/3",
    "CHANNEL_PREFIX": "bench",
    "CELERY_QUEUE": "bench",
}
SQLITE = "/tmp/dyad-bench.sqlite3"


def environment(mode: str, extra: dict | None = None) -> dict:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "DYAD_STREAM_FLUSH_SECONDS": "0.1",
        **(REAL if mode == "real" else {"SQLITE_PATH": SQLITE}),
        **(extra or {}),
    }
    if mode != "real":
        for name in ("DATABASE_URL", "REDIS_URL"):
            env.pop(name, None)
    return env


def configure(mode: str, extra: dict | None = None) -> None:
    """Point this process's Django at the stack's database (call before django.setup())."""
    os.environ.update(environment(mode, extra))
    if mode != "real":
        for name in ("DATABASE_URL", "REDIS_URL"):
            os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fresh_database(mode: str, env: dict) -> None:
    if mode == "real":
        for sql in (
            "DROP DATABASE IF EXISTS dyad_bench WITH (FORCE)",
            "CREATE DATABASE dyad_bench",
        ):
            subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True)
        subprocess.run(["redis-cli", "-n", "3", "FLUSHDB"], check=True, capture_output=True)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(SQLITE + suffix).unlink(missing_ok=True)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


class Stack:
    def __init__(
        self,
        mode: str,
        *,
        daphnes: int = 1,
        workers: int = 1,
        cpus: str = "0",
        worker_args: tuple[str, ...] = ("--pool=threads", "--concurrency=8"),
        env: dict | None = None,
        port: int = 8100,
    ):
        self.mode, self.daphnes, self.workers = mode, daphnes, workers if mode == "real" else 0
        self.cpus, self.worker_args, self.port = cpus, worker_args, port
        self.env = environment(mode, env)
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.port + i}" for i in range(self.daphnes)]

    def __enter__(self) -> Stack:
        fresh_database(self.mode, self.env)
        for i in range(self.daphnes):
            self.start_daphne(i)
        for i in range(self.workers):
            self.start_worker(i)
        for url in self.urls():
            wait_until_up(url)
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def pinned(self, command: list[str]) -> list[str]:
        return ["taskset", "-c", self.cpus, *command] if self.cpus else command

    def start_daphne(self, i: int) -> None:
        command = [
            PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port + i),
            "--websocket-max-message-size", "65536", "--websocket-max-frame-size", "65536",
            "config.asgi:application",
        ]  # fmt: skip
        self.processes[f"daphne{i}"] = self.spawn(command, f"daphne{i}")

    def start_worker(self, i: int) -> None:
        command = [
            PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", "bench", "-n", f"bench{i}@%h",
            "--without-mingle", "--without-gossip", "--loglevel=WARNING", *self.worker_args,
        ]  # fmt: skip
        self.processes[f"worker{i}"] = self.spawn(command, f"worker{i}")

    def spawn(self, command: list[str], name: str) -> subprocess.Popen:
        log = open(ROOT / "bench" / "results" / f"{name}.log", "w")  # noqa: SIM115
        return subprocess.Popen(
            self.pinned(command),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, sig)
        process.wait(30)

    def stop(self) -> None:
        for name in list(self.processes):
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                self.kill(name, signal.SIGTERM)

    def usage(self) -> dict[str, dict]:
        """CPU seconds and resident memory (KiB) of each process, children included."""
        return {name: process_usage(p.pid) for name, p in self.processes.items()}


def process_usage(pid: int) -> dict:
    import psutil

    root = psutil.Process(pid)
    cpu, rss = 0.0, 0
    for p in [root, *root.children(recursive=True)]:
        try:
            times = p.cpu_times()
            cpu += times.user + times.system
            rss += p.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return {"cpu_s": round(cpu, 2), "rss_kib": rss // 1024}


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")
