"""The Partner Modelling Questionnaire as data (../shared/PMQ.md). Pure: no Django imports."""

from __future__ import annotations

from typing import NamedTuple


class PMQItem(NamedTuple):
    code: str
    factor: str
    positive: str
    negative: str


ITEMS: tuple[PMQItem, ...] = (
    PMQItem("ccd_competent", "CCD", "Competent", "Incompetent"),
    PMQItem("ccd_dependable", "CCD", "Dependable", "Unreliable"),
    PMQItem("ccd_capable", "CCD", "Capable", "Incapable"),
    PMQItem("ccd_consistent", "CCD", "Consistent", "Inconsistent"),
    PMQItem("ccd_reliable", "CCD", "Reliable", "Uncertain"),
    PMQItem("ccd_expert", "CCD", "Expert", "Amateur"),
    PMQItem("ccd_efficient", "CCD", "Efficient", "Inefficient"),
    PMQItem("ccd_precise", "CCD", "Precise", "Vague"),
    PMQItem("ccd_cooperative", "CCD", "Cooperative", "Uncooperative"),
    PMQItem("hlc_humanlike", "HLC", "Human-like", "Machine-like"),
    PMQItem("hlc_lifelike", "HLC", "Life-like", "Tool-like"),
    PMQItem("hlc_warm", "HLC", "Warm", "Cold"),
    PMQItem("hlc_empathetic", "HLC", "Empathetic", "Apathetic"),
    PMQItem("hlc_personal", "HLC", "Personal", "Generic"),
    PMQItem("hlc_social", "HLC", "Social", "Transactional"),
    PMQItem("cf_flexible", "CF", "Flexible", "Inflexible"),
    PMQItem("cf_interpretive", "CF", "Interpretive", "Literal"),
    PMQItem("cf_spontaneous", "CF", "Spontaneous", "Predetermined"),
)

CODE = "pmq"
NAME = "Partner Modelling Questionnaire (PMQ)"
CITATION = (
    "Doyle, Gessinger, Edwards, Clark, Dumbleton, Garaialde, Rough, Bleakley, Branigan & Cowan "
    "(2025). The Partner Modelling Questionnaire: A validated self-report measure of "
    "perceptions toward machines as dialogue partners. ACM TOCHI. doi:10.1145/3729170"
)
NOTE = (
    "The PMQ was validated for speech interfaces; its use for text chat with a dialogue agent "
    "is an adaptation."
)
SCALE_POINTS = 7
FACTORS = ("CCD", "HLC", "CF")

REFERENTS = {
    "pre": "the agent you are about to talk with",
    "post": "the agent you just talked with",
}


def stem(timepoint: str) -> str:
    """The wording shown above the items; stored as the administration's instrument version."""
    return (
        f"PMQ (text-chat adaptation). Think about {REFERENTS[timepoint]}. For each pair of "
        "words, choose the point on the 7-point scale that best describes how you see it."
    )


def install(instrument_model, item_model):
    """Create or update the PMQ rows. Takes the model classes, so migrations can pass theirs."""
    instrument, _ = instrument_model.objects.update_or_create(
        code=CODE,
        defaults={"name": NAME, "citation": CITATION, "note": NOTE, "scale_points": SCALE_POINTS},
    )
    for position, item in enumerate(ITEMS, start=1):
        item_model.objects.update_or_create(
            instrument=instrument,
            code=item.code,
            defaults={
                "kind": "semantic_differential",
                "factor": item.factor,
                "positive_pole": item.positive,
                "negative_pole": item.negative,
                "position": position,
            },
        )
    return instrument
