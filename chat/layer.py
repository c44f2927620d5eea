"""Channel-layer sends from synchronous code, without a new event loop per send.

``async_to_sync`` from a thread with no event loop of its own (a Celery worker thread)
makes a fresh loop each call, and channels_redis a fresh Redis connection per loop. So:
code running under Daphne (inside ``sync_to_async``) sends on Daphne's own loop, and
everything else sends through one background loop per process, kept for its lifetime.
"""

from __future__ import annotations

import asyncio
import os
import threading

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def group_send(group: str, event: dict, timeout: float = 10) -> None:
    layer = get_channel_layer()
    main = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if main is not None and main.is_running():
        async_to_sync(layer.group_send)(group, event)
        return
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, event), _background())
    future.result(timeout)


def _background() -> asyncio.AbstractEventLoop:
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():  # a forked child needs its own
            _loop = asyncio.new_event_loop()
            _loop_pid = os.getpid()
            threading.Thread(target=_loop.run_forever, name="dyad-layer", daemon=True).start()
        return _loop
