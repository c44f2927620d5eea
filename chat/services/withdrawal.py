"""Withdrawal, at the participant's own request or a researcher's: it ends the chat.

Here because the chat holds most of what a participant leaves behind (sessions, transcript,
the shared identity) and every socket they may still have open; the questionnaire answers
are the questionnaires app's to delete, and the fact of withdrawal is the study's to record.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from questionnaires.services import answers_delete
from studies.models import Study
from studies.services.enrolment import (
    participant_locked,
    participant_withdrawal_record,
    reconsent_record,
)

from .. import events
from ..models import AgentTurn, ChatSession, Identity, Message, Revision
from .transcript import CLOSED


@transaction.atomic
def participant_withdraw(*, participant_id: int):
    """Withdraw a participant and return them with a receipt code. Every session of theirs
    ends and every socket open on one is closed; nothing they send afterwards is accepted.
    Per the study, their data is then deleted (sessions, messages, identity and revisions,
    questionnaire answers) or kept but out of every export and result. Withdrawing twice
    changes nothing."""
    participant = participant_locked(participant_id)
    if participant.withdrawn_at:
        return participant
    participant_sessions_close(participant=participant)
    if participant.study.withdrawal == Study.Withdrawal.DELETE:
        chat_data_delete(participants=[participant.pk])
        answers_delete(participants=[participant.pk])
    return participant_withdrawal_record(participant=participant)


@transaction.atomic
def reconsent_decline(*, participant_id: int):
    """After a deceptive condition's reveal, the participant does not let their data be
    used: recorded, then withdrawn as any withdrawal is (their data deleted or kept out of
    every export, per the study)."""
    reconsent_record(participant_id=participant_id, given=False)
    return participant_withdraw(participant_id=participant_id)


def participant_sessions_close(*, participant) -> list[int]:
    """End every open session of the participant (in the caller's transaction) and, on
    commit, close every socket open on any of theirs. Returns the ids of all their sessions."""
    sessions = list(ChatSession.objects.select_for_update().filter(participant=participant))
    now = timezone.now()
    for session in sessions:
        if session.status == ChatSession.Status.ACTIVE:
            session.status = ChatSession.Status.WITHDRAWN
            session.ended_at = now
            session.save(update_fields=["status", "ended_at"])
        transaction.on_commit(partial(events.broadcast_closed, session.pk, "withdrawn", CLOSED))
    return [s.pk for s in sessions]


def chat_data_delete(*, participants) -> None:
    """Delete everything the chat holds of these participants (ids, or a queryset of them):
    sessions, transcripts, agent turns, identities and their ledgers (in the caller's
    transaction). Replies go before what they reply to, decisions before their proposals."""
    sessions = ChatSession.objects.filter(participant__in=participants)
    AgentTurn.objects.filter(prompted__session__in=sessions).delete()
    Message.objects.filter(session__in=sessions, reply_to__isnull=False).delete()
    Message.objects.filter(session__in=sessions).delete()
    ledger = Revision.objects.filter(identity__participant__in=participants)
    ledger.filter(resolves__isnull=False).delete()
    ledger.delete()
    Identity.objects.filter(participant__in=participants).delete()
    sessions.delete()
