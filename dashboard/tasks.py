"""Celery tasks of the researcher side: load by id, run the service, nothing more."""

from __future__ import annotations

from celery import shared_task

from .pilots import pilot_run


@shared_task(acks_late=False)  # a pilot cut short is reported as such, never run twice
def pilot(pilot_id: int) -> int:
    return pilot_run(pilot_id=pilot_id).pk
