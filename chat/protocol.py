"""Client frames in: checked before anything acts on them. Pure: no Django imports.

A frame either parses into a dict with a string ``type`` or raises ``ChatError`` with a
stable code for the error frame (docs/protocol.md). Nothing a client sends may crash the
consumer: deeply nested JSON, numbers too long to convert and non-objects are all refused.
"""

from __future__ import annotations

import json
import re

from .errors import ChatError

MAX_TURN = 2**31 - 1  # turns are database integers; larger numbers cannot name one
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def parse(text_data: str | None, max_bytes: int) -> dict:
    if text_data is None:
        raise ChatError("bad_frame", "Frames must be JSON text.")
    if len(text_data) > max_bytes or len(text_data.encode("utf-8", "replace")) > max_bytes:
        raise ChatError("too_large", "That frame is too large.")
    try:
        frame = json.loads(text_data)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        raise ChatError("bad_frame", "Frames must be JSON objects.") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise ChatError("bad_frame", "Frames must be JSON objects with a 'type'.")
    return frame


def turn_number(value, name: str) -> int:
    """A whole number from 0 to MAX_TURN (JSON true/false and 1.0 are not numbers here)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_TURN:
        raise ChatError("bad_frame", f"'{name}' must be a whole number, 0 or more.")
    return value


def is_client_id(value) -> bool:
    return isinstance(value, str) and CLIENT_ID.fullmatch(value) is not None


def client_id_of(frame: dict) -> str | None:
    """The frame's client id if it is a well-formed one (echoed in error frames)."""
    value = frame.get("client_id")
    return value if is_client_id(value) else None
