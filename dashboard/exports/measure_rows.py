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


def _who(score: SessionScore) -> tuple:
    session = score.session
    return (session.participant.code, session.participant.condition.name, session.number)


def _provenance(score: SessionScore) -> tuple:
    return (score.created_at, score.scorer, score.judge_model, score.judge_prompt_hash)


def co_construction_rows(study: Study) -> Iterator[tuple]:
    for score in newest_scores(study):
        measures = score.measures
        yield (*_who(score), *_provenance(score), *(measures.get(n) for n in MEASURE_NAMES))


def uptake_rows(study: Study) -> Iterator[tuple]:
    for score in newest_scores(study):
        for u in score.uptake:
            yield (
                *_who(score), u["revision_id"], u["target"], u["author"], u["decided_by"] or None,
                u["turn"], u["observable"], u["replies_after"], u["taken_up"],
                u["replies_to_uptake"], u["uptake_turn"], u["old_value_replies"],
                score.created_at,
            )  # fmt: skip


def _reasons(row: dict, keys: tuple[str, ...]) -> str | None:
    reasons = [row.get(f"{k}_reason") for k in keys if row.get(f"{k}_reason")]
    return " | ".join(reasons) or None


def agent_consistency_rows(study: Study) -> Iterator[tuple]:
    judged = ("judge_prompt_to_line", "judge_line_to_line")
    for score in newest_scores(study):
        item = 0
        for r in score.replies:
            item += 1
            yield (
                *_who(score), item, "reply", r["turn"], None, None, r["text"], None,
                r["identity_version"], r["prompt_to_line"], r["line_to_line"], None,
                r["claimed_name"] or None, r["contradicts_persona"] or None,
                r["contradicts_line"] or None, r.get("judge_prompt_to_line"),
                r.get("judge_line_to_line"), None, _reasons(r, judged), *_provenance(score),
            )  # fmt: skip
        for p in score.probes:
            item += 1
            yield (
                *_who(score), item, "probe", None, p["key"], p["question"], p["answer"],
                p["expected"] or None, p.get("identity_version"), None, None, p["qa"],
                p["claimed_name"] or None, p["contradicts_persona"] or None, None, None, None,
                p.get("judge_qa"), _reasons(p, ("judge_qa",)), *_provenance(score),
            )  # fmt: skip


MEASURE_ROWS = {
    "co_construction.csv": co_construction_rows,
    "uptake.csv": uptake_rows,
    "agent_consistency.csv": agent_consistency_rows,
}
