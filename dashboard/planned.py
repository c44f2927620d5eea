"""The pre-registered analysis: the plan's primary outcome for each participant, its exclusion
rules applied (as the exports apply them: ``exports.rows.exclusions``), and the planned
contrast between its two conditions. docs/data.md ("The planned analysis") states each step.

A fixed number of queries: the participants, their attention checks, their outcome
session's messages, and the outcome (their PMQ administrations or their newest scores).
"""

from __future__ import annotations

from collections import defaultdict

from scipy import stats as sp

from questionnaires.models import Administration
from studies.models import Preregistration, Study
from studies.preregistration import PLAN_FIELDS, exclusion_reasons, plan_data

from . import selectors
from .exports.catalogue import outcome_label
from .exports.rows import exclusion_facts
from .models import SessionScore
from .selectors import PEOPLE, Cohort
from .stats import Contrast, contrast, pooled_sd


def plan_of(plan: Preregistration) -> dict:
    """The plan as locked, or as it stands while still a draft."""
    return plan.plan if plan.is_locked() else plan_data({f: getattr(plan, f) for f in PLAN_FIELDS})


def outcomes(study: Study, ids, outcome: str, session: int) -> dict[int, float]:
    """Participant id -> the outcome in the session: a PMQ factor's post - pre, or the
    session's measure from its newest scoring. Absent where there is none."""
    kind, _, name = outcome.partition(":")
    if kind == "pmq_change":
        scores: dict = defaultdict(dict)
        rows = Administration.objects.filter(
            participant_id__in=ids,
            session_number=session,
            instrument__code="pmq",
            submitted_at__isnull=False,
        ).values_list("participant_id", "timepoint", "scores")
        for pid, timepoint, values in rows:
            scores[pid][timepoint] = values[name]
        return {p: s["post"] - s["pre"] for p, s in scores.items() if "pre" in s and "post" in s}
    newest = SessionScore.objects.newest().filter(
        session__participant_id__in=ids, session__number=session
    )
    values = {}
    for pid, measures in newest.values_list("session__participant_id", "measures"):
        value = measures.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            values[pid] = float(value)
    return values


def planned_analysis(study: Study, plan: Preregistration, cohort: Cohort = PEOPLE) -> dict:
    """The plan's contrast for the cohort: n per condition with the outcome, exclusions by
    rule, n after, and B - A (Welch, Hedges' g) with p in the plan's direction. In a pilot's
    view the pilot's simulated participants are analysed (the "simulated" rule is for
    people's data)."""
    rules = plan_of(plan)
    if cohort is not PEOPLE:
        rules = {**rules, "exclude_simulated": False}
    session = rules["outcome_session"]
    found = exclusion_facts(study, cohort.present(), session)
    values = outcomes(study, list(found), rules["primary_outcome"], session)
    groups = {}
    for name in (rules["condition_a"], rules["condition_b"]):
        with_outcome = [p for p in found if found[p]["condition"] == name and p in values]
        reasons = {p: exclusion_reasons(rules, found[p]) for p in with_outcome}
        by_rule: dict[str, int] = defaultdict(int)
        for listed in reasons.values():
            for reason in listed:
                by_rule[reason] += 1
        kept = [values[p] for p in with_outcome if not reasons[p]]
        groups[name] = {
            "n_before": len(with_outcome),
            "excluded": dict(sorted(by_rule.items())),
            "n_excluded": sum(1 for listed in reasons.values() if listed),
            "values": kept,
        }
    a, b = groups[rules["condition_a"]], groups[rules["condition_b"]]
    result = contrast(a["values"], b["values"])
    names = set(study.conditions.values_list("name", flat=True))
    return {
        "missing": [n for n in (rules["condition_a"], rules["condition_b"]) if n not in names],
        "plan": rules,
        "outcome_label": outcome_label(rules["primary_outcome"]),
        "a": a,
        "b": b,
        "contrast": result,
        "p": directed_p(result, rules["direction"]),
        "supported": _supported(result, rules),
    }


def directed_p(result: Contrast, direction: str) -> float | None:
    """p of Welch's t in the plan's direction (one-sided where it names one)."""
    if result.t is None:
        return None
    if direction == "greater":
        return float(sp.t.sf(result.t, result.df))
    if direction == "less":
        return float(sp.t.cdf(result.t, result.df))
    return result.p


def _supported(result: Contrast, rules: dict) -> bool | None:
    """Whether the contrast came out as planned: p below alpha, in the planned direction."""
    p = directed_p(result, rules["direction"])
    if p is None:
        return None
    return p < rules["alpha"]


def pilot_estimates(study: Study, plan: Preregistration) -> list[dict]:
    """For each finished pilot, the difference (B - A) and pooled SD of the plan's outcome:
    what a power calculation may start from."""
    estimates = []
    for pilot in study.pilots.filter(status="done").order_by("-id")[:5]:
        analysis = planned_analysis(study, plan, selectors.cohort(study, str(pilot.pk)))
        a, b = analysis["a"]["values"], analysis["b"]["values"]
        sd = pooled_sd(a, b)
        if sd:
            difference = analysis["contrast"].difference
            estimates.append({"pilot": pilot, "difference": difference, "sd": sd})
    return estimates
