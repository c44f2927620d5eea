"""Where a participant is in a study, derived from what they have done. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple


class Step(NamedTuple):
    kind: str  # consent, declined, withdrawn, pmq, comprehension, chat, wait, reveal, debrief
    session_number: int | None = None
    timepoint: str | None = None
    opens_at: datetime | None = None  # for "wait": when the next session opens


def next_step(
    *,
    consented: bool,
    declined: bool,
    sessions_total: int,
    pmq_before: bool,
    pmq_after: bool,
    submitted: set[tuple[int, str]],
    finished_sessions: dict[int, datetime],
    started_sessions: set[int] = frozenset(),
    min_gap: timedelta = timedelta(0),
    now: datetime | None = None,
    withdrawn: bool = False,
    comprehension_due: bool = False,
    reveal_due: bool = False,
) -> Step:
    """The first thing not yet done: consent, then per session PMQ pre, chat, PMQ post.

    ``finished_sessions`` maps session number -> when it ended. A session after the first
    opens ``min_gap`` after the previous one ended; until then the step is "wait". With
    ``comprehension_due`` the study's comprehension question comes before the first chat;
    with ``reveal_due`` (a deceptive condition whose participant has not chosen again
    whether their data may be used) the reveal comes before the debrief.
    """
    if withdrawn:
        return Step("withdrawn")
    if declined:
        return Step("declined")
    if not consented:
        return Step("consent")
    for number in range(1, sessions_total + 1):
        previous_end = finished_sessions.get(number - 1)
        begun = number in started_sessions or (number, "pre") in submitted
        if previous_end and not begun and now and now < previous_end + min_gap:
            return Step("wait", number, opens_at=previous_end + min_gap)
        if pmq_before and (number, "pre") not in submitted:
            return Step("pmq", number, "pre")
        if number == 1 and comprehension_due and number not in started_sessions:
            return Step("comprehension", number)
        if number not in finished_sessions:
            return Step("chat", number)
        if pmq_after and (number, "post") not in submitted:
            return Step("pmq", number, "post")
    return Step("reveal") if reveal_due else Step("debrief")
