"""The agent's own personality inventory after a session (``chat.agent.inventory``): each
item put to the session's agent out of band (``asking``), in the identity the session ended
with and with the prompt its replies get, but without the conversation; the answers are
stored apart from the transcript (``InventoryAnswer``) and never shown to the participant.
Part of scoring (``scoring``), beside the Q&A probes. ``adoption`` compares the measured
traits with the set ones.
"""

from __future__ import annotations

from chat.agent.inventory import INVENTORY, ITEMS, parse_answer, question
from studies.persona import normalise

from . import asking
from .models import InventoryAnswer


def inventory_ask(*, session_id: int) -> list[InventoryAnswer]:
    """Put every item not yet answered for this ended session to its agent; returns the
    session's answers. A failed ask is kept with its error (the item is asked again at the
    next scoring); after an error a retry cannot fix, nothing more is asked now. The rows
    are stored together at the end: a few queries per session, however many items."""
    agent = asking.session_agent(session_id)
    if agent is None:
        return []
    answers = InventoryAnswer.objects.answered().filter(session_id=session_id, inventory=INVENTORY)
    answered = set(answers.values_list("item", flat=True))
    traits = normalise(agent.view.state.get("persona"))["traits"]
    rows = []
    for item in ITEMS:
        if item.number in answered:
            continue
        asked = question(item)
        result = asking.ask(agent, (), asked)
        rows.append(
            InventoryAnswer(
                session_id=session_id,
                inventory=INVENTORY,
                item=item.number,
                question=asked,
                answer=result.answer,
                score=None if result.error else parse_answer(result.answer),
                set_trait=traits[item.trait],
                identity_version=agent.view.version,
                backend=agent.backend.name,
                model=result.model,
                prompt_hash=result.prompt_hash,
                error=result.error,
                latency_ms=result.latency_ms,
            )
        )
        if result.permanent:
            break
    # A row another scoring of this session stored meanwhile wins; this one is dropped.
    InventoryAnswer.objects.bulk_create(rows, ignore_conflicts=True)
    return list(answers.order_by("item"))


def inventory_complete(session_id: int) -> bool:
    """Whether every item has been answered (scoring again would ask nothing)."""
    answers = InventoryAnswer.objects.answered().filter(session_id=session_id, inventory=INVENTORY)
    return answers.count() == len(ITEMS)
