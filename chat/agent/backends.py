"""Agent backends: prompt messages in, a stream of reply pieces out.

Contract: ``backend.plan(condition_settings) -> TurnPlan`` says what a turn sends (settings,
how proposals come, the prompt template, the parameters to record);
``backend.astream(messages, *, settings, tools=None) -> AsyncIterator[Piece]`` (agent turns;
``stream`` is the same, synchronous) yields, in
order, text chunks (``str``) whose concatenation is the reply text, complete ``ToolCall``s,
and last one ``Finish`` with the model, finish reason and token counts. It raises
``BackendError(permanent=True)`` for failures a retry cannot fix (bad key, unknown model,
bad request) and ``permanent=False`` for ones it may (rate limits, 5xx, timeouts, dropped
streams). A backend never retries by itself: the agent turn decides.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from .persona import CONTEXT_MARKER, context_from_prompt
from .scripted import scripted_reply


class BackendError(Exception):
    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


class ToolCall(NamedTuple):
    name: str
    arguments: dict


class Finish(NamedTuple):
    model: str = ""
    finish_reason: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class TurnPlan(NamedTuple):
    """What a backend makes of a condition's settings for one turn."""

    settings: dict  # what ``stream`` gets
    proposal_format: str  # "tools" (tool calls) or "lines" (PROPOSE/DECIDE lines)
    template: str  # the condition's system prompt template; "" for Dyad's own
    params: dict  # the model parameters recorded with the reply


class ScriptedBackend:
    """The offline agent: answers in character from the identity, with no network at all."""

    name = "scripted"
    streams = False  # the reply comes whole: no drafts, no deltas

    def plan(self, condition_settings: dict) -> TurnPlan:
        return TurnPlan({}, "lines", "", {})

    def stream(self, messages, *, settings: dict, tools=None) -> Iterator[str | Finish]:
        context = context_from_prompt(messages)
        yield from re.findall(r"\S+\s*|\n", scripted_reply(context, unanswered(messages)))
        yield Finish(model="scripted", finish_reason="stop")

    async def astream(self, messages, *, settings: dict, tools=None) -> AsyncIterator:
        """The whole reply at once: it is written in microseconds, so it needs no streaming."""
        context = context_from_prompt(messages)
        yield scripted_reply(context, unanswered(messages))
        yield Finish(model="scripted", finish_reason="stop")


def unanswered(messages: list[dict]) -> str:
    """What the participant wrote since the agent last spoke (several messages, if they
    wrote while it replied), or else their last message."""
    trailing = []
    for message in reversed(messages):
        if message["role"] != "user":
            break
        trailing.append(message["content"])
    if trailing:
        return "\n".join(reversed(trailing))
    return next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")


class OpenAICompatibleBackend:
    """Any endpoint speaking the OpenAI chat-completions protocol (OpenAI, Azure, vLLM,
    Ollama, llama.cpp's server, LM Studio, ...), through the ``openai`` SDK."""

    name = "openai"
    streams = True

    def plan(self, condition_settings: dict) -> TurnPlan:
        fmt = "tools" if condition_settings.get("use_tools") else "lines"
        params = {k: condition_settings[k] for k in ("temperature", "max_tokens")}
        return TurnPlan(condition_settings, fmt, condition_settings["system_prompt"], params)

    def stream(self, messages, *, settings: dict, tools=None) -> Iterator:
        import openai

        key = _key(settings)
        client = openai.OpenAI(**_client_options(settings, key))
        reading = _Reading()
        with _errors(key):
            for chunk in client.chat.completions.create(**_request(messages, settings, tools)):
                yield from reading.feed(chunk)
            yield from reading.end()

    async def astream(self, messages, *, settings: dict, tools=None) -> AsyncIterator:
        """As ``stream``, without a thread: one pooled async client per event loop and
        endpoint, so hundreds of replies stream at once from one process."""
        key = _key(settings)
        client = _async_client(settings, key)
        reading = _Reading()
        with _errors(key):
            chunks = await client.chat.completions.create(**_request(messages, settings, tools))
            async for chunk in chunks:
                for piece in reading.feed(chunk):
                    yield piece
            for piece in reading.end():
                yield piece


