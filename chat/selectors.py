from __future__ import annotations

from .agent.persona import Turn
from .models import ChatSession, Message


def session_for_participants(session_id: int, participant_ids: list[int]) -> ChatSession | None:
    """The session, if it belongs to one of these participants; None otherwise."""
    return (
        ChatSession.objects.select_related("participant__study")
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
