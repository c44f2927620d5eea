from __future__ import annotations

from typing import NamedTuple

from . import identity as idm
from .agent.persona import Change, Turn
from .models import ChatSession, Identity, Message, Revision


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
    return list(session.messages.filter(turn__gt=after).order_by("turn"))


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
