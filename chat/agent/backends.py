"""Agent backends: prompt messages in, a stream of reply pieces out.

Contract: ``backend.plan(condition_settings) -> TurnPlan`` says what a turn sends (settings,
how proposals come, the prompt template, the parameters to record);
``backend.astream(messages, *, settings, tools=None) -> AsyncIterator[Piece]`` (agent turns;
``stream`` is the same, synchronous) yields, in
order, text chunks (``str``) whose concatenation is the reply text, complete ``ToolCall``s,
and last one ``Finish`` with the model, finish reason and token counts (and, from the
offline agent, the drift a pilot planted in the reply: ``planting``). It raises
``BackendError(permanent=True)`` for failures a retry cannot fix (bad key, unknown model,
bad request) and ``permanent=False`` for ones it may (rate limits, 5xx, timeouts, dropped
streams). A backend never retries by itself: the agent turn decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from . import planting, sse
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
    planted: dict | None = None  # the offline agent's planted drift (``planting.record``)


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
        text, finish = self._reply(messages, settings)
        yield from re.findall(r"\S+\s*|\n", text)
        yield finish

    async def astream(self, messages, *, settings: dict, tools=None) -> AsyncIterator:
        """The whole reply at once: it is written in microseconds, so it needs no streaming."""
        text, finish = self._reply(messages, settings)
        yield text
        yield finish

    @staticmethod
    def _reply(messages, settings: dict) -> tuple[str, Finish]:
        """The reply and its end; ``settings["drift"]`` (``planting.settings``) plants drift."""
        context = context_from_prompt(messages)
        planted = planting.draw(settings.get("drift"), context["identity"])
        text = scripted_reply(context, unanswered(messages), planted)
        return text, Finish("scripted", "stop", planted=planting.record(planted))


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
    Ollama, llama.cpp's server, LM Studio, ...), over plain HTTP: aiohttp for agent turns,
    httpx for the synchronous callers, the events read by ``sse.Events`` and ``_Reading``.
    Not the ``openai`` SDK: its object per chunk cost more CPU than the rest of a worker's
    share of a reply (bench/sse_bench.py; tests hold this reading to the SDK's results)."""

    name = "openai"
    streams = True
    # Seconds a turn leaves its reply's socket unread after each read, so that the next read
    # takes every event that came meanwhile: 0 reads each as it comes. Each read costs the
    # worker more than the parsing of what it brings: at 50 tokens a second, 0.1 s takes the
    # reading from 300 reads a reply to 60 and its CPU down by half (bench/sse_bench.py).
    read_every = 0.0

    def plan(self, condition_settings: dict) -> TurnPlan:
        fmt = "tools" if condition_settings.get("use_tools") else "lines"
        params = {k: condition_settings[k] for k in ("temperature", "max_tokens")}
        return TurnPlan(condition_settings, fmt, condition_settings["system_prompt"], params)

    def stream(self, messages, *, settings: dict, tools=None) -> Iterator:
        """For scoring probes, judges and the like: a client per call, no pooling."""
        import httpx

        key = _key(settings)
        reading = _Reading()
        timeout = httpx.Timeout(settings.get("timeout", 60), connect=10)
        with _errors(key), httpx.Client(timeout=timeout) as client:
            request = _request(messages, settings, tools)
            with client.stream(
                "POST", _url(settings), json=request, headers=_headers(key)
            ) as response:
                if not 200 <= response.status_code < 300:
                    error = response.read()
                    raise _status_error(response.status_code, error, response.reason_phrase, key)
                for data in response.iter_bytes():
                    yield from reading.feed(data)
                    if reading.done:
                        break
            yield from reading.end()

    async def astream(self, messages, *, settings: dict, tools=None) -> AsyncIterator:
        """As ``stream``, without a thread: one pooled session per event loop and endpoint,
        so hundreds of replies stream at once from one process."""
        key = _key(settings)
        seconds = settings.get("timeout", 60)
        reading = _Reading()
        with _errors(key):
            response = await _open(settings, key, _request(messages, settings, tools))
            async with response:
                silence = _Silence(response.content, seconds)
                pace = _Pace(response, self.read_every)
                try:
                    async for data in response.content.iter_any():
                        for piece in reading.feed(data):
                            yield piece
                        if reading.done:
                            break
                        pace.wait()
                finally:
                    silence.stop()
                    pace.stop()
                if reading.done:
                    await _drain(response)
            for piece in reading.end():
                yield piece


