from __future__ import annotations

from datetime import timedelta

from django.db.models import prefetch_related_objects
from django.utils import timezone

from . import prolific
from .journey import Step, next_step
from .models import Participant, Study


def study_for_entry(slug: str) -> Study | None:
    return Study.objects.filter(slug=slug).first()


def participant_in_study(study: Study, participant_id: int | None) -> Participant | None:
    if participant_id is None:
        return None
    rows = study.participants.select_related("condition", "pilot")
    return rows.filter(pk=participant_id).first()


def participant_entering(slug: str, participant_ids: list[int]) -> Participant | None:
    """The one of these participants who is in the study at ``slug``, with the study, its
    condition and pilot, in one query; None if none is."""
    if not participant_ids:
        return None
    rows = Participant.objects.select_related("study", "condition", "pilot")
    # Unordered and unsliced (a browser is one participant per study): ``first()`` would
    # add an ORDER BY that costs more to compile than the query costs to run.
    return next(iter(rows.filter(study__slug=slug, pk__in=participant_ids)), None)


def _skips_gaps(participant: Participant) -> bool:
    """A pilot may send its simulated participants on without waiting between sessions."""
    return bool(participant.pilot_id and participant.pilot.skip_gaps)


def participant_step(participant: Participant) -> Step:
    study = participant.study
    submitted = set(
        participant.administrations.filter(submitted_at__isnull=False).values_list(
            "session_number", "timepoint"
        )
    )
    # Read through the relations the apps above attach to a participant (chat's sessions,
    # questionnaires' administrations): by their names, never by importing those apps.
    # The sessions are read whole and kept on the participant: the chat page takes its own
    # from them instead of asking again.
    prefetch_related_objects([participant], "chat_sessions")
    sessions = [(s.number, s.ended_at) for s in participant.chat_sessions.all()]
    finished = {number: ended for number, ended in sessions if ended}
    return next_step(
        consented=participant.consented_at is not None,
        declined=participant.declined_at is not None,
        withdrawn=participant.withdrawn_at is not None,
        sessions_total=study.sessions_per_participant,
        pmq_before=study.pmq_before,
        pmq_after=study.pmq_after,
        submitted=submitted,
        finished_sessions=finished,
        started_sessions={number for number, _ in sessions},
        min_gap=timedelta(0) if _skips_gaps(participant) else timedelta(hours=study.min_gap_hours),
        now=timezone.now(),
        comprehension_due=bool(study.comprehension_question)
        and participant.comprehension_passed is None,
        reveal_due=participant.condition is not None
        and participant.condition.deceptive
        and not participant.reconsent,
    )


def finish_outcome(participant: Participant) -> str:
    """How a participant who reached the end finished, for the code they return with:
    ``timed_out`` when a chat's time limit ended one of their sessions before they had sent
    the messages needed and the study has a code for that; ``completed`` otherwise."""
    study = participant.study
    if not (study.timed_out_code and study.time_limit_minutes):
        return prolific.COMPLETED
    short = participant.chat_sessions.filter(  # the chat app's sessions, by relation name
        ended_at__isnull=False, participant_turns__lt=study.min_participant_turns
    )
    return prolific.TIMED_OUT if short.exists() else prolific.COMPLETED
