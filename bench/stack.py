"""The system under load, started as production starts it: Daphne processes (and Celery
workers on real services) with DEBUG off, on a fresh database, pinned to chosen cores.

    with Stack("real", daphnes=1, workers=1, cpus="0") as stack:
        stack.url            # http://127.0.0.1:8100
        stack.usage()        # CPU seconds and RSS of each process

With ``proxy=True`` the Daphnes listen on the ports after ``port`` and nginx, configured
from deploy/nginx.conf, listens on ``port`` in front of them (as ``make serve`` runs it).

The benchmark process itself uses the same database (``configure`` before Django starts),
so it can create pilots and check what was stored.
"""

from __future__ import annotations

import contextlib
import os
import re
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
        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", f"{PG}/postgres", "-q", "-c", sql], check=True)
        redis = ["redis-cli", "-u", env["REDIS_URL"], "FLUSHDB"]
        subprocess.run(redis, check=True, capture_output=True)
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
        proxy: bool = False,
        fresh: bool = True,
        logs: Path = ROOT / "bench" / "results",
    ):
        self.mode, self.daphnes, self.workers = mode, daphnes, workers if mode == "real" else 0
        self.cpus, self.worker_args, self.port = cpus, worker_args, port
        self.proxy, self.fresh, self.logs = proxy, fresh, logs
        self.env = environment(mode, env)
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def daphne_port(self, i: int) -> int:
        return self.port + i + (1 if self.proxy else 0)

    def urls(self) -> list[str]:
        """Where participants go: the proxy, or each Daphne in turn."""
        if self.proxy:
            return [self.url]
        return [f"http://127.0.0.1:{self.daphne_port(i)}" for i in range(self.daphnes)]

    def __enter__(self) -> Stack:
        self.logs.mkdir(parents=True, exist_ok=True)
        ports = [self.daphne_port(i) for i in range(self.daphnes)]
        for port in [*ports, *([self.port] if self.proxy else [])]:
            if port_taken(port):
                raise RuntimeError(f"Port {port} is taken: a process from an earlier run?")
        if self.fresh:
            fresh_database(self.mode, self.env)
        for i in range(self.daphnes):
            self.start_daphne(i)
        for i in range(self.workers):
            self.start_worker(i)
        for i in range(self.daphnes):
            wait_until_up(f"http://127.0.0.1:{self.daphne_port(i)}")
        if self.proxy:
            self.start_proxy()
            wait_until_up(self.url)
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def pinned(self, command: list[str]) -> list[str]:
        return ["taskset", "-c", self.cpus, *command] if self.cpus else command

    def start_daphne(self, i: int) -> None:
        command = [
            PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.daphne_port(i)),
            "--websocket-max-message-size", "65536", "--websocket-max-frame-size", "65536",
            *(["--proxy-headers"] if self.proxy else []), "config.asgi:application",
        ]  # fmt: skip
        self.processes[f"daphne{i}"] = self.spawn(command, f"daphne{i}")

    def start_worker(self, i: int) -> None:
        queue = self.env.get("CELERY_QUEUE", "dyad")
        command = [
            PYTHON, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-n", f"{queue}{i}@%h",
            "--without-mingle", "--without-gossip", "--loglevel=WARNING", *self.worker_args,
        ]  # fmt: skip
        self.processes[f"worker{i}"] = self.spawn(command, f"worker{i}")

    def start_proxy(self) -> None:
        """nginx as deploy/nginx.conf configures it, on this stack's ports (never pinned: in
        production it has cores of its own)."""
        prefix = self.logs / "nginx"
        (prefix / ".run" / "nginx").mkdir(parents=True, exist_ok=True)
        (prefix / ".run" / "nginx").chmod(0o777)  # its workers run as "nobody" under root
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_conf(self.port, [self.daphne_port(i) for i in range(self.daphnes)]))
        command = ["nginx", "-p", f"{prefix}/", "-c", str(conf), "-g", "daemon off;"]
        log = open(self.logs / "nginx.log", "w")  # noqa: SIM115
        self.processes["proxy"] = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def spawn(self, command: list[str], name: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "a")  # noqa: SIM115
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


def nginx_conf(port: int, upstreams: list[int]) -> str:
    """deploy/nginx.conf, listening on ``port`` in front of Daphnes on ``upstreams``."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = "".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n" for p in upstreams
    )
    text = re.sub(r"( *server 127\.0\.0\.1:\d+ max_fails=[^\n]*\n)+", servers, text)
    text = text.replace("listen 127.0.0.1:8000;", f"listen 127.0.0.1:{port};")
    return text.replace("alias staticfiles/;", f"alias {ROOT}/staticfiles/;")


def process_usage(pid: int) -> dict:
    import psutil

    root = psutil.Process(pid)
    cpu, system, rss = 0.0, 0.0, 0
    for p in [root, *root.children(recursive=True)]:
        try:
            times = p.cpu_times()
            cpu += times.user + times.system
            system += times.system  # of cpu_s: in the kernel (syscalls, thread switches)
            rss += p.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return {"cpu_s": round(cpu, 2), "system_s": round(system, 2), "rss_kib": rss // 1024}


def redis_pid(url: str = REAL["REDIS_URL"]) -> int:
    """The process id of the Redis server behind ``url`` (from INFO server)."""
    info = subprocess.run(["redis-cli", "-u", url, "info", "server"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    return int(re.search(r"process_id:(\d+)", info).group(1))


def redis_cpu_s(url: str = REAL["REDIS_URL"]) -> float:
    """CPU seconds so far of the Redis server behind ``url``."""
    import psutil

    times = psutil.Process(redis_pid(url)).cpu_times()
    return times.user + times.system


class PostgresCpu:
    """CPU seconds so far of PostgreSQL's processes, in three parts: the backends serving
    ``database``, the server's own processes (postmaster, checkpointer, writers, launchers)
    and backends of other databases (someone else's load). A process that exits keeps the
    CPU it had when last read, so call ``read`` often (backends come and go)."""

    def __init__(self, database: str = "dyad_bench"):
        self.database = database
        self.seen: dict[tuple[int, float], tuple[str, float]] = {}  # (pid, started) -> part, s

    def read(self) -> dict[str, float]:
        import psutil

        for p in psutil.process_iter(["name", "cmdline", "create_time", "cpu_times"]):
            if p.info["name"] != "postgres" or p.info["cpu_times"] is None:
                continue
            key = (p.pid, p.info["create_time"])
            part = self.part_of(" ".join(p.info["cmdline"] or []))
            if self.seen.get(key, ("",))[0] == "postgres":  # once a backend of ours, always
                part = "postgres"
            self.seen[key] = (part, p.info["cpu_times"].user + p.info["cpu_times"].system)
        totals = dict.fromkeys(("postgres", "postgres_server", "postgres_other_db"), 0.0)
        for part, cpu in self.seen.values():
            totals[part] += cpu
        return totals

    def part_of(self, title: str) -> str:
        # A backend's title: "postgres: 15/main: <user> <database> <host>(<port>) <state>".
        words = title.rpartition(": ")[2].split()
        backend = len(words) >= 3 and (words[2].endswith(")") or words[2] == "[local]")
        if not backend:
            return "postgres_server"
        return "postgres" if words[1] == self.database else "postgres_other_db"


def port_taken(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")
