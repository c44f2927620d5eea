"""Celery tasks: load by id, run the service, nothing more.

An agent turn is handed to this worker process's runner (``turns``) and the task returns: a
turn waits on the model for seconds, and holds no thread meanwhile. Retries live in the
service (``services.agent``: transient endpoint errors); a worker that dies mid-turn stops
its turns' hearts, and a runner reaps and restarts them.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown

from .turns import drain, process_runner

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_SECONDS = 120


@shared_task
def agent_turn(message_id: int) -> None:
    process_runner().submit(message_id)


@worker_ready.connect
def _runner_start(**_) -> None:
    """Every worker reaps lost turns from the start, not only once it has taken one."""
    process_runner()


@worker_shutdown.connect
def _runner_drain(**_) -> None:
    """A warm shutdown (a deploy) lets the turns in flight finish; a kill leaves them to be
    reaped by another worker."""
    try:
        drain(SHUTDOWN_GRACE_SECONDS)
    except TimeoutError:
        log.warning("Shut down with agent turns in flight: another worker will restart them")
