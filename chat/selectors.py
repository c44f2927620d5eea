from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import events
from . import identity as idm
from .agent.persona import Change, Turn
from .models import AgentTurn, ChatSession, Identity, Message, Revision


def session_for_participants(session_id: int, participant_ids: list[int]) -> ChatSession | None:
    """The session, if it belongs to one of these participants; None otherwise."""
    return (
        ChatSession.objects.select_related("participant__study", "participant__condition")
        .filter(pk=session_id, participant_id__in=participant_ids)
        .first()
    )


def session_with_study(session_id: int) -> ChatSession:
    return ChatSession.objects.select_related("participant__study").get(pk=session_id)


def messages_after(session: ChatSession, after: int) -> list[Message]:
    return list(session.messages.filter(turn__gt=after).select_related("reply_to"))


def last_turn(session: ChatSession) -> AgentTurn | None:
    return (
        AgentTurn.objects.filter(prompted__session=session)
        .select_related("prompted")
        .order_by("-id")
        .first()
    )


def turn_in_flight(session: ChatSession) -> AgentTurn | None:
    turn = last_turn(session)
    return turn if turn is not None and turn.is_in_flight() else None


def turn_is_stale(turn: AgentTurn) -> bool:
    """In flight, but with no sign of life for a while: its worker may have died."""
    last_sign = turn.heartbeat_at or turn.queued_at
    limit = timedelta(seconds=settings.DYAD_AGENT_STALE_SECONDS)
    return turn.is_in_flight() and timezone.now() - last_sign > limit


def agent_state(session: ChatSession) -> dict:
    """What a page needs to show about the agent: thinking (with the text so far), failed
    (and may be retried), or idle."""
    from .services.agent import CALM_FAILURE, draft_key

    turn = last_turn(session)
    if turn is None or turn.status == AgentTurn.Status.DONE:
        return events.agent_data("idle")
    if turn.status == AgentTurn.Status.FAILED:
        return events.agent_data("failed", turn.prompted.turn, message=CALM_FAILURE)
    draft = cache.get(draft_key(session.pk)) or {}
    text = draft.get("text", "") if draft.get("reply_to") == turn.prompted.turn else ""
    state = "stalled" if turn_is_stale(turn) else "thinking"
    return events.agent_data(state, turn.prompted.turn, text=text)


def turns_until(message: Message) -> list[Turn]:
    """The conversation as the agent sees it when replying to ``message``."""
    rows = message.session.messages.filter(turn__lte=message.turn).order_by("turn")
    return [Turn(sender, text) for sender, text in rows.values_list("sender", "text")]


class IdentityView(NamedTuple):
    state: dict
    version: int
    last_revision_id: int


def identity_view(identity: Identity, version: int | None = None) -> IdentityView:
    """The identity as of ``version`` (default: now), derived from its revisions."""
    revisions = identity.revisions.in_effect()
    if version is not None:
        revisions = revisions.filter(version__lte=version)
    rows = list(revisions.values_list("target", "after", "version"))
    state = idm.derive((target, after) for target, after, _ in rows)
    last_id = identity.revisions.order_by("-id").values_list("id", flat=True).first() or 0
    return IdentityView(state, rows[-1][2] if rows else 0, last_id)


class AgentView(NamedTuple):
    state: dict
    version: int
    last_revision_id: int
    changes: list[Change]


def agent_view(session: ChatSession) -> AgentView:
    """What the agent works from: the identity now, and what others changed since it last
    spoke (in this session or before)."""
    identity = session.participant.identity
    view = identity_view(identity)
    seen = (
        Message.objects.filter(session__participant=session.participant, sender="agent")
        .exclude(revisions_seen=None)
        .order_by("-id")
        .values_list("revisions_seen", flat=True)
        .first()
    ) or 0
    rows = identity.revisions.filter(pk__gt=seen).exclude(author=Revision.Author.AGENT)
    changes = [
        Change(
            r.author,
            r.status,
            r.target,
            r.before,
            r.after,
            idm.describe(r.target, r.before, r.after),
            r.pk if r.status == Revision.Status.PROPOSED else None,
        )
        for r in rows.order_by("id")
    ]
    return AgentView(view.state, view.version, view.last_revision_id, changes)


def history(session_id: int, after: int) -> dict:
    """The `history` frame for a page that has everything up to turn ``after``."""
    session = session_with_study(session_id)
    return events.history_frame(messages_after(session, after), session, agent_state(session))


def session_for_researcher(user, session_id: int) -> ChatSession | None:
    """The session, if this signed-in researcher may see its study; None otherwise."""
    from studies.models import Study

    if not user.is_authenticated:
        return None
    visible = Study.objects.visible_to(user)
    return ChatSession.objects.filter(pk=session_id, participant__study__in=visible).first()


def identity_now(session_id: int) -> dict:
    session = ChatSession.objects.select_related("participant__identity").get(pk=session_id)
    view = identity_view(session.participant.identity)
    return {"state": view.state, "version": view.version}
