from __future__ import annotations

import pytest

from questionnaires import pmq
from questionnaires.scoring import AnswerError, factor_scores, parse_answers, recode

CODES = [item.code for item in pmq.ITEMS]
FACTOR_OF = {item.code: item.factor for item in pmq.ITEMS}


def test_recoding_puts_seven_at_the_positive_pole_whichever_side_it_was_on():
    assert recode(1, positive_on_left=True) == 7
    assert recode(7, positive_on_left=True) == 1
    assert recode(7, positive_on_left=False) == 7
    assert recode(4, positive_on_left=True) == 4


def test_factor_scores_are_means_of_their_items_plus_an_overall_mean():
    scores = {code: (7 if FACTOR_OF[code] == "CCD" else 1) for code in CODES}
    scores["cf_flexible"] = 4
    result = factor_scores(scores, FACTOR_OF)
    assert result["CCD"] == 7
    assert result["HLC"] == 1
    assert result["CF"] == 2
    # HLC: six 1s; CF: 4, 1, 1 (mean 2); overall over all 18 items, exact (not rounded).
    assert abs(result["overall"] - (9 * 7 + 6 * 1 + 4 + 1 + 1) / 18) < 1e-12


def test_parse_accepts_one_answer_per_item():
    answers = parse_answers({code: ["3"] for code in CODES}, CODES)
    assert answers == dict.fromkeys(CODES, 3)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "choose a point"),
        ([""], "choose a point"),
        (["8"], "1 to 7"),
        (["0"], "1 to 7"),
        (["x"], "1 to 7"),
        (["2", "3"], "more than once"),
        (["²"], "1 to 7"),  # a superscript digit: once a 500
        (["9" * 5000], "1 to 7"),  # too many digits for int(): once a 500
        (["４"], "1 to 7"),  # a fullwidth digit: once stored as 4
        (["٣"], "1 to 7"),
        ([" 3"], "1 to 7"),
        (["3.0"], "1 to 7"),
    ],
)
def test_parse_refuses_missing_out_of_range_and_duplicate_answers(value, message):
    submitted = {code: ["3"] for code in CODES}
    submitted["cf_flexible"] = value
    with pytest.raises(AnswerError) as caught:
        parse_answers(submitted, CODES)
    assert list(caught.value.errors) == ["cf_flexible"]
    assert message in caught.value.errors["cf_flexible"].lower()


def test_parse_refuses_unknown_fields():
    submitted = {code: ["3"] for code in CODES} | {"sneaky": ["1"]}
    with pytest.raises(AnswerError) as caught:
        parse_answers(submitted, CODES)
    assert "sneaky" in caught.value.errors
