from __future__ import annotations

from studies.errors import Refused


class ChatError(Refused):
    """A frame or request the chat refuses; ``code`` goes into the error frame."""


class SlowDown(ChatError):
    """Refused for going too fast (``chat.limits``): nothing is stored, and the same frame
    may be sent again after ``retry_after`` whole seconds. ``limit`` names the limit reached:
    ``messages`` (the study's messages per minute) or ``frames`` (the socket's frame rate)."""

    def __init__(self, limit: str, retry_after: int, message: str):
        super().__init__("slow_down", message)
        self.limit = limit
        self.retry_after = retry_after
