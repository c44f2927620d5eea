from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, max_retries=3, default_retry_delay=2)
def agent_turn(message_id: int) -> int:
    return services.agent_turn_run(message_id=message_id).pk
