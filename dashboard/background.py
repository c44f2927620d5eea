"""Work the researcher's tools start and do not wait for: a Celery task on real services, a
task of this process's event loop on the embedded default (inline where there is none: a
command, a test)."""

from __future__ import annotations

import logging

from django.conf import settings

from chat import inprocess

from . import pilots, scoring, tasks

log = logging.getLogger(__name__)


def start(task, func, **kwargs) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        inprocess.run_soon(func, **kwargs)
    else:
        task.delay(**kwargs)


def pilot_start(pilot) -> None:
    start(tasks.pilot, pilots.pilot_run, pilot_id=pilot.pk)


def study_scoring_start(study) -> None:
    start(tasks.score_study, scoring.study_score, study_id=study.pk)


def on_session_finished(sender, *, session_id: int, **kwargs) -> None:
    """Score a session once it is finished. If the broker cannot take the task, the session
    stays unscored until the study is scored again (the analytics page counts them)."""
    try:
        start(tasks.score_session, scoring.session_score, session_id=session_id)
    except Exception:
        log.exception("Could not start scoring session %s", session_id)
