"""Pilots: start one, run it (simulated participants through the real interface), check what
the database kept of it, delete its data."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from chat import background
from chat.models import Message
from chat.services import chat_data_delete
from questionnaires.services import answers_delete
from studies.models import Condition, Participant, Pilot, Study
from studies.services.enrolment import pilot_token

from .simulate import answers, llm, profiles, run

log = logging.getLogger(__name__)
MAX_PARTICIPANTS, MAX_CONCURRENCY = 5000, 2000


class PilotError(ValueError):
    """A pilot that cannot be started; the message says why."""


def pilot_create(
    *,
    study: Study,
    user=None,
    participants: int,
    concurrency: int,
    base_url: str,
    seed: int = 0,
    effect: str = "",
    drift: float = 0.0,
    pace: float = 1.0,
    skip_gaps: bool = True,
    endpoint=None,
    model: str = "",
    supplied: list | None = None,
) -> Pilot:
    """A pilot, checked: numbers in range, an effect on one of the study's conditions, drift
    planted only in the offline agent's replies, an LLM only through one of the operator's
    endpoints (with a model)."""
    if not 1 <= participants <= MAX_PARTICIPANTS:
        raise PilotError(f"Between 1 and {MAX_PARTICIPANTS} simulated participants, please.")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise PilotError(f"Between 1 and {MAX_CONCURRENCY} at once, please.")
    if not 0 <= pace <= 10:
        raise PilotError("The pace is a factor from 0 (no waiting) to 10.")
    try:
        planted = answers.parse_effect(effect)
    except ValueError as error:
        raise PilotError(str(error)) from None
    names = set(study.conditions.values_list("name", flat=True))
    if planted and planted.condition not in names:
        raise PilotError(f"This study has no condition called {planted.condition!r}.")
    _drift_check(study, drift)
    if endpoint is not None and not model:
        raise PilotError("Simulated participants who write with an LLM need a model name.")
    if not study.conditions.exists():
        raise PilotError("Add a condition before piloting the study.")
    return Pilot.objects.create(
        study=study,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        participants_wanted=participants,
        concurrency=concurrency,
        base_url=base_url.rstrip("/"),
        seed=seed,
        effect=effect.strip(),
        drift=drift,
        pace=pace,
        skip_gaps=skip_gaps,
        endpoint=endpoint,
        model=model,
        profiles=supplied or [],
    )


def _drift_check(study: Study, drift: float) -> None:
    """Planted drift is a share of replies, and only the offline agent can be made to drift
    (docs/data.md, "Planted drift")."""
    if not 0 <= drift <= 1:  # NaN fails too
        raise PilotError("Planted drift is a share of the agent's replies, from 0 to 1.")
    if drift:
        other = study.conditions.exclude(agent_backend=Condition.Backend.SCRIPTED)
        name = other.order_by("name").values_list("name", flat=True).first()
        if name is not None:
            raise PilotError(
                "Only the offline agent can drift on purpose; the agent of condition "
                f"{name!r} is not the offline one."
            )


def pilot_start(*, pilot: Pilot) -> None:
    """Run the pilot in the background; one the task queue did not take is marked failed,
    saying so, and can be started again as a new pilot."""
    if not background.start(background.PILOT, pilot_id=pilot.pk):
        Pilot.objects.filter(pk=pilot.pk).update(
            status=Pilot.Status.FAILED,
            finished_at=timezone.now(),
            error="Never started: the task queue did not answer. Run the pilot again.",
        )


def pilot_run(
    *, pilot_id: int, rate: float | None = None, duration: float | None = None, on_progress=None
) -> Pilot:
    """Send the pilot's simulated participants through the study, at most ``concurrency`` at
    a time, and keep the report on the pilot. Blocks until they are all done."""
    pilot = Pilot.objects.select_related("study", "endpoint").get(pk=pilot_id)
    Pilot.objects.filter(pk=pilot.pk).update(status=Pilot.Status.RUNNING, started_at=timezone.now())
    started = time.monotonic()
    try:
        outcomes = asyncio.run(_simulate(pilot, rate, duration, on_progress))
    except Exception as error:
        log.exception("Pilot %s failed", pilot.pk)
        Pilot.objects.filter(pk=pilot.pk).update(
            status=Pilot.Status.FAILED, finished_at=timezone.now(), error=str(error)[:2000]
        )
        raise
    summary = run.report(outcomes, time.monotonic() - started) | pilot_check(pilot, outcomes)
    Pilot.objects.filter(pk=pilot.pk).update(
        status=Pilot.Status.DONE, finished_at=timezone.now(), report=summary
    )
    pilot.refresh_from_db()
    return pilot


async def _simulate(pilot: Pilot, rate, duration, on_progress):
    people = profiles.profiles(pilot.participants_wanted, pilot.seed, pilot.profiles or None)
    counts = {"wanted": pilot.participants_wanted, "done": 0, "completed": 0}
    # Progress is saved on a thread of the pilot's own: this loop may run inside a thread that
    # asgiref started, whose "outer" thread is not there to take the ORM calls.
    saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dyad-pilot")
    loop = asyncio.get_running_loop()

    async def done(outcome) -> None:
        counts["done"] += 1
        counts["completed"] += outcome.completed
        await loop.run_in_executor(saver, _progress_save, pilot.pk, dict(counts))
        if on_progress:
            on_progress(dict(counts))

    writer = llm.writer(pilot.endpoint, pilot.model) if pilot.endpoint_id else run.offline_writer
    try:
        return await _participants(pilot, people, rate, duration, writer, done)
    finally:
        await loop.run_in_executor(saver, _connection_close)
        saver.shutdown()


async def _participants(pilot, people, rate, duration, writer, done):
    return await run.run(
        pilot.base_url,
        f"/s/{pilot.study.slug}/?pilot={pilot_token(pilot)}",
        people,
        concurrency=pilot.concurrency,
        effect=answers.parse_effect(pilot.effect),
        pace=pilot.pace,
        rate=rate,
        duration=duration,
        writer=writer,
        on_done=done,
    )


def _progress_save(pilot_id: int, counts: dict) -> None:
    Pilot.objects.filter(pk=pilot_id).update(progress=counts)


def _connection_close() -> None:
    connection.close()  # this thread's connection: the thread ends with the pilot


def pilot_check(pilot: Pilot, outcomes) -> dict:
    """What the database kept of what the pilot's participants sent: messages lost (sent and
    acknowledged, or sent at all, yet not stored), doubled (stored twice, or answered by two
    replies), and participant messages no reply answered."""
    sent = {s.client_id for o in outcomes for s in o.sent}
    acked = {s.client_id for o in outcomes for s in o.sent if s.ack is not None}
    messages = Message.objects.filter(session__participant__pilot=pilot)
    stored = messages.filter(client_id__in=sent).values("client_id").annotate(n=Count("id"))
    counts = {row["client_id"]: row["n"] for row in stored}
    answered: dict[tuple[int, int], int] = {}
    for session_id, turns in messages.filter(sender="agent", answers__isnull=False).values_list(
        "session_id", "answers"
    ):
        for turn in turns:
            answered[(session_id, turn)] = answered.get((session_id, turn), 0) + 1
    participant_turns = set(messages.filter(sender="participant").values_list("session_id", "turn"))
    return {
        "lost": len(sent - set(counts)),
        "lost_after_ack": len(acked - set(counts)),
        "doubled": sum(1 for n in counts.values() if n > 1)
        + sum(1 for n in answered.values() if n > 1),
        "unanswered": len(participant_turns - set(answered)),
    }


@transaction.atomic
def pilot_delete(*, pilot: Pilot) -> int:
    """Delete a finished pilot and everything its simulated participants left. Returns how
    many participants went."""
    if pilot.is_running():
        raise PilotError("This pilot is still running; delete its data once it has finished.")
    people = Participant.objects.filter(pilot=pilot)
    count = people.count()
    chat_data_delete(participants=people)
    answers_delete(participants=people)
    people.delete()
    pilot.delete()
    return count
