"""Scoring never queues behind, or in front of, agent turns."""

from __future__ import annotations

from django.conf import settings

from config.celery import app


def test_scoring_tasks_go_to_a_queue_of_their_own():
    for name in ("dashboard.tasks.score_session", "dashboard.tasks.score_study"):
        route = app.amqp.router.route({}, name)
        assert route["queue"].name == settings.CELERY_SCORING_QUEUE != "dyad"
    turn = app.amqp.router.route({}, "chat.tasks.agent_turn")
    assert turn["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE
