"""Agent backends: prompt messages in, text chunks out.

Contract: ``backend.stream(messages, *, settings) -> Iterator[str]`` yields the reply in
chunks whose concatenation is the whole reply. It raises ``BackendError`` with
``permanent=True`` for failures a retry cannot fix (bad key, unknown model) and
``permanent=False`` for ones it may (rate limits, 5xx, dropped streams).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .persona import context_from_prompt
from .scripted import scripted_reply


class BackendError(Exception):
    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


class ScriptedBackend:
    """The offline agent: answers in character from the identity, with no network at all."""

    name = "scripted"

    def stream(self, messages: list[dict[str, str]], *, settings: dict) -> Iterator[str]:
        context = context_from_prompt(messages)
        last = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        yield from re.findall(r"\S+\s*|\n", scripted_reply(context, last))


BACKENDS = {"scripted": ScriptedBackend}


def get_backend(name: str):
    try:
        return BACKENDS[name]()
    except KeyError:
        raise BackendError(f"Unknown agent backend {name!r}", permanent=True) from None
