"""Celery tasks: load by id, run the service, nothing more.

Retries live in the service, not here: a transient endpoint error is retried within the turn
(``services.agent``), where the streamed draft, the AgentTurn's record and the participant's
typing indicator are; a worker that dies mid-turn is covered by the broker handing the task
to another worker (``acks_late`` with ``reject_on_worker_lost``, settings.py).
"""

from __future__ import annotations

from celery import shared_task

from .services.agent import agent_turn_run


@shared_task(acks_late=True)
def agent_turn(message_id: int) -> int | None:
    """The reply's id, or None when the turn failed (recorded on its AgentTurn)."""
    reply = agent_turn_run(message_id=message_id)
    return reply.pk if reply else None
