"""Group names, event payloads and WebSocket frames: every ``type`` string lives here.

The channel layer only carries notifications: it delivers at most once and may drop when a
channel is full, so pages recover anything missed by asking for it again (``sync``).
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .models import ChatSession, Message

# Client -> server frame types.
SYNC = "sync"
SEND = "message"

# Group event type (consumer handler name is the type with '.' replaced by '_').
MESSAGE_EVENT = "chat.message"
IDENTITY_EVENT = "identity.changed"


def group_name(session_id: int) -> str:
    return f"chat.session.{session_id}"


def message_data(message: Message) -> dict:
    return {
        "turn": message.turn,
        "sender": message.sender,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
    }


def status_data(session: ChatSession) -> dict:
    deadline = session.deadline()
    return {
        "participant_turns": session.participant_turns,
        "min_turns": session.participant.study.min_participant_turns,
        "can_finish": session.can_finish(),
        "over": session.is_over() or session.is_time_up(),
        "deadline": deadline.isoformat() if deadline else None,
    }


def history_frame(messages: list[Message], session: ChatSession) -> dict:
    return {
        "type": "history",
        "messages": [message_data(m) for m in messages],
        "status": status_data(session),
    }


def ack_frame(message: Message, session: ChatSession, *, duplicate: bool) -> dict:
    return {
        "type": "ack",
        "client_id": message.client_id,
        "turn": message.turn,
        "created_at": message.created_at.isoformat(),
        "duplicate": duplicate,
        "status": status_data(session),
    }


def message_frame(data: dict) -> dict:
    return {"type": "message", "message": data}


def error_frame(code: str, message: str, client_id: str | None = None) -> dict:
    frame = {"type": "error", "code": code, "message": message}
    if client_id:
        frame["client_id"] = client_id
    return frame


def broadcast_message(message: Message) -> None:
    """Tell every open view of the session about a committed message."""
    layer = get_channel_layer()
    event = {"type": MESSAGE_EVENT, "message": message_data(message)}
    async_to_sync(layer.group_send)(group_name(message.session_id), event)


def broadcast_identity(session_id: int) -> None:
    """Tell every open view of the session that the identity (or a proposal) changed."""
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(group_name(session_id), {"type": IDENTITY_EVENT})


def identity_frame(html: str, revision: int) -> dict:
    return {"type": "identity", "html": html, "revision": revision}
