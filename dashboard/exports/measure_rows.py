"""The rows of the measures' files (``measure_columns``): each session's newest scoring,
read a group of participants at a time as ``rows`` reads everything else."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q, QuerySet

from chat.models import Message, Probe
from studies.models import Study

from .. import validation
from ..models import SessionScore
from .measure_columns import MEASURE_NAMES
from .rows import GROUP, pages, people


def newest_scores(study: Study) -> Iterator[SessionScore]:
    """Each exported session's newest scoring, in participant and session order."""
    for scores in _score_groups(people(study)):
        yield from scores


def _score_groups(participants: QuerySet) -> Iterator[list[SessionScore]]:
    """The newest scorings of the participants' sessions, GROUP participants at a time."""
    for group in pages(participants.values("id"), ["id"], size=GROUP):
        ids = [r["id"] for r in group]
        yield list(
            SessionScore.objects.newest()
            .filter(session__participant_id__in=ids)
            .select_related("session__participant__condition", "session__participant__pilot")
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


def _items(score: SessionScore) -> Iterator[tuple[int, str, dict]]:
    """A scored session's replies, then its probes, numbered together by ``item``."""
    scored = [*(("reply", r) for r in score.replies), *(("probe", p) for p in score.probes)]
    for item, (kind, row) in enumerate(scored, start=1):
        yield item, kind, row


def agent_consistency_rows(study: Study) -> Iterator[dict]:
    for score in newest_scores(study):
        for item, kind, row in _items(score):
            scored = _reply(row) if kind == "reply" else _probe(row)
            yield {**_who(score), "item": item, **scored, **_provenance(score)}


def drift_validation_rows(study: Study, who: Q | None = None) -> Iterator[dict]:
    """The rows of agent_consistency.csv of simulated participants (``who``: some of them),
    each with the drift planted in it (Message and Probe ``planted_drift``) and each drift
    measure's flag (``validation.flags``). People are never planted with drift."""
    simulated = people(study).filter(Q(is_simulated=True) & (who or Q()))
    for scores in _score_groups(simulated):
        replies, probes = _planted([s.session_id for s in scores])
        for score in scores:
            for item, kind, row in _items(score):
                if kind == "reply":
                    planted = replies.get(row["message_id"])
                else:
                    planted = probes.get((score.session_id, score.probe_set, row["key"]))
                yield {
                    **_who(score), "item": item, "kind": kind, "turn": row.get("turn"),
                    "probe": row.get("key"), "drift_rate": score.session.participant.pilot.drift,
                    **_truth(planted), **validation.flags(row, kind),
                    "scored_at": score.created_at,
                }  # fmt: skip


def _planted(session_ids: list[int]) -> tuple[dict, dict]:
    """What was planted in these sessions' replies (by message id) and answered probes (by
    session, probe set and key)."""
    replies = Message.objects.filter(
        session_id__in=session_ids, sender=Message.Sender.AGENT, planted_drift__isnull=False
    )
    probes = Probe.objects.filter(session_id__in=session_ids, error="", planted_drift__isnull=False)
    return (
        dict(replies.values_list("id", "planted_drift")),
        {
            (s, p, k): planted
            for s, p, k, planted in probes.values_list(
                "session_id", "probe_set", "key", "planted_drift"
            )
        },
    )


def _truth(planted: dict | None) -> dict:
    planted = planted or {}
    return {
        "planted": bool(planted),
        "planted_kind": planted.get("kind"),
        "planted_target": planted.get("target"),
        "planted_said": planted.get("said") or None,
        "planted_truth": planted.get("truth"),
    }


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
    "drift_validation.csv": drift_validation_rows,
}
