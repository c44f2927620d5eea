from __future__ import annotations

import pytest

from dashboard.stats import Summary, changes, summarise, t95


def test_mean_and_95_percent_interval_use_students_t():
    s = summarise([4, 5, 6])  # mean 5, sd 1, t(2) = 4.303
    assert (s.n, s.mean) == (3, 5.0)
    assert s.low == pytest.approx(5 - 4.303 / 3**0.5) and s.high == pytest.approx(
        5 + 4.303 / 3**0.5
    )


def test_small_and_empty_groups_say_what_they_can():
    assert summarise([]) == Summary(0, None, None, None)
    assert summarise([6]) == Summary(1, 6.0, None, None)


def test_critical_values_are_conservative_between_table_rows_and_normal_for_large_n():
    assert t95(35) == t95(30) == 2.042
    assert t95(500) == pytest.approx(1.96)


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
