"""Writes on the chat path and to the shared identity. Side effects run on commit."""

from ..errors import ChatError
from .activity import session_event_record
from .agent import agent_turn_run
from .identity import (
    identity_edit,
    identity_ensure,
    proposal_decide,
)
from .messages import (
    PostResult,
    agent_pause,
    limit_hit_record,
    message_post,
    researcher_note,
    session_finish,
    session_open,
    turn_retry,
)
from .withdrawal import (
    chat_data_delete,
    participant_sessions_close,
    participant_withdraw,
    reconsent_decline,
)

__all__ = [
    "ChatError",
    "chat_data_delete",
    "PostResult",
    "agent_pause",
    "agent_turn_run",
    "limit_hit_record",
    "researcher_note",
    "identity_edit",
    "identity_ensure",
    "message_post",
    "participant_sessions_close",
    "participant_withdraw",
    "reconsent_decline",
    "proposal_decide",
    "session_event_record",
    "session_finish",
    "session_open",
    "turn_retry",
]
