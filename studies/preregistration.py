"""A study's pre-registered plan as data: what it holds, its hash, its readable text in the
order of AsPredicted's questions, who its exclusion rules exclude, and the sample size its
power calculation asks for. Pure: no Django.

The plan is frozen as the dict ``plan_data`` returns; its SHA-256 (``plan_hash``) is taken of
that dict in canonical JSON, as the design's is (``design.content_hash``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from scipy import stats as sp

from .design import content_hash

PLAN_FIELDS = (
    "hypotheses",
    "primary_outcome",
    "outcome_session",
    "condition_a",
    "condition_b",
    "direction",
    "alpha",
    "power",
    "effect_size",
    "sd",
    "planned_n",
    "exclude_checks_failed",
    "exclude_comprehension_failed",
    "exclude_fewer_messages",
    "exclude_simulated",
    "analysis_notes",
)
DIRECTIONS = {
    "greater": "higher in condition B than in condition A",
    "less": "lower in condition B than in condition A",
    "two-sided": "different between the conditions, in either direction",
}


def plan_data(values: Mapping) -> dict:
    """The plan as it is frozen: exactly ``PLAN_FIELDS``."""
    return {k: values[k] for k in PLAN_FIELDS}


def plan_hash(plan: dict) -> str:
    return content_hash(plan)


def exclusion_reasons(plan: Mapping, facts: Mapping) -> list[str]:
    """Which of the plan's rules exclude a participant, by name (in the plan's order).

    ``facts``: ``checks_failed`` (attention checks failed, None if they met none),
    ``comprehension_passed`` (None if not asked), ``messages`` (their messages in the outcome
    session, None without that session), ``simulated``.
    """
    reasons = []
    k = plan["exclude_checks_failed"]
    if k is not None and (facts["checks_failed"] or 0) >= k:
        reasons.append(f"checks_failed>={k}")
    if plan["exclude_comprehension_failed"] and facts["comprehension_passed"] is False:
        reasons.append("comprehension_failed")
    m = plan["exclude_fewer_messages"]
    if m is not None and (facts["messages"] or 0) < m:
        reasons.append(f"messages<{m}")
    if plan["exclude_simulated"] and facts["simulated"]:
        reasons.append("simulated")
    return reasons


def n_per_group(d: float, *, alpha: float = 0.05, power: float = 0.8, sides: int = 2) -> int:
    """Participants per condition for a two-sample t test to detect a standardised
    difference ``d`` (difference / SD) with this power: the smallest n whose power,
    computed from the noncentral t distribution with 2n - 2 df, reaches it."""
    if d <= 0 or not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError("d must be above 0, alpha and power between 0 and 1")

    def achieved(n: int) -> float:
        df, shift = 2 * n - 2, d * math.sqrt(n / 2)
        critical = sp.t.ppf(1 - alpha / sides, df)
        upper = sp.nct.sf(critical, df, shift)
        return upper + (sp.nct.cdf(-critical, df, shift) if sides == 2 else 0.0)

    low, high = 2, 4
    while achieved(high) < power:
        low, high = high, high * 2
        if high > 10_000_000:
            raise ValueError(
                "detecting so small an effect needs more than 10,000,000 participants per condition"
            )
    while low < high:
        middle = (low + high) // 2
        low, high = (middle + 1, high) if achieved(middle) < power else (low, middle)
    return low


def markdown(plan: dict, about: Mapping) -> str:
    """The locked plan as a readable document, in the order of AsPredicted's questions.
    ``about``: study title and slug, the lock's time and author, plan and design hashes and
    the design version, and the outcome's label."""
    rules = exclusion_text(plan)
    lines = [
        f"# Pre-registration: {about['title']}",
        "",
        f"Study `{about['slug']}`, locked {about['locked_at']} by {about['locked_by']}.",
        f"Plan SHA-256 `{about['plan_hash']}`; design version {about['design_version']}, "
        f"SHA-256 `{about['design_hash']}`.",
        "",
        "## 1. Data collection",
        "No data from real participants had been analysed when this plan was locked; "
        "data collected before the lock are marked by their time stamps in the exports.",
        "",
        "## 2. Hypothesis",
        plan["hypotheses"].strip(),
        "",
        "## 3. Dependent variable",
        f"{about['outcome_label']} (`{plan['primary_outcome']}`), in session "
        f"{plan['outcome_session']}.",
        "",
        "## 4. Conditions",
        f"Condition A: `{plan['condition_a']}`; condition B: `{plan['condition_b']}`. "
        f"Expected: the outcome is {DIRECTIONS[plan['direction']]}.",
        "",
        "## 5. Analyses",
        "Difference in means (B - A) with its 95% confidence interval by Welch's t test, "
        f"tested {'two-sided' if plan['direction'] == 'two-sided' else 'one-sided'} at "
        f"alpha = {plan['alpha']}; Hedges' g with its 95% confidence interval. Every other "
        "analysis is reported as exploratory, with Holm-adjusted p-values.",
        "",
        "## 6. Outliers and exclusions",
        *(f"- {rule}" for rule in rules),
        *([] if rules else ["- None."]),
        "Excluded participants' data are kept and marked (`excluded`, `exclusion_reasons`).",
        "",
        "## 7. Sample size",
        _sample_text(plan),
        "",
        "## 8. Other",
        plan["analysis_notes"].strip() or "Nothing further.",
        "",
    ]
    return "\n".join(lines)


def exclusion_text(plan: Mapping) -> list[str]:
    rules = []
    if plan["exclude_checks_failed"] is not None:
        rules.append(f"{plan['exclude_checks_failed']} or more attention checks failed")
    if plan["exclude_comprehension_failed"]:
        rules.append("the comprehension question failed (out of tries)")
    if plan["exclude_fewer_messages"] is not None:
        rules.append(f"fewer than {plan['exclude_fewer_messages']} messages in the outcome session")
    if plan["exclude_simulated"]:
        rules.append("simulated participants of pilots (analysed only in a pilot's view)")
    return rules


def _sample_text(plan: Mapping) -> str:
    text = f"{plan['planned_n']} participants per condition."
    if plan["effect_size"] and plan["sd"]:
        d = plan["effect_size"] / plan["sd"]
        text += (
            f" From an expected difference of {plan['effect_size']} with SD {plan['sd']} "
            f"(d = {d:.3f}), alpha = {plan['alpha']} and power = {plan['power']}."
        )
    return text
