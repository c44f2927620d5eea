"""The PMQ files and the instrument's facts their columns carry. Pure: no Django imports."""

from __future__ import annotations

from questionnaires import pmq

from .columns import Column, Table, at, by_participant, by_session, timepoint, who

SCORING_RULE = (
    "Dyad's documented convention: the raw position is stored (1 = left end, 7 = right end) "
    "with the side of the positive pole; the score is recoded so that 7 = the positive pole "
    "(an item whose positive pole was on the left scores 8 - raw, otherwise raw); a factor "
    "score is the mean of its items' scores (CCD 9 items, HLC 6, CF 3); 'overall' is the mean "
    "of all 18 items and is exploratory; a change score is post - pre for the same session."
)
SCALE = "7-point semantic differential; scores run from 1 (negative pole) to 7 (positive pole)"

ITEM_FACTS = [
    {"code": i.code, "factor": i.factor, "positivePole": i.positive, "negativePole": i.negative}
    for i in pmq.ITEMS
]


INSTRUMENT_LANGUAGE = Column(
    "instrument_language",
    "string",
    "The language the PMQ was given in: en, the validated English original; any other code, "
    "the study's own translation of its stems and poles (not validated; compare with care).",
    required=True,
)


def factor_name(key: str, suffix: str = "") -> str:
    """The column of a factor's score, from the key scores are stored under (CCD, overall)."""
    return f"{key.lower()}{suffix}"


def factor_columns(suffix: str, what: str, low: float, high: float) -> tuple[Column, ...]:
    factors = {
        "ccd": "CCD, communicative competence and dependability (9 items)",
        "hlc": "HLC, human-likeness in communication (6 items)",
        "cf": "CF, communicative flexibility (3 items)",
        "overall": "overall mean of all 18 items (exploratory)",
    }
    return tuple(
        Column(
            factor_name(code, suffix),
            "number",
            f"{what}: {label}.",
            minimum=low,
            maximum=high,
            pmq={"factor": code.upper(), "scale": SCALE, "scoring": SCORING_RULE},
        )
        for code, label in factors.items()
    )


def pmq_items_table(c: Column) -> Table:
    return Table(
        "pmq_items.csv",
        "One row per PMQ item answered (long format).",
        (
            *who(c),
            timepoint(),
            Column(
                "item",
                "string",
                "PMQ item code.",
                tuple((i.code, f"{i.positive} - {i.negative}") for i in pmq.ITEMS),
                required=True,
                pmq={"items": ITEM_FACTS},
            ),
            Column(
                "factor",
                "string",
                "The item's factor.",
                (
                    ("CCD", "communicative competence and dependability"),
                    ("HLC", "human-likeness in communication"),
                    ("CF", "communicative flexibility"),
                ),
                required=True,
            ),
            Column(
                "display_position",
                "integer",
                "Position in the order shown, 1 = first (shuffled per administration); "
                "attention checks (attention_checks.csv) count as rows too.",
                required=True,
                minimum=1,
            ),
            Column(
                "positive_on_left",
                "boolean",
                "Whether the positive pole was on the left end of the scale.",
                required=True,
            ),
            Column("left_pole", "string", "The word at the left end (position 1).", required=True),
            Column(
                "right_pole", "string", "The word at the right end (position 7).", required=True
            ),
            Column(
                "raw",
                "integer",
                "Position chosen: 1 = left end, 7 = right end.",
                required=True,
                minimum=1,
                maximum=7,
                pmq={"scale": SCALE},
            ),
            Column(
                "score",
                "integer",
                "Recoded so that 7 = the positive pole (8 - raw when the positive pole was "
                "on the left).",
                required=True,
                minimum=1,
                maximum=7,
                pmq={"scale": SCALE, "scoring": SCORING_RULE},
            ),
            at("submitted_at", "Questionnaire submitted", required=True),
            INSTRUMENT_LANGUAGE,
        ),
        ("participant", "session", "timepoint", "item"),
        (by_participant(),),
    )


def pmq_scores_table(c: Column) -> Table:
    return Table(
        "pmq_scores.csv",
        "One row per participant x session x timepoint: PMQ factor scores.",
        (
            *who(c),
            timepoint(),
            *factor_columns("", "Mean recoded score", 1, 7),
            at("submitted_at", "Questionnaire submitted", required=True),
            INSTRUMENT_LANGUAGE,
        ),
        ("participant", "session", "timepoint"),
        (by_participant(),),
    )


def pmq_change_table(c: Column) -> Table:
    return Table(
        "pmq_change.csv",
        "One row per participant x session with both PMQs: post - pre per factor.",
        (
            *who(c),
            *factor_columns("_change", "Post - pre", -6, 6),
            INSTRUMENT_LANGUAGE._replace(
                description="The language of the PMQ after the session (the one before it "
                "is in pmq_scores.csv): en, the validated English original; any other code, "
                "the study's own translation (not validated; compare with care)."
            ),
        ),
        ("participant", "session"),
        (by_session(),),
    )


def attention_checks_table(c: Column) -> Table:
    return Table(
        "attention_checks.csv",
        "One row per attention check answered: a row placed among a PMQ's items that asks "
        "for one answer (the study's attention checks). Recorded, never scored.",
        (
            *who(c),
            timepoint(),
            Column(
                "display_position",
                "integer",
                "The row it was shown as, 1 = first (PMQ items and checks together).",
                required=True,
                minimum=1,
            ),
            Column("asked", "integer", "The point the row asked for.", required=True),
            Column("answer", "integer", "The point chosen.", required=True),
            Column(
                "passed", "boolean", "true when the answer was the one asked for.", required=True
            ),
            at("submitted_at", "The PMQ was submitted", required=True),
        ),
        ("participant", "session", "timepoint", "display_position"),
        (by_session(),),
    )
