"""The reply the agent is writing, as far as it has got: kept in the cache (shared through
Redis on real services) so that a page that reconnects mid-reply picks it up."""

from __future__ import annotations

from django.core.cache import cache

TTL = 600  # seconds: longer than any reply takes


def _key(session_id: int) -> str:
    return f"dyad:draft:{session_id}"


def save(session_id: int, reply_to: int, text: str) -> None:
    cache.set(_key(session_id), {"reply_to": reply_to, "text": text}, TTL)


def text_for(session_id: int, reply_to: int) -> str:
    """The draft of the reply to turn ``reply_to``, or "" (none, or one for another turn)."""
    draft = cache.get(_key(session_id)) or {}
    return draft.get("text", "") if draft.get("reply_to") == reply_to else ""


def drop(session_id: int) -> None:
    cache.delete(_key(session_id))
