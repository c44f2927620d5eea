"""The rows of the measures' files (``measure_columns``): each session's newest scoring,
read a group of participants at a time as ``rows`` reads everything else."""

from __future__ import annotations

from collections.abc import Iterator

from studies.models import Study

from ..models import SessionScore
from .measure_columns import MEASURE_NAMES
from .rows import GROUP, pages, people


def newest_scores(study: Study) -> Iterator[SessionScore]:
    """Each exported session's newest scoring, in participant and session order."""
    for group in pages(people(study).values("id"), ["id"], size=GROUP):
        ids = [r["id"] for r in group]
        yield from (
            SessionScore.objects.newest()
            .filter(session__participant_id__in=ids)
            .select_related("session__participant__condition")
            .order_by("session__participant_id", "session__number")
        )


def _who(score: SessionScore) -> dict:
    session = score.session
    return {
        "participant": session.participant.code,
        "condition": session.participant.condition.name,
        "session": session.number,
    }


def _provenance(score: SessionScore) -> dict:
    return {
        "scored_at": score.created_at,
        "scorer": score.scorer,
        "judge_model": score.judge_model,
        "judge_prompt_hash": score.judge_prompt_hash,
    }


def co_construction_rows(study: Study) -> Iterator[dict]:
    for score in newest_scores(study):
        measures = score.measures
        yield {**_who(score), **_provenance(score), **{n: measures.get(n) for n in MEASURE_NAMES}}


def uptake_rows(study: Study) -> Iterator[dict]:
    for score in newest_scores(study):
        for u in score.uptake:
            yield {
                **_who(score), "revision": u["revision_id"], "target": u["target"],
                "author": u["author"], "decided_by": u["decided_by"] or None, "turn": u["turn"],
                "observable": u["observable"], "replies_after": u["replies_after"],
                "taken_up": u["taken_up"], "replies_to_uptake": u["replies_to_uptake"],
                "uptake_turn": u["uptake_turn"], "old_value_replies": u["old_value_replies"],
                "scored_at": score.created_at,
            }  # fmt: skip


def _reasons(row: dict, keys: tuple[str, ...]) -> str | None:
    reasons = [row.get(f"{k}_reason") for k in keys if row.get(f"{k}_reason")]
    return " | ".join(reasons) or None


def agent_consistency_rows(study: Study) -> Iterator[dict]:
    """Each scored session's replies, then its probes, numbered together by ``item``."""
    for score in newest_scores(study):
        rows = [*map(_reply, score.replies), *map(_probe, score.probes)]
        for item, row in enumerate(rows, start=1):
            yield {**_who(score), "item": item, **row, **_provenance(score)}


def _reply(r: dict) -> dict:
    judged = ("judge_prompt_to_line", "judge_line_to_line")
    return {
        "kind": "reply", "turn": r["turn"], "probe": None, "question": None, "text": r["text"],
        "expected": None, "identity_version": r["identity_version"],
        "prompt_to_line": r["prompt_to_line"], "line_to_line": r["line_to_line"], "qa": None,
        "claimed_name": r["claimed_name"] or None,
        "contradicts_persona": r["contradicts_persona"] or None,
        "contradicts_line": r["contradicts_line"] or None,
        "judge_prompt_to_line": r.get("judge_prompt_to_line"),
        "judge_line_to_line": r.get("judge_line_to_line"), "judge_qa": None,
        "judge_reason": _reasons(r, judged),
    }  # fmt: skip


def _probe(p: dict) -> dict:
    return {
        "kind": "probe", "turn": None, "probe": p["key"], "question": p["question"],
        "text": p["answer"], "expected": p["expected"] or None,
        "identity_version": p.get("identity_version"), "prompt_to_line": None,
        "line_to_line": None, "qa": p["qa"], "claimed_name": p["claimed_name"] or None,
        "contradicts_persona": p["contradicts_persona"] or None, "contradicts_line": None,
        "judge_prompt_to_line": None, "judge_line_to_line": None, "judge_qa": p.get("judge_qa"),
        "judge_reason": _reasons(p, ("judge_qa",)),
    }  # fmt: skip


MEASURE_ROWS = {
    "co_construction.csv": co_construction_rows,
    "uptake.csv": uptake_rows,
    "agent_consistency.csv": agent_consistency_rows,
}