def _key(settings: dict) -> str:
    key_env = settings.get("api_key_env") or ""
    key = os.environ.get(key_env, "") if key_env else "not-needed"
    if key_env and not key:
        raise BackendError(f"The environment variable {key_env} is not set.", permanent=True)
    if not settings.get("base_url") or not settings.get("model"):
        raise BackendError("No endpoint URL or model is configured.", permanent=True)
    return key


def _client_options(settings: dict, key: str) -> dict:
    import openai

    return {
        "base_url": settings["base_url"],
        "api_key": key,
        "max_retries": 0,
        "timeout": openai.Timeout(settings.get("timeout", 60), connect=10),
    }


_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _async_client(settings: dict, key: str):
    import openai

    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    name = (settings["base_url"], key, settings.get("timeout", 60))
    if name not in per_loop:
        per_loop[name] = openai.AsyncOpenAI(**_client_options(settings, key))
    return per_loop[name]


def _request(messages, settings: dict, tools) -> dict:
    request = {
        "model": settings["model"],
        "messages": [_without_context(m) for m in messages],
        "temperature": settings.get("temperature", 0.7),
        "max_tokens": settings.get("max_tokens", 300),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if tools:
        request["tools"] = tools
    return request


@contextmanager
def _errors(key: str):
    """The SDK's errors as BackendError: permanent or not, with the key hidden."""
    import openai

    try:
        yield
    except openai.APIStatusError as error:
        permanent = error.status_code in (400, 401, 403, 404, 422)
        raise BackendError(_hide(_describe(error), key), permanent=permanent) from None
    except (openai.APIConnectionError, openai.APITimeoutError, openai.APIError) as error:
        raise BackendError(
            _hide(f"{type(error).__name__}: {error}", key), permanent=False
        ) from None


class _Reading:
    """Streamed chunks in, pieces out: text as it comes; tool calls, whole, and the finish
    at the end (BackendError if the stream stopped before the model said it had finished)."""

    def __init__(self) -> None:
        self.calls: dict[int, dict] = {}
        self.finish, self.usage, self.model = "", None, ""

    def feed(self, chunk) -> list:
        pieces = []
        self.model = chunk.model or self.model
        self.usage = chunk.usage or self.usage
        for choice in chunk.choices:
            delta = choice.delta
            if delta and delta.content:
                pieces.append(delta.content)
            for call in (delta.tool_calls or []) if delta else []:
                slot = self.calls.setdefault(call.index, {"name": "", "arguments": ""})
                if call.function and call.function.name:
                    slot["name"] += call.function.name
                if call.function and call.function.arguments:
                    slot["arguments"] += call.function.arguments
            self.finish = choice.finish_reason or self.finish
        return pieces

    def end(self) -> list:
        if not self.finish:
            raise BackendError("The stream ended before the reply was finished.", permanent=False)
        pieces = []
        for slot in self.calls.values():
            try:
                pieces.append(ToolCall(slot["name"], json.loads(slot["arguments"] or "{}")))
            except ValueError:
                continue  # a malformed call is dropped, like a malformed PROPOSE line
        usage = self.usage
        pieces.append(
            Finish(
                self.model,
                self.finish,
                getattr(usage, "prompt_tokens", None),
                getattr(usage, "completion_tokens", None),
            )
        )
        return pieces


def _hide(message: str, key: str) -> str:
    """The message with the key blanked out: endpoints echo (parts of) a bad key in their
    errors, and errors are recorded where researchers read them."""
    if key and key != "not-needed":
        message = message.replace(key, "[key hidden]")
        if len(key) > 8:  # "Incorrect API key provided: sk-abc***xyz"
            message = message.replace(key[:6], "[key hidden]").replace(key[-4:], "[key hidden]")
    return message


def _without_context(message: dict) -> dict:
    if message["role"] != "system":
        return message
    lines = message["content"].splitlines()
    return {**message, "content": "\n".join(x for x in lines if not x.startswith(CONTEXT_MARKER))}


def _describe(error) -> str:
    try:
        detail = error.response.json().get("error", {}).get("message", "")
    except (ValueError, AttributeError):
        detail = ""
    return f"HTTP {error.status_code}: {detail or error.message}"[:500]


BACKENDS = {"scripted": ScriptedBackend, "openai": OpenAICompatibleBackend}


def get_backend(name: str):
    try:
        return BACKENDS[name]()
    except KeyError:
        raise BackendError(f"Unknown agent backend {name!r}", permanent=True) from None
