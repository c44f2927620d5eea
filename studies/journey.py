"""Where a participant is in a study, derived from what they have done. Pure."""

from __future__ import annotations

from typing import NamedTuple


class Step(NamedTuple):
    kind: str  # "consent", "declined", "pmq", "chat", "debrief"
    session_number: int | None = None
    timepoint: str | None = None


def next_step(
    *,
    consented: bool,
    declined: bool,
    sessions_total: int,
    pmq_before: bool,
    pmq_after: bool,
    submitted: set[tuple[int, str]],
    finished_sessions: set[int],
) -> Step:
    """The first thing not yet done: consent, then per session PMQ pre, chat, PMQ post."""
    if declined:
        return Step("declined")
    if not consented:
        return Step("consent")
    for number in range(1, sessions_total + 1):
        if pmq_before and (number, "pre") not in submitted:
            return Step("pmq", number, "pre")
        if number not in finished_sessions:
            return Step("chat", number)
        if pmq_after and (number, "post") not in submitted:
            return Step("pmq", number, "post")
    return Step("debrief")
