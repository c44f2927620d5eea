"""Starting an agent turn: a Celery task on real services, in-process on the embedded default.

The task is found by its registered name (``ChatConfig.ready`` imports ``chat.tasks`` in every
process): the task module imports the one service it runs, and that service starts the next
turn through here, so importing the task module here would close a circle.
"""

from __future__ import annotations

from celery import current_app
from django.conf import settings

from . import inprocess

AGENT_TURN = "chat.tasks.agent_turn"


def agent_turn_start(message_id: int) -> None:
    task = current_app.tasks[AGENT_TURN]
    if settings.CELERY_TASK_ALWAYS_EAGER:
        inprocess.run_soon(task.apply, args=[message_id])
    else:
        task.delay(message_id)
