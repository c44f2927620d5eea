from __future__ import annotations

from studies.errors import Refused


class ChatError(Refused):
    """A frame or request the chat refuses; ``code`` goes into the error frame."""
