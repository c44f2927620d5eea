"""Reads for the analytics page and the session review's timeline: each session's newest
scoring (``SessionScore``), summarised per condition and session with 95% CIs, and set
against PMQ change (exploratory). A fixed number of queries per page."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import NamedTuple

from chat.models import ChatSession, Revision
from questionnaires.models import Administration
from questionnaires.pmq import FACTORS
from studies.models import Study

from . import charts, validation
from .exports.measure_rows import drift_validation_rows
from .models import SessionScore
from .selectors import PEOPLE, Cohort
from .stats import correlation, holm, summarise


class Measure(NamedTuple):
    key: str
    label: str
    scale: str  # "share" (0-1), "judge" (1-7) or "count" (0 up)


MEASURES = (
    Measure("uptake_rate", "Uptake rate (changes taken up / observable)", "share"),
    Measure("uptake_mean_replies", "Replies until uptake", "count"),
    Measure("revisions_participant", "Changes by the participant", "count"),
    Measure("revisions_agent", "Changes by the agent", "count"),
    Measure("proposals_agent_accepted", "Agent proposals accepted", "count"),
    Measure("common_ground_end", "Common ground at the end (statements)", "count"),
    Measure("persona_big_five_distance", "Big Five distance from the seed", "count"),
    Measure("carried_from_previous", "Changes carried from the previous session", "count"),
    Measure("prompt_to_line_mean", "Prompt-to-line similarity", "share"),
    Measure("line_to_line_mean", "Line-to-line similarity", "share"),
    Measure("qa_mean", "Q&A consistency", "share"),
    Measure("contradictions_persona", "Replies contradicting the persona", "count"),
    Measure("judge_prompt_to_line_mean", "Judge: prompt-to-line (1-7)", "judge"),
    Measure("judge_line_to_line_mean", "Judge: line-to-line (1-7)", "judge"),
    Measure("judge_qa_mean", "Judge: Q&A (1-7)", "judge"),
)
AGAINST_PMQ = ("uptake_rate", "prompt_to_line_mean", "qa_mean")


def scored(study: Study, cohort: Cohort = PEOPLE) -> list[dict]:
    rows = SessionScore.objects.newest().filter(
        cohort.present("session__participant__"), session__participant__study=study
    )
    return list(
        rows.values(
            "session__participant_id",
            "session__participant__condition__name",
            "session__number",
            "measures",
        )
    )


def coverage(study: Study, cohort: Cohort, scored_rows: list[dict]) -> dict:
    ended = ChatSession.objects.filter(cohort.present("participant__"), participant__study=study)
    ended = ended.exclude(status=ChatSession.Status.ACTIVE).count()
    return {
        "ended": ended,
        "scored": len(scored_rows),
        "unscored": max(ended - len(scored_rows), 0),
    }


def _scale(measure: Measure, summaries) -> tuple[float, float, list]:
    if measure.scale == "share":
        return 0, 1, [0, 0.25, 0.5, 0.75, 1]
    if measure.scale == "judge":
        return 1, 7, list(range(1, 8))
    top = max([s.high or s.mean or 0 for s in summaries] + [1])
    high = math.ceil(top)
    step = max(1, math.ceil(high / 5))
    return 0, high, list(range(0, high + 1, step))


def by_condition(rows: list[dict]) -> list[dict]:
    """Per measure: a summary per condition and session number, and its chart."""
    groups = sorted(
        {(r["session__participant__condition__name"], r["session__number"]) for r in rows}
    )
    out = []
    for measure in MEASURES:
        cells = []
        for condition, number in groups:
            values = [
                r["measures"].get(measure.key)
                for r in rows
                if (r["session__participant__condition__name"], r["session__number"])
                == (condition, number)
            ]
            cells.append(
                (f"{condition} s{number}", summarise([v for v in values if v is not None]))
            )
        if not any(s.n for _, s in cells):
            continue
        low, high, ticks = _scale(measure, [s for _, s in cells])
        out.append(
            {
                "measure": measure,
                "cells": cells,
                "chart": charts.measure_chart(cells, low, high, ticks),
            }
        )
    return out


def against_pmq(study: Study, cohort: Cohort, rows: list[dict]) -> list[dict]:
    """Exploratory: within each condition, across participants, Pearson's r between a
    session's measure and the PMQ change (post - pre) of the same session, per factor, with
    Holm-adjusted p-values across the whole table. Never pooled over conditions: a measure
    a condition fixes (uptake where the panel is hidden) would correlate with the condition
    difference, not with anything within it; where a measure is constant within a
    condition, there is no correlation to show and none is tested."""
    pmq = Administration.objects.filter(
        cohort.present("participant__"),
        participant__study=study,
        instrument__code="pmq",
        submitted_at__isnull=False,
    ).values_list("participant_id", "session_number", "timepoint", "scores")
    scores: dict = defaultdict(dict)
    for pid, number, timepoint, values in pmq:
        scores[(pid, number)][timepoint] = values
    out = []
    conditions = sorted({r["session__participant__condition__name"] for r in rows})
    for condition in conditions:
        within = [r for r in rows if r["session__participant__condition__name"] == condition]
        for key in AGAINST_PMQ:
            label = next(m.label for m in MEASURES if m.key == key)
            for factor in FACTORS:
                pairs = []
                for r in within:
                    value = r["measures"].get(key)
                    both = scores.get((r["session__participant_id"], r["session__number"]), {})
                    if value is not None and "pre" in both and "post" in both:
                        pairs.append((value, both["post"][factor] - both["pre"][factor]))
                constant = len(pairs) >= 3 and len({v for v, _ in pairs}) == 1
                out.append(
                    {
                        "condition": condition,
                        "measure": label,
                        "factor": factor,
                        "r": correlation(pairs),
                        "constant": constant,
                    }
                )
    for row, adjusted in zip(out, holm([row["r"].p for row in out]), strict=True):
        row["p_holm"] = adjusted
    return out


def drift_validation(study: Study, cohort: Cohort) -> dict | None:
    """For a pilot's cohort: each drift measure against the drift the pilot planted
    (sensitivity, specificity, their exact 95% CIs), from the rows of drift_validation.csv;
    None for people, who are never planted with drift."""
    if not cohort.pilot:
        return None
    rows = list(drift_validation_rows(study, cohort.present()))
    return {
        "items": len(rows),
        "planted": sum(r["planted"] for r in rows),
        "rates": sorted({r["drift_rate"] for r in rows}),
        "measures": validation.validate(rows),
        "by_target": validation.by_target(rows),
        "rules": validation.RULES,
    }


def _lane(target: str) -> str:
    return "common ground" if target.startswith("common_ground") else target


def session_timeline(session: ChatSession) -> dict | None:
    """The session review's timeline from the session's newest scoring (None until it has
    one): the ledger as marks in lanes, and each reply's scores."""
    score = session.scores.order_by("-id").first()
    if score is None:
        return None
    ledger = Revision.objects.filter(session=session).exclude(target="*").order_by("id")
    rows = [
        (r.turn, _lane(r.target), r.author, r.status, f"turn {r.turn}: {r.author} {r.status} "
         f"{r.target}")
        for r in ledger
    ]  # fmt: skip
    taken = defaultdict(list)
    for u in score.uptake:
        if u["uptake_turn"]:
            taken[u["uptake_turn"]].append(u["target"])
    replies = []
    for r in score.replies:
        flag = r["contradicts_persona"] or r["contradicts_line"]
        replies.append({**r, "took_up": taken.get(r["turn"], []), "flag": flag})
    bars = [(r["turn"], r["prompt_to_line"], bool(r["flag"]), f"turn {r['turn']}") for r in replies]
    return {
        "score": score,
        "replies": replies,
        "uptake": score.uptake,
        "probes": score.probes,
        "chart": charts.timeline(session.last_turn, rows, bars),
    }
