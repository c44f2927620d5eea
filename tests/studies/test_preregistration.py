"""The plan as data (studies/preregistration.py): its exclusion rules and its power
calculation."""

from __future__ import annotations

import pytest
from scipy import stats as sp

from studies.preregistration import exclusion_reasons, n_per_group

RULES = {
    "exclude_checks_failed": 2,
    "exclude_comprehension_failed": True,
    "exclude_fewer_messages": 3,
    "exclude_simulated": True,
}
KEPT = {"checks_failed": 1, "comprehension_passed": True, "messages": 5, "simulated": False}


def test_a_participant_every_rule_lets_through_is_kept():
    assert exclusion_reasons(RULES, KEPT) == []
    never_met = {"checks_failed": None, "comprehension_passed": None, "messages": 3}
    assert exclusion_reasons(RULES, {**never_met, "simulated": False}) == []


@pytest.mark.parametrize(
    ("facts", "reasons"),
    [
        ({"checks_failed": 2}, ["checks_failed>=2"]),
        ({"comprehension_passed": False}, ["comprehension_failed"]),
        ({"messages": 2}, ["messages<3"]),
        ({"messages": None}, ["messages<3"]),  # never had the outcome session
        ({"simulated": True}, ["simulated"]),
        ({"checks_failed": 4, "messages": 0}, ["checks_failed>=2", "messages<3"]),
    ],
)
def test_each_rule_names_itself_when_it_excludes(facts, reasons):
    assert exclusion_reasons(RULES, {**KEPT, **facts}) == reasons


def test_rules_left_out_of_the_plan_exclude_nobody():
    off = {
        "exclude_checks_failed": None,
        "exclude_comprehension_failed": False,
        "exclude_fewer_messages": None,
        "exclude_simulated": False,
    }
    worst = {"checks_failed": 9, "comprehension_passed": False, "messages": 0, "simulated": True}
    assert exclusion_reasons(off, worst) == []


@pytest.mark.parametrize(
    ("d", "sides", "n"),
    [(0.5, 2, 64), (0.8, 2, 26), (0.2, 2, 394), (0.5, 1, 51)],  # G*Power's answers
)
def test_the_power_calculation_gives_the_textbook_sample_sizes(d, sides, n):
    assert n_per_group(d, sides=sides) == n


def test_the_sample_it_gives_is_the_smallest_with_the_power_asked_for():
    n = n_per_group(0.35, alpha=0.01, power=0.9)

    def power(m):
        df, shift = 2 * m - 2, 0.35 * (m / 2) ** 0.5
        critical = sp.t.ppf(1 - 0.01 / 2, df)
        return sp.nct.sf(critical, df, shift) + sp.nct.cdf(-critical, df, shift)

    assert power(n) >= 0.9 > power(n - 1)


def test_impossible_settings_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="d must be above 0"):
        n_per_group(0)
