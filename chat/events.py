"""Group names, event payloads and WebSocket frames: every ``type`` string lives here.

The channel layer only carries notifications: it delivers at most once and may drop when a
channel is full, so pages recover anything missed by asking for it again (``sync``).

Every frame the server sends stays under ``FRAME_BUDGET`` bytes by construction: a message's
text is at most ``text.MESSAGE_MAX`` characters (6 bytes each at worst, as a JSON escape),
history comes in pages packed up to the budget, and identity changes travel as a version
notice (pages fetch the panel over HTTP), whatever the panel holds.
"""

from __future__ import annotations

import json

from django.dispatch import Signal

from studies.text import scrub

from .layer import agroup_send_near, group_send
from .models import ChatSession, Message

FRAME_BUDGET = 32 * 1024  # bytes; Daphne closes the socket on frames over 64 KiB
REFUSED = 4403  # close code: this socket may not join that session
NO_SUCH_SOCKET = 4404  # close code: no socket lives at that address
CLOSED = 4410  # close code: the session is closed to its participant (they withdrew)
CALM_FAILURE = "The agent could not reply just now. Your message is saved: please try again."

# Sent on commit when a session is finished (``session_id``): the dashboard scores it.
session_finished = Signal()

# Client -> server frame types.
SYNC = "sync"
SEND = "message"
RETRY = "retry"
ACTIVITY = "activity"  # time away from the chat (chat.telemetry), where the study records it

# Group event types (a consumer's handler is the type with '.' replaced by '_').
MESSAGE_EVENT = "chat.message"
IDENTITY_EVENT = "identity.changed"
AGENT_EVENT = "agent.state"
DELTA_EVENT = "agent.delta"
CLOSED_EVENT = "session.closed"
WIZARD_EVENT = "wizard.request"  # researchers' views only: a message waits for a wizard


# Every group event names its ``session``: the study's live overview (``dashboard.consumers``)
# joins many sessions' groups on one socket.


def group_name(session_id: int) -> str:
    return f"chat.session.{session_id}"


def encode(frame: dict) -> str:
    """A frame as sent: UTF-8 JSON without ASCII escapes (CJK costs 3 bytes, not 6). A lone
    surrogate (from a model's stream, say) becomes U+FFFD: it has no UTF-8 form."""
    return scrub(json.dumps(frame, ensure_ascii=False, separators=(",", ":")))


def size(frame: dict) -> int:
    return len(encode(frame).encode("utf-8"))


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


def history_frame(messages: list[Message], session: ChatSession, *, more_rows: bool) -> dict:
    """One page of history: messages in turn order, as many as fit the budget (always at
    least one). ``more`` tells the page to ask again from its new last turn."""
    frame = {"type": "history", "messages": [], "status": status_data(session), "more": False}
    used = size(frame)
    for message in messages:
        data = message_data(message)
        cost = size(data) + 1  # and a comma
        if frame["messages"] and used + cost > FRAME_BUDGET:
            frame["more"] = True
            return frame
        frame["messages"].append(data)
        used += cost
    frame["more"] = more_rows
    return frame


def ack_frame(message: Message, session: ChatSession, *, duplicate: bool) -> dict:
    return {
        "type": "ack",
        "client_id": message.client_id,
        "turn": message.turn,
        "created_at": message.created_at.isoformat(),
        "duplicate": duplicate,
        "status": status_data(session),
    }


def message_frame(data: dict, status: dict | None = None) -> dict:
    """A new message; with the session's ``status`` when it changed it (a participant's
    message: every open tab can then enable its Finish button)."""
    frame = {"type": "message", "message": data}
    if status is not None:
        frame["status"] = status
    return frame


def noted_frame(client_id: str) -> dict:
    """An ``activity`` report is stored (the page stops sending it again)."""
    return {"type": "noted", "client_id": client_id}


def error_frame(
    code: str, message: str, client_id: str | None = None, retry_after: int | None = None
) -> dict:
    """A refused frame; ``retry_after`` (``slow_down``): whole seconds until it may be sent
    again."""
    frame = {"type": "error", "code": code, "message": message}
    if client_id:
        frame["client_id"] = client_id
    if retry_after is not None:
        frame["retry_after"] = retry_after
    return frame


def closed_frame(reason: str, message: str) -> dict:
    return {"type": "closed", "reason": reason, "message": message}


def broadcast_message(message: Message, status: dict | None = None) -> None:
    """Tell every open view of the session about a committed message (and the session's
    status, when the message changed it)."""
    event = {"type": MESSAGE_EVENT, "session": message.session_id, "message": message_data(message)}
    if status is not None:
        event["status"] = status
    group_send(group_name(message.session_id), event)


async def abroadcast_agent(session_id: int, state: dict) -> None:
    """The agent's state for one reply: thinking, failed, or idle (see ``agent_data``)."""
    event = {"type": AGENT_EVENT, "session": session_id, "agent": state}
    await agroup_send_near(group_name(session_id), event)


async def abroadcast_delta(session_id: int, reply_to: int, offset: int, text: str) -> None:
    """Streamed reply text: ``text`` replaces everything from character ``offset`` on."""
    event = {"type": DELTA_EVENT, "reply_to": reply_to, "offset": offset, "text": text}
    await agroup_send_near(group_name(session_id), event)


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


def broadcast_identity(session_id: int, revision: int) -> None:
    """Tell every open view of the session that the identity (or a proposal) changed, up to
    ledger row ``revision``. Views fetch what they show over HTTP."""
    event = {"type": IDENTITY_EVENT, "session": session_id, "revision": revision}
    group_send(group_name(session_id), event)


def identity_frame(revision: int) -> dict:
    return {"type": "identity", "revision": revision}


def broadcast_closed(session_id: int, reason: str, message: str) -> None:
    """The session is closed to its participant (they withdrew): sockets are closed."""
    event = {"type": CLOSED_EVENT, "session": session_id, "reason": reason, "message": message}
    group_send(group_name(session_id), event)


def broadcast_wizard(session_id: int, request_id: int) -> None:
    """A wizard request opened or settled: researchers' views fetch the wizard's panel."""
    event = {"type": WIZARD_EVENT, "session": session_id, "request": request_id}
    group_send(group_name(session_id), event)


def wizard_frame(event: dict) -> dict:
    return {"type": "wizard", "request": event["request"]}
