"""Agent turns in tests: real Celery workers against the test database (real services), and
waiting for turns still running before a test's data is flushed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

ROOT_DIR = Path(__file__).resolve().parent.parent


def worker_database_url() -> str:
    """DATABASE_URL for another process (a Celery worker) to use the test database."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))


def start_worker(queue: str, name: str, **env: str) -> subprocess.Popen:
    """A real Celery worker on ``queue``, against the test database; its log goes to
    ``.celery-<name>.log``. The caller stops it (``terminate``)."""
    environment = {**os.environ, "DATABASE_URL": worker_database_url(), **env}
    with open(ROOT_DIR / f".celery-{name}.log", "w") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=threads",
                "--concurrency=4",
                "-Q",
                queue,
                "-n",
                f"{name}@%h",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
            ],
            cwd=ROOT_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_for_agent_turns(timeout: float = 30, *, in_this_process: bool = True) -> None:
    """Let agent turns still running (in-process, or in the Celery worker) finish, so a test's
    database flush does not cut through them."""
    from chat import turns
    from chat.models import AgentTurn

    if in_this_process:
        turns.drain(timeout)
    deadline = time.monotonic() + timeout
    busy = AgentTurn.objects.filter(status__in=["queued", "running"])
    while busy.exists() and time.monotonic() < deadline:
        time.sleep(0.1)


def wait_for_scores(sessions, timeout: float = 120) -> int:
    """Wait until every ended session of ``sessions`` (a queryset) has been scored in the
    background (by the live server's process, or a Celery worker); returns how many are."""
    from dashboard.models import SessionScore

    ended = sessions.exclude(status="active")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        scored = SessionScore.objects.filter(session__in=ended).values("session").distinct()
        if scored.count() >= ended.count():
            break
        time.sleep(0.25)
    return SessionScore.objects.filter(session__in=ended).values("session").distinct().count()
