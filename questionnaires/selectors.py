from __future__ import annotations

from typing import NamedTuple

from studies import checks

from .models import Administration


class ShownItem(NamedTuple):
    code: str
    number: int
    left: str
    right: str
    check: int | None = None  # an attention check: the point it asks for
    english_left: str = ""  # the left pole as the instrument names it (a translation aside)


def items_as_shown(administration: Administration) -> list[ShownItem]:
    """Rows in the order and with the pole sides this administration recorded, attention
    checks among them."""
    items = {i.code: i for i in administration.instrument.items.all()}
    shown = []
    rows = checks.rows(administration.item_order, administration.checks)
    for number, (code, check) in enumerate(rows, start=1):
        if check:
            shown.append(ShownItem(code, number, "", "", check["answer"]))
            continue
        item = items[code]
        positive_left = administration.positive_left[code]
        left, right = (
            (item.positive_pole, item.negative_pole)
            if positive_left
            else (item.negative_pole, item.positive_pole)
        )
        poles = administration.translated_poles or {}
        shown.append(
            ShownItem(code, number, poles.get(left, left), poles.get(right, right), None, left)
        )
    return shown
