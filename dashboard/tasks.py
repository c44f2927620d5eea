"""Celery tasks of the researcher side: load by id, run the service, nothing more."""

from __future__ import annotations

from celery import shared_task

from .pilots import pilot_run
from .scoring import session_score, study_score


@shared_task(acks_late=False)  # a pilot cut short is reported as such, never run twice
def pilot(pilot_id: int) -> int:
    return pilot_run(pilot_id=pilot_id).pk


@shared_task
def score_session(session_id: int) -> bool:
    return session_score(session_id=session_id) is not None


@shared_task(acks_late=False)  # scoring a study again twice would only add rows
def score_study(study_id: int) -> int:
    return study_score(study_id=study_id)
