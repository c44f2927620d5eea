"""Group names, event payloads and WebSocket frames: every ``type`` string lives here.

The channel layer only carries notifications: it delivers at most once and may drop when a
channel is full, so pages recover anything missed by asking for it again (``sync``).
"""

from __future__ import annotations

from .layer import group_send
from .models import ChatSession, Message

# Client -> server frame types.
SYNC = "sync"
SEND = "message"

# Group event type (consumer handler name is the type with '.' replaced by '_').
RETRY = "retry"

MESSAGE_EVENT = "chat.message"
IDENTITY_EVENT = "identity.changed"
AGENT_EVENT = "agent.state"
DELTA_EVENT = "agent.delta"


def group_name(session_id: int) -> str:
    return f"chat.session.{session_id}"


def message_data(message: Message) -> dict:
    return {
        "turn": message.turn,
        "sender": message.sender,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
        "client_id": message.client_id,
        "reply_to": message.reply_to.turn if message.reply_to_id else None,
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


def history_frame(messages: list[Message], session: ChatSession, agent: dict) -> dict:
    return {
        "type": "history",
        "messages": [message_data(m) for m in messages],
        "status": status_data(session),
        "agent": agent,
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
    event = {"type": MESSAGE_EVENT, "message": message_data(message)}
    group_send(group_name(message.session_id), event)


def broadcast_agent(session_id: int, state: dict) -> None:
    """The agent's state for one reply: thinking, failed, or idle (see ``agent_data``)."""
    group_send(group_name(session_id), {"type": AGENT_EVENT, "agent": state})


def broadcast_delta(session_id: int, reply_to: int, offset: int, text: str) -> None:
    """Streamed reply text: ``text`` replaces everything from character ``offset`` on."""
    event = {"type": DELTA_EVENT, "reply_to": reply_to, "offset": offset, "text": text}
    group_send(group_name(session_id), event)


def agent_data(state: str, reply_to: int | None = None, text: str = "", message: str = "") -> dict:
    return {"state": state, "reply_to": reply_to, "text": text, "message": message}


def agent_frame(data: dict) -> dict:
    return {"type": "agent", "agent": data}


def delta_frame(event: dict) -> dict:
    return {
        "type": "delta",
        "reply_to": event["reply_to"],
        "offset": event["offset"],
        "text": event["text"],
    }


def broadcast_identity(session_id: int) -> None:
    """Tell every open view of the session that the identity (or a proposal) changed."""
    group_send(group_name(session_id), {"type": IDENTITY_EVENT})


def identity_frame(html: str, revision: int) -> dict:
    return {"type": "identity", "html": html, "revision": revision}
