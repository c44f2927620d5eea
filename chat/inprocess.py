"""Run agent turns in-process on the embedded default, without blocking anyone.

Under Daphne, services run on the process's one database thread (``database_sync_to_async``).
A turn started from there is handed to the event loop as a task that runs in a worker
thread of its own, so a slow agent never holds the database thread or other sockets. Outside
an event loop (a management command, a plain test) the turn simply runs inline.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from asgiref.sync import SyncToAsync, async_to_sync
from channels.db import database_sync_to_async

log = logging.getLogger(__name__)
_running: set[asyncio.Task] = set()


def run_soon(func: Callable, *args, **kwargs) -> None:
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or not loop.is_running():
        func(*args, **kwargs)
        return
    async_to_sync(_spawn)(func, args, kwargs)


async def _spawn(func: Callable, args: tuple, kwargs: dict) -> None:
    runner = database_sync_to_async(func, thread_sensitive=False)
    task = asyncio.get_running_loop().create_task(runner(*args, **kwargs))
    _running.add(task)  # keep a reference until done, or the loop may drop it
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task) -> None:
    _running.discard(task)
    if not task.cancelled() and task.exception():
        log.error("In-process agent turn failed", exc_info=task.exception())


async def drain() -> None:
    """Wait for every in-process turn started so far (tests use this)."""
    while _running:
        await asyncio.gather(*list(_running), return_exceptions=True)
