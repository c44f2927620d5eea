from __future__ import annotations


class ChatError(Exception):
    """A request the chat refuses; ``code`` goes into the error frame."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
