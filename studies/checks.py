"""Attention checks: instructed-response rows ("please choose 2 on this row") placed among a
PMQ's items. Recorded, never scored. Pure: no Django imports.

A study lists its checks one per line, as ``<session> <timepoint> <position> <answer>``:

    1 pre 7 2      session 1, the PMQ before the chat: the 7th row asks for 2
    * post 12 6    every session, the PMQ after the chat: the 12th row asks for 6

``*`` means every session; a position past the last item puts the check last.
"""

from __future__ import annotations

from typing import NamedTuple

PREFIX = "check-"  # a check's form field: check-1, check-2, ...
TIMEPOINTS = ("pre", "post")
EXAMPLE = "1 pre 7 2"


class Check(NamedTuple):
    session: int | None  # None: every session
    timepoint: str
    position: int  # the row it is shown as, 1 = first
    answer: int  # the point the row asks for


def parse(text: str, points: int = 7) -> list[Check]:
    """The checks a study's text lists; ValueError naming every line that is wrong."""
    checks, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            checks.append(_check(line.split(), points))
        except ValueError as error:
            problems.append(f"line {number} ({line.strip()!r}): {error}")
    if problems:
        raise ValueError(
            "; ".join(problems) + f". Write one check per line, e.g. {EXAMPLE!r}: session (or *), "
            "pre or post, position, answer."
        )
    return checks


def _check(words: list[str], points: int) -> Check:
    if len(words) != 4:
        raise ValueError("four words are needed")
    session, timepoint, position, answer = words
    if session != "*" and not (session.isascii() and session.isdigit() and int(session) >= 1):
        raise ValueError("the session is a number from 1, or *")
    if timepoint not in TIMEPOINTS:
        raise ValueError("the timepoint is pre or post")
    if not (position.isascii() and position.isdigit() and 1 <= int(position) <= 99):
        raise ValueError("the position is a number from 1 to 99")
    if not (answer.isascii() and answer.isdigit() and 1 <= int(answer) <= points):
        raise ValueError(f"the answer is a point from 1 to {points}")
    return Check(None if session == "*" else int(session), timepoint, int(position), int(answer))


def placed(checks: list[Check], session: int, timepoint: str, items: int) -> list[dict]:
    """The checks of one administration, as it records them: field code, row, answer."""
    chosen = [c for c in checks if c.timepoint == timepoint and c.session in (None, session)]
    placed, last = [], 0
    for n, check in enumerate(sorted(chosen, key=lambda c: c.position)):
        # Each on a row of its own, and never past the end (after every item and check).
        row = min(max(check.position, last + 1), items + n + 1)
        placed.append({"code": f"{PREFIX}{n + 1}", "position": row, "answer": check.answer})
        last = row
    return placed


def rows(item_order: list[str], checks: list[dict]) -> list[tuple[str, dict | None]]:
    """Every row as shown: ``(item code, None)`` or ``(check code, check)``, in order."""
    items = iter(item_order)
    at = {c["position"]: c for c in checks}
    shown = []
    for row in range(1, len(item_order) + len(checks) + 1):
        check = at.get(row)
        shown.append((check["code"], check) if check else (next(items), None))
    return shown


def graded(checks: list[dict], answers: dict[str, int]) -> list[dict]:
    """Each check with the participant's answer and whether it was the one asked for."""
    return [
        {**c, "raw": answers[c["code"]], "passed": answers[c["code"]] == c["answer"]}
        for c in checks
    ]