async def _open(settings: dict, key: str, request: dict):
    """The response, once its head has come (within the timeout), or the HTTP error."""
    session, proxy = _session(settings, key)
    async with asyncio.timeout(settings.get("timeout", 60)):
        response = await session.post(
            _url(settings), json=request, headers=_headers(key), proxy=proxy, allow_redirects=False
        )
        if 200 <= response.status < 300:
            return response
        async with response:
            body = await response.read()
    raise _status_error(response.status, body, response.reason or "", key)


class _Silence:
    """Fails a body that sends nothing for ``seconds`` (up to a quarter more) with
    TimeoutError, looking every quarter of that: aiohttp's own read timeout sets a timer
    per read instead, 9% of a streaming worker's reading CPU (measured)."""

    def __init__(self, content, seconds: float) -> None:
        self.content, self.step, self.seen, self.quiet = content, seconds / 4, -1, 0
        self.loop = asyncio.get_running_loop()
        self.timer = self.loop.call_later(self.step, self.look)

    def look(self) -> None:
        if self.content.total_bytes != self.seen:
            self.seen, self.quiet = self.content.total_bytes, 0
        else:
            self.quiet += 1
        if self.quiet == 4:
            self.content.set_exception(TimeoutError("The endpoint went silent."))
        else:
            self.timer = self.loop.call_later(self.step, self.look)

    def stop(self) -> None:
        self.timer.cancel()


class _Pace:
    """At most one read of a response's socket per ``seconds``: in between, the socket is
    left unread and the kernel keeps what comes (0: no pacing)."""

    def __init__(self, response, seconds: float) -> None:
        connection = response.connection if seconds else None
        self.transport = connection.transport if connection else None
        self.seconds, self.timer = seconds, None

    def wait(self) -> None:
        if self.transport:
            self.transport.pause_reading()
            loop = asyncio.get_running_loop()
            self.timer = loop.call_later(self.seconds, self.transport.resume_reading)

    def stop(self) -> None:
        """Read on at once: what follows [DONE] is drained, the connection pooled."""
        if self.timer:
            self.timer.cancel()
            self.transport.resume_reading()


def _key(settings: dict) -> str:
    key_env = settings.get("api_key_env") or ""
    key = os.environ.get(key_env, "") if key_env else "not-needed"
    if key_env and not key:
        raise BackendError(f"The environment variable {key_env} is not set.", permanent=True)
    if not settings.get("base_url") or not settings.get("model"):
        raise BackendError("No endpoint URL or model is configured.", permanent=True)
    return key


def _url(settings: dict) -> str:
    return settings["base_url"].rstrip("/") + "/chat/completions"


def _headers(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


# Event loop -> {(base URL, key, timeout): (aiohttp session, proxy)}. An entry goes when its
# loop's tasks are cancelled at shutdown (asyncio.run, asgiref's async_to_sync): see _closer.
_sessions: dict = {}


def _session(settings: dict, key: str):
    import aiohttp

    loop = asyncio.get_running_loop()
    if loop not in _sessions:
        per_loop: dict = {}
        _sessions[loop] = (per_loop, loop.create_task(_closer(loop, per_loop)))
    per_loop = _sessions[loop][0]
    name = (settings["base_url"], key, settings.get("timeout", 60))
    if name not in per_loop:
        # No read timeout here: _open and _Silence keep the endpoint to ``timeout``.
        timeout = aiohttp.ClientTimeout(connect=settings.get("timeout", 60), sock_connect=10)
        # No trust_env: it reads ~/.netrc on a thread for every request; proxies, the one
        # thing of the environment the SDK honoured, are read here instead.
        session = aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=1000))
        per_loop[name] = (session, _proxy(settings["base_url"]))
    return per_loop[name]


async def _closer(loop, per_loop: dict) -> None:
    """Waits for its loop's shutdown, then closes the loop's sessions (their connections)."""
    try:
        await loop.create_future()
    finally:
        _sessions.pop(loop, None)
        for session, _ in per_loop.values():
            await session.close()


def _proxy(url: str) -> str | None:
    """HTTP(S)_PROXY, ALL_PROXY and NO_PROXY, as httpx (and so the SDK) read them."""
    proxies = urllib.request.getproxies_environment()
    parts = urllib.parse.urlsplit(url)
    if urllib.request.proxy_bypass_environment(parts.hostname or "", proxies):
        return None
    return proxies.get(parts.scheme) or proxies.get("all")


