from __future__ import annotations

from chat.models import ChatSession

from .journey import Step, next_step
from .models import Participant, Study


def study_for_entry(slug: str) -> Study | None:
    return Study.objects.filter(slug=slug).first()


def participant_in_study(study: Study, participant_id: int | None) -> Participant | None:
    if participant_id is None:
        return None
    return study.participants.select_related("condition").filter(pk=participant_id).first()


def participant_step(participant: Participant) -> Step:
    study = participant.study
    submitted = set(
        participant.administrations.filter(submitted_at__isnull=False).values_list(
            "session_number", "timepoint"
        )
    )
    finished = set(
        participant.chat_sessions.filter(status=ChatSession.Status.FINISHED).values_list(
            "number", flat=True
        )
    )
    return next_step(
        consented=participant.consented_at is not None,
        declined=participant.declined_at is not None,
        sessions_total=study.sessions_per_participant,
        pmq_before=study.pmq_before,
        pmq_after=study.pmq_after,
        submitted=submitted,
        finished_sessions=finished,
    )
