"""Uptake: after each change to the identity, do the agent's replies reflect the new value
(and not the old one), and after how many replies? Pure.

A reply counts for a change when the agent had seen it (the reply's ``revisions_seen`` is
at least the change's ledger id) and had not yet seen a later change to the same field.
What "reflect" means is ``text.mentions``: coarse by design (docs/data.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from . import text as tx


class Change(NamedTuple):
    revision_id: int
    target: str
    author: str  # who made or proposed it
    decided_by: str  # who accepted a proposal; "" for a change applied directly
    status: str  # "applied" or "accepted"
    version: int
    turn: int | None  # the session's last turn before it
    before: object
    after: object


class Reply(NamedTuple):
    message_id: int
    turn: int
    text: str
    revisions_seen: int | None
    identity_version: int | None


class Uptake(NamedTuple):
    revision_id: int
    target: str
    part: str
    author: str
    decided_by: str
    status: str
    turn: int | None
    observable: bool  # whether the new value is something a reply can say in words
    replies_after: int  # replies that saw it, before the field changed again
    taken_up: bool | None  # None: not observable, or no reply saw it
    replies_to_uptake: int | None  # 1: the very next reply
    uptake_turn: int | None
    old_value_replies: int  # replies mentioning the old value and not the new one


def part(target: str) -> str:
    return target.split(".", 1)[0]


def _saw(reply: Reply, change: Change) -> bool:
    if reply.revisions_seen is None:  # replies stored before the ledger id was recorded
        return change.turn is not None and reply.turn > change.turn
    return reply.revisions_seen >= change.revision_id


def new_items(change: Change) -> list[str]:
    after, before = tx.as_items(change.after), tx.as_items(change.before)
    if isinstance(change.after, list):
        old = {tx.fold(b) for b in before}
        return [a for a in after if tx.fold(a) not in old]
    return after


def old_items(change: Change) -> list[str]:
    after, before = tx.as_items(change.after), tx.as_items(change.before)
    folded_after = " ".join(tx.fold(a) for a in after)
    return [b for b in before if tx.fold(b) not in folded_after]


def uptake(changes: Sequence[Change], replies: Sequence[Reply]) -> list[Uptake]:
    """One row per change, in ledger order. ``replies``: the agent's replies in turn order."""
    ordered = sorted(changes, key=lambda c: c.revision_id)
    rows = []
    for i, change in enumerate(ordered):
        later = next((c for c in ordered[i + 1 :] if c.target == change.target), None)
        window = [r for r in replies if _saw(r, change) and (later is None or not _saw(r, later))]
        rows.append(_one(change, window))
    return rows


def _one(change: Change, window: list[Reply]) -> Uptake:
    new, old = new_items(change), old_items(change)
    observable = bool(new)
    first = None
    if observable:
        first = next(
            (n for n, r in enumerate(window, 1) if any(tx.mentions(r.text, v) for v in new)),
            None,
        )
    stale = sum(
        1
        for r in window
        if any(tx.mentions(r.text, v) for v in old) and not any(tx.mentions(r.text, v) for v in new)
    )
    taken = None if not observable or not window else first is not None
    return Uptake(
        change.revision_id,
        change.target,
        part(change.target),
        change.author,
        change.decided_by,
        change.status,
        change.turn,
        observable,
        len(window),
        taken,
        first,
        window[first - 1].turn if first else None,
        stale,
    )


class UptakeSummary(NamedTuple):
    changes: int
    observable: int  # observable changes some reply saw
    taken_up: int
    rate: float | None  # taken_up / observable
    mean_replies_to_uptake: float | None
    old_value_changes: int  # changes after which some reply used the old value


def summarise(rows: Sequence[Uptake]) -> UptakeSummary:
    judged = [r for r in rows if r.taken_up is not None]
    taken = [r for r in judged if r.taken_up]
    delays = [r.replies_to_uptake for r in taken]
    return UptakeSummary(
        len(rows),
        len(judged),
        len(taken),
        len(taken) / len(judged) if judged else None,
        sum(delays) / len(delays) if delays else None,
        sum(1 for r in rows if r.old_value_replies),
    )
