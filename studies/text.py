"""Text that can be stored and sent. Pure: no Django imports.

PostgreSQL refuses NUL characters, and a lone surrogate (half of a UTF-16 pair, which JSON
can carry as ``"\\ud800"``) cannot be encoded as UTF-8 at all. Text from people is refused
with a reason (``problem``); text from the agent is repaired instead (``scrub``), since a
model's stray byte must not cost the participant their reply.

Every stored message is at most ``MESSAGE_MAX`` characters: with at most 6 bytes per
character in a JSON frame, one message always fits the WebSocket frame budget
(``chat.events.FRAME_BUDGET``). This module sits in the bottom app because the persona
schema (``studies.persona``) checks text too.
"""

from __future__ import annotations

import re

from .words import _

MESSAGE_MAX = 4000
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def problem(text: str) -> str | None:
    """Why ``text`` cannot be stored as it is, or None if it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("It contains a NUL character, which cannot be stored.")
    return _("It contains a broken character (half of a surrogate pair), which cannot be stored.")


def scrub(text: str) -> str:
    """``text`` with NUL removed and lone surrogates replaced by U+FFFD."""
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def whole_number(raw: str | None) -> int | None:
    """An ASCII whole number small enough for a database integer, or None ("²", "٣" and
    5,000 digits are not numbers here)."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    return None


def clip(text: str, limit: int = MESSAGE_MAX) -> str:
    """At most ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
