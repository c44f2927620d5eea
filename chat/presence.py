"""Who has a chat page open: a count of open participant sockets per session, in the cache
(shared through Redis on real services). Entries expire, so a crashed process cannot leave a
session "online" for long."""

from __future__ import annotations

from django.core.cache import cache

TTL = 6 * 60 * 60


def _key(session_id: int) -> str:
    return f"dyad:presence:{session_id}"


def joined(session_id: int) -> None:
    key = _key(session_id)
    if not cache.add(key, 1, TTL):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, TTL)


def left(session_id: int) -> None:
    try:
        if cache.decr(_key(session_id)) <= 0:
            cache.delete(_key(session_id))
    except ValueError:
        pass


def online(session_ids: list[int]) -> set[int]:
    counts = cache.get_many([_key(i) for i in session_ids])
    return {i for i in session_ids if (counts.get(_key(i)) or 0) > 0}