async def _drain(response) -> None:
    """Read what follows [DONE] (the body's last bytes, usually), so the connection goes
    back to the pool instead of closing; a server that keeps sending gets 0.1 s, and one
    that breaks off now spoils nothing: the reply is whole."""
    import aiohttp

    with contextlib.suppress(TimeoutError, OSError, aiohttp.ClientError):
        async with asyncio.timeout(0.1):
            while await response.content.readany():
                pass


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
    """The HTTP clients' errors as BackendError, with the key hidden: a bad URL is
    permanent; timeouts and connection errors (refused, reset, cut mid-body) are not."""
    import aiohttp
    import httpx

    try:
        yield
    except (aiohttp.InvalidURL, httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
        raise BackendError(_hide(f"Bad endpoint URL: {error}", key), permanent=True) from None
    except (TimeoutError, httpx.TimeoutException):
        raise BackendError("Timed out waiting for the endpoint.", permanent=False) from None
    except (aiohttp.ClientError, httpx.HTTPError, OSError) as error:
        message = f"Connection error: {type(error).__name__}: {error}"
        raise BackendError(_hide(message, key), permanent=False) from None


def _status_error(status: int, body: bytes, reason: str, key: str) -> BackendError:
    """An HTTP error as BackendError: 400, 401, 403, 404 and 422 are permanent (a bad key,
    model or request), the rest (rate limits, 5xx) are not. The endpoint's own message, from
    its JSON body, is what a researcher reads."""
    message = f"HTTP {status}: {_detail(body) or reason or f'Error code: {status}'}"[:500]
    return BackendError(_hide(message, key), permanent=status in (400, 401, 403, 404, 422))


def _detail(body: bytes) -> str:
    """``{"error": {"message": ...}}`` (OpenAI and most), ``{"error": "..."}`` (Ollama)."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return ""
    message = error.get("message") if isinstance(error, dict) else error
    return message if isinstance(message, str) else ""


class _Reading:
    """The endpoint's bytes in, pieces out: text as it comes; tool calls, whole, and the
    finish at the end (BackendError if the stream stopped before the model said it had
    finished, or the endpoint sent an error, or something that is not JSON, within it).
    Nothing after ``data: [DONE]`` counts; ``done`` says it came."""

    def __init__(self) -> None:
        self.events = sse.Events()
        self.calls: dict[int, dict] = {}
        self.finish, self.usage, self.model, self.done = "", None, "", False

    def feed(self, data: bytes) -> list:
        pieces: list = []
        for event in self.events.feed(data):
            if self.done or event.startswith(b"[DONE]"):
                self.done = True
                break
            self._chunk(event, pieces)
        return pieces

    def _chunk(self, event: bytes, pieces: list) -> None:
        try:
            chunk = json.loads(event.decode())  # a str skips json's guessing of the encoding
        except ValueError:  # also bytes that are not UTF-8
            message = "The endpoint sent an event that is not JSON."
            raise BackendError(message, permanent=False) from None
        if not isinstance(chunk, dict):
            return
        if chunk.get("error"):
            raise _stream_error(chunk["error"])
        self.model = chunk.get("model") or self.model
        self.usage = chunk.get("usage") or self.usage
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if content := delta.get("content"):
                pieces.append(content)
            for call in delta.get("tool_calls") or ():
                slot = self.calls.setdefault(call.get("index"), {"name": "", "arguments": ""})
                function = call.get("function") or {}
                slot["name"] += function.get("name") or ""
                slot["arguments"] += function.get("arguments") or ""
            self.finish = choice.get("finish_reason") or self.finish

    def end(self) -> list:
        if not self.finish:
            raise BackendError("The stream ended before the reply was finished.", permanent=False)
        pieces = []
        for slot in self.calls.values():
            try:
                pieces.append(ToolCall(slot["name"], json.loads(slot["arguments"] or "{}")))
            except ValueError:
                continue  # a malformed call is dropped, like a malformed PROPOSE line
        usage = self.usage if isinstance(self.usage, dict) else {}
        pieces.append(
            Finish(
                self.model,
                self.finish,
                usage.get("prompt_tokens"),
                usage.get("completion_tokens"),
            )
        )
        return pieces


def _stream_error(error) -> BackendError:
    """An error the endpoint sent inside a stream it had begun: transient, as the SDK
    took it (mostly an overloaded or failing server)."""
    message = error.get("message") if isinstance(error, dict) else None
    if not message or not isinstance(message, str):
        message = "An error occurred during streaming"
    return BackendError(f"Error in the stream: {message}"[:500], permanent=False)


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


BACKENDS = {"scripted": ScriptedBackend, "openai": OpenAICompatibleBackend}


def get_backend(name: str):
    try:
        return BACKENDS[name]()
    except KeyError:
        raise BackendError(f"Unknown agent backend {name!r}", permanent=True) from None
