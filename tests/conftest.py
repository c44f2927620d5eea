"""Suite-wide set-up. With REDIS_URL set, a real Celery worker runs the agent turns against the
test database, as in production; on the embedded default they run in-process."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from django.conf import settings
from django.test import override_settings

from tests.workers import start_worker

# The fault suite (tests/faults) kills and restarts services: only `make faults` runs it.
collect_ignore = [] if os.environ.get("DYAD_FAULTS") else ["faults"]


@pytest.fixture(scope="session", autouse=True)
def drafts_of_this_run(request, tmp_path_factory):
    """On the embedded default drafts are files beside the database: a run keeps its own.
    The fault suite runs without Django in the test process (its stack has its own)."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield
    elif settings.CACHES["drafts"]["BACKEND"].endswith("FileBasedCache"):
        caches = {**settings.CACHES, "drafts": {**settings.CACHES["drafts"]}}
        caches["drafts"]["LOCATION"] = str(tmp_path_factory.mktemp("drafts"))
        with override_settings(CACHES=caches):
            yield
    else:
        yield


@pytest.fixture(scope="session", autouse=True)
def celery_worker(request):
    if not request.config.pluginmanager.hasplugin("django"):  # the fault suite: its own stack
        yield None
        return
    request.getfixturevalue("django_db_setup")
    django_db_blocker = request.getfixturevalue("django_db_blocker")
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    from config.celery import app

    with app.connection_for_write() as connection:
        app.control.purge(connection=connection)
    # One worker for the suite takes agent turns and scoring alike (deployments run two).
    queues = f"{settings.CELERY_TASK_DEFAULT_QUEUE},{settings.CELERY_SCORING_QUEUE}"
    worker = start_worker(queues, "test")
    _wait_for_worker(app, worker)
    yield worker
    worker.terminate()
    worker.wait(timeout=30)
    with django_db_blocker.unblock():
        _disconnect_others()


def _disconnect_others() -> None:
    """Close sessions that stopped processes left on the test database, so it can be dropped."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def _wait_for_worker(app, worker: subprocess.Popen, timeout: float = 60) -> None:
    """Ping until the worker answers, on a connection of its own that is closed afterwards:
    a pooled one would keep a pending BRPOP that the live-server process, forked later,
    tries to finish on a socket it shares with this one, and hangs."""
    deadline = time.monotonic() + timeout
    with app.connection_for_write() as connection:
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise RuntimeError("The Celery worker exited; see .celery-test.log")
            if app.control.ping(timeout=1, connection=connection):
                return
    raise RuntimeError("The Celery worker did not answer within a minute")
