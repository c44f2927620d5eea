"""A researcher's translation of the PMQ. Pure: no Django imports.

The PMQ was validated in English; Dyad shows it in English unless a study supplies its own
translation of both stems and all 36 poles, which is then recorded with every administration
as the instrument's language. A translation is text, one line each:

    pre: Denke an den Agenten, mit dem du gleich sprechen wirst. ...
    post: Denke an den Agenten, mit dem du gerade gesprochen hast. ...
    Competent = Kompetent
    Incompetent = Inkompetent
    ...
"""

from __future__ import annotations

from typing import NamedTuple

from .pmq import ITEMS

POLES = tuple(pole for item in ITEMS for pole in (item.positive, item.negative))
STEMS = ("pre", "post")


class Translation(NamedTuple):
    stems: dict[str, str]  # timepoint -> stem
    poles: dict[str, str]  # English pole -> translated pole


def parse(text: str) -> Translation | None:
    """The translation a study's text gives (None for none); ValueError naming every gap."""
    if not (text or "").strip():
        return None
    stems, poles, problems = {}, {}, []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        head, colon, rest = line.partition(":")
        if colon and head.strip() in STEMS and "=" not in head:
            stems[head.strip()] = rest.strip()
            continue
        english, equals, translated = line.partition("=")
        english, translated = english.strip(), translated.strip()
        if not equals or not translated:
            problems.append(f"line {number}: write 'English = translation' or 'pre: stem'")
        elif english not in POLES:
            problems.append(f"line {number}: {english!r} is not one of the PMQ's poles")
        elif english in poles:
            problems.append(f"line {number}: {english!r} is translated twice")
        else:
            poles[english] = translated
    missing = [pole for pole in POLES if pole not in poles]
    if missing:
        problems.append(f"poles without a translation: {', '.join(missing)}")
    problems += [f"no '{t}:' stem" for t in STEMS if not stems.get(t)]
    if problems:
        raise ValueError("; ".join(problems) + ".")
    return Translation(stems, poles)
