"""Starting an agent turn: on the runner (``turns.TurnRunner``) of the process that holds
the participant's socket (Daphne's; the embedded default, and real services by default), or
as a Celery task that hands it to a worker's runner.

Services start turns through here, and the runner sits above them (it runs the service), so
the two ways in are registered at start-up (``ChatConfig.ready``: ``turns.register``) and
the task is found by its registered name: nothing here imports what imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from asgiref.sync import SyncToAsync
from celery import current_app
from django.conf import settings

from .layer import home_loop, socket_loop

log = logging.getLogger(__name__)
AGENT_TURN = "chat.tasks.agent_turn"
_local: dict[str, Callable] = {}


def register(*, submit: Callable, run_here: Callable) -> None:
    """``submit(message_id, home)``: hand a turn to this process's runner; ``run_here
    (message_id)``: run it to the end in this thread (no event loop: a command, a test)."""
    _local.update(submit=submit, run_here=run_here)


def agent_turn_start(message_id: int, *, home=None) -> None:
    """Start the turn queued on ``message_id`` (its AgentTurn row is the record).

    Embedded default: on this process's runner, or here. Real services: on this process's
    runner when called from a process that holds sockets (``DYAD_TURNS_IN=socket``: its
    text then reaches them without Redis, ``layer.agroup_send_near``), else a Celery task. If
    the broker cannot take the task (Redis restarting), a runner's reaper starts the turn
    once it has waited ``DYAD_TURN_LOST_SECONDS``: the participant's message is never
    dropped."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    running = loop is not None and loop.is_running()
    if settings.CELERY_TASK_ALWAYS_EAGER:
        if running:  # under Daphne: its pages live on its sockets' loop
            _local["submit"](message_id, home or home_loop.get() or socket_loop() or loop)
        else:
            _local["run_here"](message_id)
        return
    home = home or home_loop.get() or (loop if running and loop is socket_loop() else None)
    if settings.DYAD_TURNS_IN == "socket" and home is not None and home.is_running():
        _local["submit"](message_id, home)
        return
    try:
        current_app.tasks[AGENT_TURN].delay(message_id)
    except Exception:  # kombu's and redis's errors; the message is stored either way
        log.warning("Queueing the turn on message %s failed; it will be reaped", message_id)
