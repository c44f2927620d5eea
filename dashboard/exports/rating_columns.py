"""ratings.csv: one row per rating of an agent reply in a sample drawn for people to rate
(docs/data.md, "Ratings"). Pure: no Django imports."""

from __future__ import annotations

from .columns import Column, Table, at, by_session, who

ANSWERS = (  # the values of dashboard.models.Rating.Answer (a test holds them equal)
    ("yes", "consistent with the identity shown"),
    ("no", "not consistent with the identity shown"),
    ("cant_tell", "the rater could not tell; set aside by the agreement statistics"),
)


def _number(name: str, what: str, smallest: int = 1, required: bool = True) -> Column:
    return Column(name, "integer", what, required=required, minimum=smallest)


def ratings_table(c: Column) -> Table:
    return Table(
        "ratings.csv",
        "One row per rating of an agent reply in a sample drawn for people to rate (blind to "
        "condition and scores): is it consistent with the identity it was given? Every "
        "rating is kept; a rater's newest on a reply counts (newest).",
        (
            *who(c),
            _number("turn", "The reply's transcript turn (messages.csv, agent_consistency.csv)."),
            _number(
                "identity_version",
                "The identity version the reply was generated from, shown beside it.",
                smallest=0,
                required=False,
            ),
            _number("rating", "The rating's number; ratings count up in the order given."),
            _number("sample", "The sample (its number on the study's Ratings page)."),
            _number(
                "sample_seed",
                "The seed it was drawn with: random.Random(sample_seed).sample(pool, "
                "sample_size) in Python (docs/data.md).",
                smallest=0,
            ),
            _number("sample_size", "Replies in the sample."),
            _number("sample_pool", "Scored replies the sample was drawn from."),
            _number("item", "The reply's place in the sample: the order every rater saw it in."),
            Column(
                "rater",
                "string",
                "Pseudonymous rater within the sample: R1 began rating first, then R2, ...; "
                "never a name.",
                required=True,
            ),
            Column(
                "answer",
                "string",
                "Is the reply consistent with the identity shown?",
                ANSWERS,
                required=True,
            ),
            at("rated_at", "When the rating was given", True),
            Column(
                "newest",
                "boolean",
                "true on the rater's newest rating of this reply, the one that counts; false "
                "on one they answered again later.",
                required=True,
            ),
        ),
        ("rating",),
        (by_session(),),
    )
