"""Reads for the study's live overview: every session in progress with what a researcher
watching many at once needs (the participant's progress, time in session, the last message,
whether the agent is replying, failed or paused, open proposals, flags). One query for any
number of sessions, plus the presence cache."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Left

from chat import presence
from chat.models import AgentTurn, ChatSession, Message, Revision, SessionEvent
from studies.models import Study

from .selectors import PEOPLE, Cohort

SNIPPET = 120  # characters of the last message shown


def live_rows(study: Study, cohort: Cohort = PEOPLE, ids: list[int] | None = None) -> list:
    """Sessions in progress (only ``ids``, if given), newest activity first."""
    sessions = ChatSession.objects.filter(
        cohort.present("participant__"), participant__study=study, status=ChatSession.Status.ACTIVE
    )
    if ids is not None:
        sessions = sessions.filter(pk__in=ids)
    last = Message.objects.filter(session=OuterRef("pk")).order_by("-turn")
    turn = AgentTurn.objects.filter(prompted__session=OuterRef("pk")).order_by("-id")
    proposals = Revision.objects.open_proposals().filter(
        identity__participant=OuterRef("participant")
    )
    rows = list(
        sessions.select_related("participant__condition", "participant__study")
        .annotate(
            last_text=Subquery(last.annotate(snippet=Left("text", SNIPPET)).values("snippet")[:1]),
            last_sender=Subquery(last.values("sender")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
            turn_status=Subquery(turn.values("status")[:1]),
            open_proposals=Subquery(
                proposals.values("identity").annotate(n=Count("id")).values("n")[:1]
            ),
            pasted=Exists(Message.objects.filter(session=OuterRef("pk"), pasted_chars__gt=0)),
            away=Exists(SessionEvent.objects.filter(session=OuterRef("pk"), kind="hidden")),
        )
        .order_by("-last_at", "-pk")
    )
    here = presence.online([r.pk for r in rows])
    for row in rows:
        row.online = row.pk in here
        row.agent = agent_status(row)
    return rows


def agent_status(row) -> str:
    if row.agent_paused:
        return "paused"
    if row.turn_status in AgentTurn.IN_FLIGHT:
        return "replying"
    if row.turn_status == AgentTurn.Status.FAILED:
        return "failed"
    return "waiting"


def session_ids(study_id: int) -> list[int]:
    """Every session of the study in progress (the overview's socket follows these)."""
    return list(
        ChatSession.objects.filter(
            participant__study_id=study_id, status=ChatSession.Status.ACTIVE
        ).values_list("pk", flat=True)
    )
