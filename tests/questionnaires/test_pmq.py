"""The Partner Modelling Questionnaire as data."""

from __future__ import annotations

from questionnaires import pmq


def test_the_pmq_has_eighteen_items_in_three_factors():
    assert len(pmq.ITEMS) == 18
    factors = [item.factor for item in pmq.ITEMS]
    assert (factors.count("CCD"), factors.count("HLC"), factors.count("CF")) == (9, 6, 3)
