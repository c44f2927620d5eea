from __future__ import annotations

from dashboard.charts import LEFT, WIDTH, pmq_chart
from dashboard.selectors import Cell
from dashboard.stats import Summary


def test_intervals_past_the_scale_are_cut_at_its_ends_and_marked():
    wide = Summary(2, 6.5, 4.0, 9.2)  # a small sample: the interval passes 7
    low = Summary(2, 1.4, -0.8, 3.6)
    chart = pmq_chart([Cell("editable", 1, "HLC", low, wide, Summary(0, None, None, None))])
    before, after = chart["rows"]
    assert before["x1"] == LEFT and before["cut_low"] and not before["cut_high"]
    assert after["x2"] == LEFT + WIDTH and after["cut_high"] and not after["cut_low"]
    for row in chart["rows"]:
        assert LEFT <= row["x1"] <= row["x2"] <= LEFT + WIDTH  # never over the row labels
        assert len(row["arrows"]) == 1


def test_intervals_inside_the_scale_are_drawn_as_they_are():
    inside = Summary(30, 4.0, 3.5, 4.5)
    row = pmq_chart([Cell("editable", 1, "CF", inside, inside, inside)])["rows"][0]
    assert not row["cut_low"] and not row["cut_high"] and row["arrows"] == []
    assert row["x1"] < row["cx"] < row["x2"]
