from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def agent_turn(message_id: int) -> int | None:
    """The reply's id, or None when the turn failed (recorded on its AgentTurn: the service
    retries transient errors itself)."""
    reply = services.agent_turn_run(message_id=message_id)
    return reply.pk if reply else None
