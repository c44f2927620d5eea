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
import contextvars
import logging
import os
import threading
import weakref

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)
MAX_CONCURRENT_SENDS = 32
# The loop the in-memory layer's consumers live on, for code on another loop (agent turns).
home_loop: contextvars.ContextVar[asyncio.AbstractEventLoop | None] = contextvars.ContextVar(
    "home_loop", default=None
)
_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_limit: asyncio.Semaphore | None = None
_loop_pid: int | None = None


def group_send(group: str, event: dict, timeout: float = 10) -> None:
    try:
        home = home_loop.get()
        if home is not None and _in_memory():  # called from an agent turn's database step
            if home.is_running():
                send = get_channel_layer().group_send(group, event)
                asyncio.run_coroutine_threadsafe(send, home).result(timeout)
            return
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


_loop_limits: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def agroup_send(group: str, event: dict) -> None:
    """From async code (agent turns on an event loop): the same, awaited on this loop, with
    at most ``MAX_CONCURRENT_SENDS`` sends in flight from it. With a ``home_loop`` (where the
    in-memory layer's consumers live, when that is another loop), sent from there."""
    loop, home = asyncio.get_running_loop(), home_loop.get()
    limit = _loop_limits.setdefault(loop, asyncio.Semaphore(MAX_CONCURRENT_SENDS))
    try:
        async with limit:
            send = get_channel_layer().group_send(group, event)
            if home is None or home is loop or not _in_memory():
                await send
            elif home.is_running():
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(send, home))
            else:
                send.close()  # the pages' loop is gone: they re-sync when they are back
    except Exception:  # a lost notification must never lose the work that caused it
        log.warning("Channel layer send to %s failed", group, exc_info=True)


def _in_memory() -> bool:
    from channels.layers import InMemoryChannelLayer

    return isinstance(get_channel_layer(), InMemoryChannelLayer)


def _background() -> asyncio.AbstractEventLoop:
    global _loop, _limit, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():  # a forked child needs its own
            _loop = asyncio.new_event_loop()
            _limit = asyncio.Semaphore(MAX_CONCURRENT_SENDS)
            _loop_pid = os.getpid()
            threading.Thread(target=_loop.run_forever, name="dyad-layer", daemon=True).start()
        return _loop
