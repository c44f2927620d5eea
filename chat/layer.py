"""Channel-layer sends from synchronous code, without a new event loop per send.

``async_to_sync`` from a thread with no event loop of its own (a Celery worker thread)
makes a fresh loop each call, and channels_redis a fresh Redis connection per loop. So:
code running under Daphne (inside ``sync_to_async``) sends on Daphne's own loop, and
everything else sends through one background loop per process, kept for its lifetime, with
at most ``MAX_CONCURRENT_SENDS`` sends in flight (200 at once exhausted the core layer's
connection pool: docs/benchmarks.md).

Sends are notifications, not the record: a failed one is logged, never raised, and pages
recover what they missed from the database when they next sync.

On Redis, what a turn (its state, its streamed text, its reply) or a page of a process with
sockets sends goes to the sockets of that process first (``agroup_send_near``): put straight
into their queues on the loop they live on, with no trip through Redis (on real services a
turn runs where the participant's socket is: ``DYAD_TURNS_IN``), so they get it in the order
it was sent. It also goes through the layer only while a socket of another process is in
the group (a researcher watching, a second tab), and the sockets here skip that copy
(``from_here``).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import threading
import time
import uuid
import weakref

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)
MAX_CONCURRENT_SENDS = 32
ELSEWHERE_SECONDS = 1.0  # how long a turn trusts that no other process has the group's sockets
JOINED = "layer.joined"  # a socket joined a group: the processes with turns for it ask again
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
            home = _sockets_or(home)
            if home.is_running():
                send = get_channel_layer().group_send(group, event)
                asyncio.run_coroutine_threadsafe(send, home).result(timeout)
            return
        main = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
        near = home or (main if main is not None and main is _socket_loop else None)
        if near is not None and main.is_running() and _pubsub(get_channel_layer()):
            # From a turn, or a page of a process with sockets: the way of a turn's text, so
            # a page gets a participant's message, the reply's text and the reply in order.
            async_to_sync(agroup_send_near)(group, event, home=near)
            return
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
    if _in_memory():
        home = _sockets_or(home)
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


def _sockets_or(home):
    """Where the in-memory layer's consumers live: the loop this process's sockets are on
    (a turn restarted before any page came back has no other ``home``), or ``home``."""
    sockets = _socket_loop
    return sockets if sockets is not None and sockets.is_running() else home


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


# --- Near delivery --------------------------------------------------------------------------
_socket_loop: asyncio.AbstractEventLoop | None = None
_origin = (0, "")
_elsewhere: dict[str, tuple[float, bool]] = {}  # group -> (checked at, has sockets elsewhere)
_numsub_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def sockets_here(loop: asyncio.AbstractEventLoop) -> None:
    """This process serves sockets on ``loop`` (a consumer joining a group says so)."""
    global _socket_loop
    _socket_loop = loop


def socket_loop() -> asyncio.AbstractEventLoop | None:
    return _socket_loop


def origin() -> str:
    """This process, as named on the notifications it also sends through the layer."""
    global _origin
    if _origin[0] != os.getpid():
        _origin = (os.getpid(), uuid.uuid4().hex)
    return _origin[1]


def from_here(event: dict) -> bool:
    """A copy, through the layer, of a notification this process's sockets had already."""
    return event.get("origin") == _origin[1] and _origin[0] == os.getpid()


async def agroup_send_near(group: str, event: dict, home=None) -> None:
    """A notification to the group's sockets in this process directly (on ``home``, the
    loop they live on: a turn's ``home_loop``), and through the layer as well while the
    group has sockets in another process. Without a pub/sub layer, or away from the
    sockets' loop, the same as ``agroup_send``."""
    home, layer = home or home_loop.get(), get_channel_layer()
    if home is None or not home.is_running() or not _pubsub(layer):
        await agroup_send(group, event)
        return
    try:
        home.call_soon_threadsafe(_deliver_here, layer, group, layer.serialize(event))
        if await _has_sockets_elsewhere(layer, home, group):
            await agroup_send(group, event | {"origin": origin()})
    except Exception:  # a lost notification must never lose the work that caused it
        log.warning("Channel layer send to %s failed", group, exc_info=True)


def _pubsub(layer) -> bool:
    from channels_redis.pubsub import RedisPubSubChannelLayer

    return isinstance(layer, RedisPubSubChannelLayer)


def _here(layer, loop: asyncio.AbstractEventLoop):
    """The pub/sub layer's state for ``loop`` (channels_redis keeps one per event loop: its
    ``channels`` are the consumers' queues, its ``groups`` which of them are in a group)."""
    return layer._layers.get(loop)


def _deliver_here(layer, group: str, payload: bytes) -> None:
    """On the sockets' loop: as if the layer had received ``payload`` for ``group``."""
    here = _here(layer, asyncio.get_running_loop())
    if here is None:
        return
    for channel in here.groups.get(here._get_group_channel_name(group), ()):
        queue = here.channels.get(channel)
        if queue is not None:
            queue.put_nowait(payload)


async def announce_join(channel_layer, group: str) -> None:
    """After a socket joined ``group``: a process whose turn sends to the group only to its
    own sockets (``agroup_send_near``) hears of it and asks Redis again at once."""
    if _pubsub(channel_layer):
        await channel_layer.group_send(group, {"type": JOINED, "group": group})


def joined(event: dict) -> None:
    """A socket joined the event's group somewhere (``announce_join``)."""
    _elsewhere.pop(event.get("group"), None)


async def _has_sockets_elsewhere(layer, home, group: str) -> bool:
    """Whether another process has a socket in ``group``: Redis counts the processes
    subscribed to the group's channel, one of them this one. Without a socket here (the
    participant reconnected to another Daphne) the answer is yes without asking. Otherwise
    the answer is kept ``ELSEWHERE_SECONDS``, or until a socket joins the group anywhere
    (``announce_join``); a failed question counts as yes (the send then fails or not)."""
    here = _here(layer, home)
    name = f"{layer._kwargs.get('prefix', 'asgi')}__group__{group}"
    if here is None or not here.groups.get(name):
        return True
    now = time.monotonic()
    checked = _elsewhere.get(group)
    if checked is not None and now - checked[0] < ELSEWHERE_SECONDS:
        return checked[1]
    try:
        (_, subscribed), *_ = await _numsub_client().pubsub_numsub(name)
        elsewhere = subscribed > 1
    except Exception:  # Redis restarting: don't wait on it for every frame
        log.warning("Counting the sockets of %s failed", group, exc_info=True)
        elsewhere = True
    if len(_elsewhere) > 10_000:  # groups of replies long finished
        _elsewhere.clear()
    _elsewhere[group] = (now, elsewhere)
    return elsewhere


def _numsub_client():
    import redis.asyncio
    from django.conf import settings

    loop = asyncio.get_running_loop()
    client = _numsub_clients.get(loop)
    if client is None:
        client = redis.asyncio.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
        _numsub_clients[loop] = client
    return client
