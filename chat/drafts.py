"""The reply the agent is writing, as far as it has got: kept in the ``drafts`` cache (shared
through Redis on real services, in files on the embedded default: both outlive the process
that writes it) so that a page that reconnects mid-reply picks it up, and a turn whose
process died has what was shown noted (``turns.stale_turns_claim``).

A convenience, never the record: while the cache is down (Redis restarting) drafts are not
kept and none is found, and the reply goes on (the stored message is what counts)."""

from __future__ import annotations

import logging

from django.core.cache import caches

log = logging.getLogger(__name__)
TTL = 600  # seconds: longer than any reply takes
DRAFT_SECONDS = 1.0  # a draft is kept at most this often: a page may find it this far behind


def _key(session_id: int) -> str:
    return f"dyad:draft:{session_id}"


def save(session_id: int, reply_to: int, text: str) -> None:
    try:
        caches["drafts"].set(_key(session_id), {"reply_to": reply_to, "text": text}, TTL)
    except Exception:  # the cache's client raises its own errors (redis, ...)
        log.warning("Keeping the draft of session %s failed", session_id, exc_info=True)


def text_for(session_id: int, reply_to: int) -> str:
    """The draft of the reply to turn ``reply_to``, or "" (none, or one for another turn)."""
    try:
        draft = caches["drafts"].get(_key(session_id)) or {}
    except Exception:
        log.warning("Reading the draft of session %s failed", session_id, exc_info=True)
        return ""
    return draft.get("text", "") if draft.get("reply_to") == reply_to else ""


def drop(session_id: int) -> None:
    try:
        caches["drafts"].delete(_key(session_id))
    except Exception:
        log.warning("Dropping the draft of session %s failed", session_id, exc_info=True)
