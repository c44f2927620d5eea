"""How a participant typed, as their page reports it (where the study records typing). Pure:
no Django imports.

With a message: milliseconds from the first keystroke or paste to sending, how many pastes,
and how many characters they put in the box. Between messages: stretches away from the chat
(the tab hidden, or visible with no key, pointer or scroll activity for 30 s or more: the
page's threshold, static/js/telemetry.js), each reported once the participant is back. A
page is not a witness: these are what it measured, documented as such in docs/data.md.

What a page claims is bounded by the session's own wall time: one page's typing stretches
never overlap (each starts after the last message went out), nor do its stretches away
(hidden or idle), so a session's typing times together, and its stretches away together,
fit in the time since it started. A report that does not (or is malformed) is refused, and
the session counts it (chat.services.activity).
"""

from __future__ import annotations

from .errors import ChatError

DAY_MS = 24 * 60 * 60 * 1000
MOST_PASTES = 10_000
MOST_PASTED = 10_000_000
KINDS = ("hidden", "idle")
# Rounding, and a page's clock against the server's: what a report may overrun by.
SLACK_MS = 5_000


def _count(value, most: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most:
        return value
    return None


def message_typing(value) -> dict | None:
    """The message's fields from a frame's ``typing`` object (None: there was none).
    Measurements are never worth a message: a malformed one is stored as unknown (None),
    and the message is kept."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return {"typing_ms": None, "paste_count": None, "pasted_chars": None}
    fields = {
        "typing_ms": _count(value.get("ms"), DAY_MS),
        "paste_count": _count(value.get("pastes"), MOST_PASTES),
        "pasted_chars": _count(value.get("pasted_chars"), MOST_PASTED),
    }
    if None in fields.values():  # all three or none: a partial record would mislead
        return dict.fromkeys(fields)
    return fields


def away(kind, ms) -> tuple[str, int]:
    """``(kind, milliseconds)`` of an ``activity`` frame's fields, or ChatError."""
    ms = _count(ms, DAY_MS)
    if kind not in KINDS:
        raise ChatError("bad_activity", f"'kind' must be one of {', '.join(KINDS)}.")
    if ms is None:
        raise ChatError("bad_activity", "'ms' must be a whole number of milliseconds up to a day.")
    return kind, ms


def fits(ms: int, *, claimed_ms: int, elapsed_ms: float) -> bool:
    """Whether a stretch of ``ms`` fits in the session's wall time so far (``elapsed_ms``,
    by the server's clock) beside the stretches of its kind already reported
    (``claimed_ms``)."""
    return claimed_ms + ms <= elapsed_ms + SLACK_MS


def pasted_share(text: str, pasted_chars: int | None) -> float | None:
    """How much of the message was pasted, 0 to 1 (pastes later edited away count too, so
    this is capped at 1)."""
    if pasted_chars is None or not text:
        return None
    return min(1.0, pasted_chars / len(text))
