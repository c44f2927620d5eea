"""Validating and scoring semantic-differential answers. Pure: no Django imports.

Dyad's documented convention (docs/data.md, ../shared/PMQ.md): store the raw position
(1 = left end, 7 = right end) and which pole was on the left; recode so that 7 = the positive
pole (an item whose positive pole was on the left scores 8 - raw); a factor score is the mean
of its items; the overall mean of all items is exploratory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from statistics import mean

from studies.words import _


class AnswerError(ValueError):
    """Answers that cannot be saved; ``errors`` maps item code -> message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{code}: {msg}" for code, msg in errors.items()))
        self.errors = errors


def parse_answers(
    submitted: Mapping[str, Sequence[str]], item_codes: Iterable[str], points: int = 7
) -> dict[str, int]:
    """Turn a form's values (field -> list of values) into item code -> raw position.

    Every item is required; a field sent twice, a value outside 1..points or a field that is
    not one of the items is refused. Raises AnswerError listing every problem at once.
    """
    codes = list(item_codes)
    errors: dict[str, str] = {}
    answers: dict[str, int] = {}
    for code in codes:
        values = list(submitted.get(code, []))
        if not values or values == [""]:
            errors[code] = _("Please choose a point on this scale.")
        elif len(values) > 1:
            errors[code] = _("This item was answered more than once.")
        elif values[0] not in _choices(points):  # ASCII only: "²" and "４" are not answers
            errors[code] = _("Choose a whole number from 1 to %(points)s.") % {"points": points}
        else:
            answers[code] = int(values[0])
    for name in submitted:
        if name not in codes and name != "csrfmiddlewaretoken":
            errors[name] = _("This is not an item of this questionnaire.")
    if errors:
        raise AnswerError(errors)
    return answers


def _choices(points: int) -> set[str]:
    return {str(n) for n in range(1, points + 1)}


def recode(raw: int, positive_on_left: bool, points: int = 7) -> int:
    """Score with 7 (or ``points``) at the positive pole, whichever side it was shown on."""
    return points + 1 - raw if positive_on_left else raw


def factor_scores(scores: Mapping[str, int], factor_of: Mapping[str, str]) -> dict[str, float]:
    """Mean recoded score per factor, plus 'overall' (exploratory) over every item. Exact:
    change scores are computed from these, and every output rounds once, where it is shown."""
    by_factor: dict[str, list[int]] = {}
    for code, score in scores.items():
        by_factor.setdefault(factor_of[code], []).append(score)
    result = {factor: mean(values) for factor, values in by_factor.items()}
    result["overall"] = mean(scores.values())
    return result
