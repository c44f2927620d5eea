"""Channel-layer sends from synchronous code, without a new event loop per send.

``async_to_sync`` from a thread with no event loop of its own (a Celery worker thread)
makes a fresh loop each call, and channels_redis a fresh Redis connection per loop. So:
code running under Daphne (inside ``sync_to_async``) sends on Daphne's own loop, and
everything else sends through one background loop per process, kept for its lifetime, with
at most ``MAX_CONCURRENT_SENDS`` sends in flight (200 at once exhausted the core layer's
connection pool: docs/benchmarks.md).

Sends are notifications, not the record: a failed one is logged, never raised, and pages
recover what they missed from the database when they next sync.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)
MAX_CONCURRENT_SENDS = 32
_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_limit: asyncio.Semaphore | None = None
_loop_pid: int | None = None


def group_send(group: str, event: dict, timeout: float = 10) -> None:
    try:
        main = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
        if main is not None and main.is_running():
            async_to_sync(get_channel_layer().group_send)(group, event)
            return
        loop = _background()
        asyncio.run_coroutine_threadsafe(_limited(group, event), loop).result(timeout)
    except Exception:  # a lost notification must never lose the work that caused it
        log.warning("Channel layer send to %s failed", group, exc_info=True)


async def _limited(group: str, event: dict) -> None:
    async with _limit:
        await get_channel_layer().group_send(group, event)


def _background() -> asyncio.AbstractEventLoop:
    global _loop, _limit, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():  # a forked child needs its own
            _loop = asyncio.new_event_loop()
            _limit = asyncio.Semaphore(MAX_CONCURRENT_SENDS)
            _loop_pid = os.getpid()
            threading.Thread(target=_loop.run_forever, name="dyad-layer", daemon=True).start()
        return _loop
