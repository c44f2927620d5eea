from __future__ import annotations

from typing import NamedTuple

from .models import Administration


class ShownItem(NamedTuple):
    code: str
    number: int
    left: str
    right: str


def items_as_shown(administration: Administration) -> list[ShownItem]:
    """Items in the order and with the pole sides this administration recorded."""
    items = {i.code: i for i in administration.instrument.items.all()}
    shown = []
    for number, code in enumerate(administration.item_order, start=1):
        item = items[code]
        positive_left = administration.positive_left[code]
        left, right = (
            (item.positive_pole, item.negative_pole)
            if positive_left
            else (item.negative_pole, item.positive_pole)
        )
        shown.append(ShownItem(code, number, left, right))
    return shown
