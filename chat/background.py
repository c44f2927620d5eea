"""Background work starts one way: ``start(job, **ids)``.

Every job is a Celery task, named below, that a process may also run itself:
- **Embedded default** (``CELERY_TASK_ALWAYS_EAGER``): every job runs in this process. Off the
  event loop where there is one (Daphne's: an agent turn on the process's ``turns.TurnRunner``,
  any other job as a task of the loop in a thread of its own, ``in_thread``), inline where
  there is none (a management command, a plain test).
- **Real services**: a job goes to a Celery worker, unless its ``here`` rule keeps it in this
  process (an agent turn in the Daphne that holds the participant's socket,
  ``DYAD_TURNS_IN=socket``: its text then reaches the socket without Redis).

Each app says how it runs its own jobs at start-up (``AppConfig.ready``: ``register``): the
code that runs a job sits above the services that start it, so nothing here imports what
imports it. A job's arguments are ids: it loads what it needs from the database, the record.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from asgiref.sync import SyncToAsync, async_to_sync
from celery import current_app
from channels.db import database_sync_to_async
from django.conf import settings

log = logging.getLogger(__name__)

# Every job there is, by its Celery task's name.
AGENT_TURN = "chat.tasks.agent_turn"  # message_id: answer the participant's message
SCORE_SESSION = "dashboard.tasks.score_session"  # session_id: score an ended session
SCORE_STUDY = "dashboard.tasks.score_study"  # study_id: score again what is out of date
PILOT = "dashboard.tasks.pilot"  # pilot_id: run a pilot's simulated participants


def _elsewhere(**_) -> bool:
    return False


@dataclass(frozen=True)
class Job:
    task: str
    run: Callable[..., None]  # run it in this process: may return before it ends
    here: Callable[..., bool] = _elsewhere  # real services: run it here, not on a worker


_jobs: dict[str, Job] = {}


def register(*jobs: Job) -> None:
    _jobs.update((job.task, job) for job in jobs)


def start(task: str, **ids) -> bool:
    """Start the job; False when the broker could not take it (Redis restarting, say): the
    job's own record says what happens then (a turn is reaped and started again; a scoring
    waits for the study to be scored again; a pilot is marked as never started)."""
    job = _jobs[task]
    if settings.CELERY_TASK_ALWAYS_EAGER or job.here(**ids):
        job.run(**ids)
        return True
    try:
        current_app.tasks[task].delay(**ids)
    except Exception:  # kombu's and redis's errors
        log.warning("Could not queue %s %s: the broker did not take it", task, ids)
        return False
    return True


def event_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop this thread's work belongs to (Daphne's), if any."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


_running: set[asyncio.Task] = set()


def in_thread(func: Callable[..., object]) -> Callable[..., None]:
    """A job's ``run`` that never holds the process's database thread: ``func`` runs as a
    task of the event loop in a worker thread of its own; inline where there is no loop."""

    def run(**ids) -> None:
        if event_loop() is None:
            func(**ids)
        else:
            async_to_sync(_spawn)(func, ids)

    return run


async def _spawn(func: Callable[..., object], ids: dict) -> None:
    runner = database_sync_to_async(func, thread_sensitive=False)
    task = asyncio.get_running_loop().create_task(runner(**ids))
    _running.add(task)  # keep a reference until done, or the loop may drop it
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception():
        log.error("Background job failed", exc_info=task.exception())
