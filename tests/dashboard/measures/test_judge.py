"""The LLM judge's answer read as a whole score from 1 to 7, or none."""

from __future__ import annotations


def test_the_judge_s_answer_is_read_as_a_whole_score_from_1_to_7_or_none():
    from dashboard.measures import judge

    assert judge.parse('{"score": 6, "reason": "in character"}') == (6, "in character")
    assert judge.parse('```json\n{"score": 2, "reason": "renamed itself"}\n```')[0] == 2
    assert judge.parse("5 - mostly consistent")[0] == 5
    assert judge.parse("I would say 2.")[0] == 2
    bad_answers = (
        '{"score": 9}',
        '{"score": 4.5}',
        '{"score": true}',
        "no idea",
        "",
        "7 of 10",
        "12",
    )
    for bad in bad_answers:
        assert judge.parse(bad)[0] is None
