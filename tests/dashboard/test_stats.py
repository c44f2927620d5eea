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
