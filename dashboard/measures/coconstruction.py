"""Co-construction in one session: who changed what, what became of proposals, how far the
persona moved from its seed, and what carried over between sessions. Pure.

States are the chat's identity states (``chat.identity``); ledger rows are ``Row``s.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from chat.identity import FIELDS
from studies.persona import BIG_FIVE

AUTHORS = ("participant", "agent", "researcher", "system")
PARTS = ("persona", "partner", "common_ground")
PROPOSERS = ("participant", "agent")
OUTCOMES = ("accepted", "rejected", "expired")
TEXT_FIELDS = ("name", "role", "backstory", "register", "values")


class Row(NamedTuple):
    """One ledger row of the session."""

    revision_id: int
    author: str
    status: str  # applied, proposed, accepted, rejected, expired
    target: str
    turn: int | None
    proposer: str  # for a decision: who proposed what it settles; else ""


def counts(rows: Sequence[Row]) -> dict:
    """Changes that took effect by author (an accepted proposal counts for its proposer)
    and by part; proposals made and settled, by proposer; the first participant edit."""
    out: dict = {}
    in_effect = [r for r in rows if r.status in ("applied", "accepted")]
    for author in AUTHORS:
        out[f"revisions_{author}"] = sum(1 for r in in_effect if (r.proposer or r.author) == author)
    for part in PARTS:
        out[f"revisions_{part}"] = sum(1 for r in in_effect if r.target.split(".")[0] == part)
    for by in PROPOSERS:
        out[f"proposals_{by}"] = sum(1 for r in rows if r.status == "proposed" and r.author == by)
        for outcome in OUTCOMES:
            out[f"proposals_{by}_{outcome}"] = sum(
                1 for r in rows if r.status == outcome and r.proposer == by
            )
    # Their own changes and proposals only: settling the agent's proposal is not an edit.
    edits = [
        r.turn or 0
        for r in rows
        if r.author == "participant" and r.status in ("applied", "proposed")
    ]
    out["first_participant_edit_turn"] = min(edits) if edits else None
    return out


def common_ground_sizes(
    start: dict, changes: Iterable[tuple[int | None, str, object]]
) -> list[tuple[int, int]]:
    """``(turn, statements established)`` at the start (turn 0) and after each change to the
    common ground (``(turn, target, after)``, in ledger order), starting from ``start``."""
    ground = dict(start.get("common_ground", {}))
    sizes = [(0, len(ground))]
    for turn, target, after in changes:
        if target == "*":
            ground = dict((after or {}).get("common_ground", {}))
        elif target.startswith("common_ground."):
            entry = target.split(".", 1)[1]
            if after is None:
                ground.pop(entry, None)
            else:
                ground[entry] = after
        else:
            continue
        sizes.append((turn or 0, len(ground)))
    return sizes


def big_five_distance(seed: dict, persona: dict) -> float:
    """Euclidean distance between two personas' Big Five profiles (1-7 scales; 0 to ~13.4)."""
    a, b = seed.get("traits", {}), persona.get("traits", {})
    return math.sqrt(sum((float(a.get(t, 4)) - float(b.get(t, 4))) ** 2 for t in BIG_FIVE))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance in characters (insertions, deletions, substitutions)."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _text(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value or "")


def persona_movement(seed: dict, persona: dict) -> dict:
    out = {"persona_big_five_distance": round(big_five_distance(seed, persona), 4)}
    for field in TEXT_FIELDS:
        out[f"persona_edit_distance_{field}"] = edit_distance(
            _text(seed.get(field)), _text(persona.get(field))
        )
    return out


def flat(state: dict) -> dict:
    """A state as {field: value}, the common ground as one sorted tuple of statements."""
    out = {}
    for target in FIELDS:
        node = state
        for key in target.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        out[target] = tuple(node) if isinstance(node, list) else node
    out["common_ground"] = tuple(sorted(state.get("common_ground", {}).values()))
    return out


def changed_fields(a: dict, b: dict) -> set[str]:
    fa, fb = flat(a), flat(b)
    return {k for k in fa if fa[k] != fb[k]}


def carry_over(seed: dict, start: dict, end: dict, previous: tuple[dict, dict] | None) -> dict:
    """What carried between sessions, seen from this one. ``carried_in``: fields that differ
    from the seed when it starts (what earlier sessions left); ``changed_in_session``: fields
    that differ between its start and end; ``previous_changes``: fields the previous session
    changed (``previous``: its start and end states; None for a first session), and
    ``carried_from_previous``: how many of those still hold that session's value here."""
    out = {
        "carried_in": len(changed_fields(seed, start)),
        "changed_in_session": len(changed_fields(start, end)),
        "previous_changes": None,
        "carried_from_previous": None,
    }
    if previous is not None:
        before, after = previous
        changed = changed_fields(before, after)
        fa, fs = flat(after), flat(start)
        out["previous_changes"] = len(changed)
        out["carried_from_previous"] = sum(1 for k in changed if fa[k] == fs[k])
    return out
