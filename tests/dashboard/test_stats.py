from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sp

from dashboard.stats import (
    Proportion,
    Summary,
    changes,
    contrast,
    holm,
    proportion,
    summarise,
    t95,
)


def test_mean_and_95_percent_interval_use_students_t():
    s = summarise([4, 5, 6])  # mean 5, sd 1, t(2) = 4.3027
    assert (s.n, s.mean) == (3, 5.0)
    assert s.low == pytest.approx(5 - 4.302653 / 3**0.5) and s.high == pytest.approx(
        5 + 4.302653 / 3**0.5
    )


def test_small_and_empty_groups_say_what_they_can():
    assert summarise([]) == Summary(0, None, None, None)
    assert summarise([6]) == Summary(1, 6.0, None, None)


def test_critical_values_are_exact_for_every_df_not_a_table_row():
    assert t95(49) == pytest.approx(2.009575, abs=1e-6)  # a table gave df 40's 2.021
    assert t95(35) == pytest.approx(2.030108, abs=1e-6)
    assert t95(10_000) == pytest.approx(1.960201, abs=1e-6)


def test_the_interval_of_a_mean_covers_as_scipy_says():
    values = [3.1, 4.7, 5.2, 4.4, 6.0, 5.5, 3.9]
    low, high = sp.t.interval(0.95, len(values) - 1, loc=sp.tmean(values), scale=sp.sem(values))
    s = summarise(values)
    assert (s.low, s.high) == (pytest.approx(low), pytest.approx(high))


samples = st.lists(
    st.floats(min_value=-3, max_value=3, allow_nan=False).map(lambda x: round(x, 3)),
    min_size=2,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(samples, samples)
def test_the_planned_contrast_agrees_with_scipy_and_the_textbook_formulas(a, b):
    result = contrast(a, b)
    assert (result.n_a, result.n_b) == (len(a), len(b))
    assert result.difference == pytest.approx(sum(b) / len(b) - sum(a) / len(a), abs=1e-9)
    va, vb = sp.tvar(a) if len(set(a)) > 1 else 0.0, sp.tvar(b) if len(set(b)) > 1 else 0.0
    if va + vb == 0:
        assert result.t is None and result.g is None
        return
    welch = sp.ttest_ind(b, a, equal_var=False)
    low, high = welch.confidence_interval()
    assert result.p == pytest.approx(welch.pvalue, rel=1e-9, abs=1e-12)
    assert result.t == pytest.approx(welch.statistic) and result.df == pytest.approx(welch.df)
    assert (result.low, result.high) == (pytest.approx(low), pytest.approx(high))
    assert result.low <= result.difference <= result.high
    n = len(a) + len(b)
    pooled = math.sqrt(((len(a) - 1) * va + (len(b) - 1) * vb) / (n - 2))
    d = result.difference / pooled
    j = 1 - 3 / (4 * (n - 2) - 1)
    assert result.g == pytest.approx(j * d)
    se = j * math.sqrt(n / (len(a) * len(b)) + d**2 / (2 * n))
    assert result.g_low == pytest.approx(j * d - 1.959964 * se, rel=1e-5, abs=1e-9)
    assert result.g_low <= result.g <= result.g_high


def test_a_contrast_with_an_empty_or_single_group_says_only_what_it_can():
    assert contrast([], [1.0, 2.0]).difference is None
    one = contrast([1.0], [2.0, 3.0])
    assert one.difference == 1.5 and one.p is None and one.g is None


@given(st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=1)), max_size=12))
def test_holm_matches_its_step_down_definition(p_values):
    adjusted = holm(p_values)
    tested = [p for p in p_values if p is not None]
    m = len(tested)
    ordered = sorted(tested)
    for p, q in zip(p_values, adjusted, strict=True):
        if p is None:
            assert q is None
            continue
        k = ordered.index(p)  # the first of equal values: the same adjusted value
        expected = min(1.0, max((m - i) * ordered[i] for i in range(k + 1)))
        assert q == pytest.approx(expected)
        assert p <= q <= 1.0 or math.isclose(p, q)


def test_change_scores_pair_each_participants_post_with_their_pre():
    assert changes({1: 4.0, 2: 5.0, 3: 6.0}, {1: 5.0, 3: 4.5, 4: 7.0}) == [1.0, -1.5]


def test_correlation_gives_r_with_a_fisher_interval_and_refuses_too_few_pairs():
    from dashboard.stats import correlation

    rising = [(1, 2), (2, 4.5), (3, 5.5), (4, 8.5), (5, 10)]
    result = correlation(rising)
    assert result.n == 5 and 0.98 < result.r < 1 and result.low < result.r < result.high <= 1
    assert correlation([(1, 2), (2, 1)]).r is None  # two pairs say nothing
    assert correlation([(1, 3), (2, 3), (3, 3)]).r is None  # y never varies
    falling = correlation([(x, -x + (x % 2) * 0.5) for x in range(10)])
    assert falling.r < -0.9 and falling.high < 0


def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    """The exact interval from its definition: beta quantiles."""
    low = 0.0 if k == 0 else sp.beta.ppf(0.025, k, n - k + 1)
    high = 1.0 if k == n else sp.beta.ppf(0.975, k + 1, n - k)
    return low, high


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (0, 20), (7, 37), (37, 37), (138, 149)])
def test_a_proportions_interval_is_the_exact_clopper_pearson_one(k, n):
    p = proportion(k, n)
    assert (p.k, p.n, p.p) == (k, n, k / n)
    assert (p.low, p.high) == pytest.approx(clopper_pearson(k, n), abs=1e-9)
    assert 0 <= p.low <= p.p <= p.high <= 1


def test_a_proportion_of_nothing_says_nothing():
    assert proportion(0, 0) == Proportion(0, 0, None, None, None)


def test_the_textbook_value_for_a_proportion():
    # 10 of 37 (Clopper-Pearson, as R's binom.test(10, 37)$conf.int: 0.1379 0.4412).
    p = proportion(10, 37)
    assert (round(p.low, 4), round(p.high, 4)) == (0.1379, 0.4412)
