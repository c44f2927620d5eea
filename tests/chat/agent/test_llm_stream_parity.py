"""Dyad reads an endpoint's stream without the openai SDK; these tests hold that reading to
the SDK's own on recorded responses: the same bytes, through the SDK (today's reference)
and through the backend (``astream`` and ``stream``), give the same pieces (text, tool calls,
the finish with model, reason and token counts) or the same error (permanent or not, and
the same message where the endpoint gave one), however the network cuts the bytes."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
from unittest import mock

import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat.agent import backends
from chat.agent.backends import BackendError, Finish, OpenAICompatibleBackend, ToolCall
from tests.chat.agent.recorded_streams import ERRORS, KEY, STREAMS
from tests.fake_openai import FakeOpenAI

MESSAGES = [{"role": "system", "content": "You are Mira."}, {"role": "user", "content": "hi"}]
PERMANENT = (400, 401, 403, 404, 422)


@pytest.fixture(scope="module")
def fake():
    server = FakeOpenAI().start()
    yield server
    server.stop()


def settings_for(fake) -> dict:
    return {"base_url": fake.base_url, "model": "m", "api_key_env": "LAB_KEY", "timeout": 5}


def sdk_result(fake, scenario: dict):
    """The SDK's reading: its chunk objects, read as the backend read them before it
    stopped using the SDK, its errors mapped as they were."""
    fake.script(scenario)
    client = openai.OpenAI(base_url=fake.base_url, api_key=KEY, max_retries=0, timeout=5)
    text, calls, finish, model, usage = [], {}, "", "", None
    try:
        chunks = client.chat.completions.create(
            model="m", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
        for chunk in chunks:
            model, usage = chunk.model or model, chunk.usage or usage
            for choice in chunk.choices:
                if choice.delta and choice.delta.content:
                    text.append(choice.delta.content)
                for call in (choice.delta.tool_calls or []) if choice.delta else []:
                    slot = calls.setdefault(call.index, ["", ""])
                    slot[0] += (call.function and call.function.name) or ""
                    slot[1] += (call.function and call.function.arguments) or ""
                finish = choice.finish_reason or finish
    except openai.APIStatusError as error:
        return ("error", error.status_code in PERMANENT, _sdk_message(error))
    except openai.APIError:
        return ("error", False, None)
    if not finish:
        return ("error", False, None)
    tools = []
    for name, arguments in calls.values():
        with contextlib.suppress(ValueError):  # a malformed call is dropped
            tools.append(ToolCall(name, json.loads(arguments or "{}")))
    tokens = (usage.prompt_tokens, usage.completion_tokens) if usage else (None, None)
    return [*text, *tools, Finish(model, finish, *tokens)]


def _sdk_message(error) -> str | None:
    """The message the backend recorded, when the endpoint's JSON gave one."""
    try:
        detail = error.response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return None
    return backends._hide(f"HTTP {error.status_code}: {detail}", KEY)


def outcome(run):
    try:
        return run()
    except BackendError as error:
        return ("error", error.permanent, error.args[0])


def lean_async(fake, scenario: dict):
    fake.script(scenario)

    async def collect():
        pieces = OpenAICompatibleBackend().astream(MESSAGES, settings=settings_for(fake))
        return [piece async for piece in pieces]

    with mock.patch.dict(os.environ, {"LAB_KEY": KEY}):
        return outcome(lambda: asyncio.run(collect()))


def lean_sync(fake, scenario: dict):
    fake.script(scenario)
    with mock.patch.dict(os.environ, {"LAB_KEY": KEY}):
        backend = OpenAICompatibleBackend()
        return outcome(lambda: list(backend.stream(MESSAGES, settings=settings_for(fake))))


def same(lean, sdk) -> bool:
    """Pieces alike; errors alike in permanence, and in message where the SDK's is known."""
    if isinstance(sdk, tuple):
        return lean[:2] == sdk[:2] and (sdk[2] is None or lean[2] == sdk[2])
    return lean == sdk


def cut(body: bytes, size: int) -> list[bytes]:
    """The body in writes of ``size`` bytes: characters and CRLFs cut in two."""
    return [body[i : i + size] for i in range(0, len(body), size)]


@pytest.mark.parametrize("name", sorted(STREAMS))
@pytest.mark.parametrize("size", [5, 64, 100_000])
def test_a_recorded_stream_reads_as_the_sdk_reads_it(fake, name, size):
    scenario = {"raw": cut(STREAMS[name], size), "delay": 0.0002}
    sdk = sdk_result(fake, scenario)
    assert same(lean_async(fake, scenario), sdk)
    assert same(lean_sync(fake, scenario), sdk)


@pytest.mark.parametrize("name", sorted(ERRORS))
@pytest.mark.parametrize("size", [16, 100_000])
def test_an_http_error_is_classified_as_the_sdk_path_classified_it(fake, name, size):
    status, content_type, body = ERRORS[name]
    scenario = {"raw": cut(body, size), "status": status, "content_type": content_type}
    sdk = sdk_result(fake, scenario)
    assert sdk[0] == "error"
    for lean in (lean_async(fake, scenario), lean_sync(fake, scenario)):
        assert same(lean, sdk), (lean, sdk)
        assert lean[2].startswith(f"HTTP {status}: ")
        assert "wxyz" not in lean[2] and KEY not in lean[2]  # the key, even in part, stays hidden


def test_the_endpoints_own_words_are_kept_where_the_sdk_dropped_them(fake):
    """Ollama says ``{"error": "..."}`` and a proxy an HTML page: the message says what was
    wrong, or at least the status's name, rather than 'Error code: 404'."""
    for name, expected in [
        ("404_ollama_model", 'HTTP 404: model "mira" not found'),
        ("502_proxy_html", "HTTP 502: Bad Gateway"),
    ]:
        status, content_type, body = ERRORS[name]
        scenario = {"raw": [body], "status": status, "content_type": content_type}
        assert lean_async(fake, scenario)[2] == expected
        assert lean_sync(fake, scenario)[2] == expected


def test_a_stream_left_open_after_done_still_ends_the_reply(fake):
    """[DONE] ends the reply, even if the connection stays open for longer than the timeout."""
    scenario = {"raw": [STREAMS["openai_text"]], "hold": 6}
    pieces = lean_async(fake, scenario)
    assert pieces[-1] == Finish("gpt-4o-mini-2024-07-18", "stop", 19, 5)


@functools.cache
def expected(fake, name: str):
    return sdk_result(fake, {"raw": [STREAMS[name]]})


def reading(body: bytes, cuts: list[int]):
    """The backend's reading of ``body`` arriving in reads cut at ``cuts``."""
    reading, pieces = backends._Reading(), []
    bounds = [0, *sorted(cuts), len(body)]
    try:
        for start, end in zip(bounds, bounds[1:], strict=False):
            pieces += reading.feed(body[start:end])
            if reading.done:
                break
        return pieces + reading.end()
    except BackendError as error:
        return ("error", error.permanent, error.args[0])


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_wherever_the_network_cuts_the_bytes_the_pieces_are_the_same(fake, data):
    name = data.draw(st.sampled_from(sorted(STREAMS)))
    body = STREAMS[name]
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=40))
    assert same(reading(body, cuts), expected(fake, name))


def test_every_byte_read_alone_gives_the_same_pieces(fake):
    for name, body in STREAMS.items():
        assert same(reading(body, list(range(len(body)))), expected(fake, name)), name
