"""Attention checks as a study lists them: read line by line, placed in rows, graded."""

from __future__ import annotations

import pytest

from studies.checks import Check, graded, parse, placed, rows


def test_a_list_of_checks_reads_line_by_line_with_every_mistake_named():
    assert parse("1 pre 7 2\n\n  * post 12 6  ") == [
        Check(1, "pre", 7, 2), Check(None, "post", 12, 6),
    ]  # fmt: skip
    with pytest.raises(ValueError) as wrong:
        parse("1 pre 7 9\nlater post 3 2\n2 during 3 2\n1 pre 7")
    message = str(wrong.value)
    for expected in ["line 1", "answer is a point from 1 to 7", "line 2", "session",
                     "line 3", "pre or post", "line 4", "four words"]:  # fmt: skip
        assert expected in message
    with pytest.raises(ValueError, match="session"):
        parse("١ pre 7 2")  # digits of other scripts are not numbers here


def test_checks_take_rows_of_their_own_and_never_fall_off_the_end():
    checks = parse("1 pre 3 2\n* pre 3 5\n* pre 99 6\n* post 1 1")
    first = placed(checks, 1, "pre", items=18)
    assert [(c["position"], c["answer"]) for c in first] == [(3, 2), (4, 5), (21, 6)]
    assert [(c["position"], c["answer"]) for c in placed(checks, 2, "pre", 18)] == [
        (3, 5), (20, 6),
    ]  # fmt: skip
    shown = rows([f"i{n}" for n in range(18)], first)
    assert len(shown) == 21 and [code for code, check in shown if check] == [
        "check-1", "check-2", "check-3",
    ]  # fmt: skip
    assert shown[2][0] == "check-1" and shown[20][0] == "check-3"
    assert graded(first, {"check-1": 2, "check-2": 4, "check-3": 6})[1]["passed"] is False
