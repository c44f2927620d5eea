"""The rows of the agent's inventory files (``inventory_columns``): every answer the agent
gave, and each session's trait scores from them (``chat.agent.inventory.trait_scores``),
read a group of participants at a time as ``rows`` reads everything else."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain, groupby

from chat.agent.inventory import INVENTORIES, keyed_score, trait_scores
from studies.models import Study

from ..models import InventoryAnswer
from .rows import grouped

KEY = ["session__participant_id", "session__number", "inventory", "item"]
FIELDS = (
    "session__participant__code", "session__participant__condition__name", "question",
    "answer", "score", "set_trait", "identity_version", "backend", "model", "prompt_hash",
    "created_at",
)  # fmt: skip


def _answers(study: Study) -> Iterator[dict]:
    """Every answer the agent gave, in participant, session and item order."""
    rows = InventoryAnswer.objects.answered().values(*KEY, *FIELDS)
    return chain.from_iterable(grouped(study, rows, "session__participant", KEY))


def _who(r: dict) -> dict:
    return {
        "participant": r["session__participant__code"],
        "condition": r["session__participant__condition__name"],
        "session": r["session__number"],
        "inventory": r["inventory"],
    }


def agent_inventory_rows(study: Study) -> Iterator[dict]:
    for r in _answers(study):
        item = INVENTORIES[r["inventory"]][r["item"]]
        score = r["score"]
        yield {
            **_who(r), "item": item.number, "trait": item.trait, "keyed": item.keyed,
            "question": r["question"], "answer": r["answer"], "score": score,
            "keyed_score": None if score is None else keyed_score(item, score),
            "identity_version": r["identity_version"], "backend": r["backend"],
            "model": r["model"], "prompt_hash": r["prompt_hash"], "answered_at": r["created_at"],
        }  # fmt: skip


def agent_trait_rows(study: Study) -> Iterator[dict]:
    """Each session's five traits, from the answers it has."""
    for _, answers in groupby(_answers(study), key=lambda r: (*map(r.get, KEY[:3]),)):
        answers = list(answers)
        scored = [(a["item"], a["score"], a["set_trait"]) for a in answers]
        for t in trait_scores(scored, answers[0]["inventory"]):
            yield {
                **_who(answers[0]), "trait": t.trait,
                "identity_version": answers[0]["identity_version"], "items": t.items,
                "measured": t.measured, "measured_on_7": t.measured_on_7, "set": t.set,
                "difference": t.difference,
            }  # fmt: skip


INVENTORY_ROWS = {
    "agent_inventory.csv": agent_inventory_rows,
    "agent_traits.csv": agent_trait_rows,
}
