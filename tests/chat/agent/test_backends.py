"""OpenAICompatibleBackend against a local fake endpoint: no network."""

from __future__ import annotations

import asyncio
import os
from unittest import mock

import pytest

from chat.agent.backends import (
    BackendError,
    Finish,
    OpenAICompatibleBackend,
    ToolCall,
    get_backend,
)
from chat.agent.persona import CONTEXT_MARKER, Turn, build_prompt
from chat.identity import seed_state
from tests.fake_openai import FakeOpenAI

PROMPT = build_prompt(seed_state({"name": "Mira"}), [Turn("participant", "hi")])


@pytest.fixture(scope="module")
def fake():
    server = FakeOpenAI().start()
    yield server
    server.stop()


def settings_for(fake, **overrides):
    return {
        "base_url": fake.base_url,
        "model": "fake-1",
        "temperature": 0.2,
        "max_tokens": 50,
        "api_key_env": "",
        "timeout": 5,
    } | overrides


def run(fake, **overrides):
    return list(OpenAICompatibleBackend().stream(PROMPT, settings=settings_for(fake, **overrides)))


def arun(fake, read_every=0.0, **overrides):
    """As an agent turn reads it: ``astream`` on an event loop."""

    async def collect():
        backend = OpenAICompatibleBackend()
        backend.read_every = read_every
        return [p async for p in backend.astream(PROMPT, settings=settings_for(fake, **overrides))]

    return asyncio.run(collect())


def test_it_streams_text_then_reports_model_finish_and_tokens(fake):
    fake.script({"text": "Hi there, traveller."})
    pieces = run(fake)
    assert "".join(p for p in pieces if isinstance(p, str)) == "Hi there, traveller."
    assert pieces[-1] == Finish("fake-1", "stop", 42, 3)
    body = fake.requests[-1]["body"]
    assert (body["model"], body["temperature"], body["max_tokens"], body["stream"]) == (
        "fake-1",
        0.2,
        50,
        True,
    )
    assert CONTEXT_MARKER not in body["messages"][0]["content"]  # Dyad's own notes stay home


def test_tool_calls_come_back_whole(fake):
    fake.script(
        {
            "text": "Sure.",
            "tool_calls": [("propose_change", {"target": "persona.name", "value": "Nova"})],
        }
    )
    pieces = OpenAICompatibleBackend().stream(
        PROMPT,
        settings=settings_for(fake),
        tools=[
            {
                "type": "function",
                "function": {"name": "propose_change", "parameters": {"type": "object"}},
            }
        ],
    )
    calls = [p for p in pieces if isinstance(p, ToolCall)]
    assert calls == [ToolCall("propose_change", {"target": "persona.name", "value": "Nova"})]
    assert fake.requests[-1]["body"]["tools"][0]["function"]["name"] == "propose_change"


def test_the_api_key_comes_from_the_named_environment_variable(fake):
    with mock.patch.dict(os.environ, {"MY_LAB_KEY": "sk-secret"}):
        run(fake, api_key_env="MY_LAB_KEY")
    assert fake.requests[-1]["authorization"] == "Bearer sk-secret"


def test_a_missing_key_is_a_permanent_error(fake):
    with pytest.raises(BackendError, match="MISSING_KEY is not set") as caught:
        run(fake, api_key_env="MISSING_KEY")
    assert caught.value.permanent


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (401, True),
        (403, True),
        (404, True),
        (400, True),
        (429, False),
        (500, False),
        (503, False),
    ],
)
def test_http_errors_are_classified(fake, status, permanent):
    fake.script({"status": status})
    with pytest.raises(BackendError, match=f"HTTP {status}: fake error") as caught:
        run(fake)
    assert caught.value.permanent is permanent


def test_a_dropped_stream_is_transient(fake):
    fake.script({"text": "one two three four", "drop_after": 2})
    with pytest.raises(BackendError) as caught:
        run(fake)
    assert not caught.value.permanent


def test_a_stalled_endpoint_times_out_as_transient(fake):
    fake.script({"text": "late", "stall": 3})
    with pytest.raises(BackendError) as caught:
        run(fake, timeout=1)
    assert not caught.value.permanent


def test_an_unreachable_endpoint_is_transient():
    with pytest.raises(BackendError) as caught:
        list(
            OpenAICompatibleBackend().stream(
                PROMPT, settings={"base_url": "http://127.0.0.1:9/v1", "model": "m", "timeout": 2}
            )
        )
    assert not caught.value.permanent


@pytest.mark.parametrize("read", [run, arun])
def test_a_turn_reads_the_same_reply_as_a_synchronous_caller(fake, read):
    fake.script({"text": "Hi there, traveller.", "delay": 0.01})
    assert read(fake) == ["Hi ", "there, ", "traveller.", Finish("fake-1", "stop", 42, 3)]


def test_a_turn_times_out_as_transient_when_the_endpoint_stalls_before_answering(fake):
    fake.script({"text": "late", "stall": 3})
    with pytest.raises(BackendError, match="Timed out") as caught:
        arun(fake, timeout=1)
    assert not caught.value.permanent


def test_a_turn_times_out_as_transient_when_the_endpoint_goes_silent_mid_reply(fake):
    fake.script({"text": "one two three", "delay": 3})
    with pytest.raises(BackendError, match="Timed out") as caught:
        arun(fake, timeout=1)
    assert not caught.value.permanent


def test_a_slow_but_steady_reply_is_not_cut_by_the_timeout(fake):
    """The timeout is for silence, not for the whole reply."""
    fake.script({"text": "a b c d e f", "delay": 0.4})
    pieces = arun(fake, timeout=1)
    assert "".join(p for p in pieces if isinstance(p, str)) == "a b c d e f"


def test_a_turn_on_an_unreachable_endpoint_is_transient():
    settings = {"base_url": "http://127.0.0.1:9/v1", "model": "m", "timeout": 2}

    async def collect():
        return [p async for p in OpenAICompatibleBackend().astream(PROMPT, settings=settings)]

    with pytest.raises(BackendError) as caught:
        asyncio.run(collect())
    assert not caught.value.permanent


def test_a_turn_that_reads_its_socket_less_often_reads_the_same_reply(fake):
    fake.script({"text": "one two three four five six", "delay": 0.02})
    pieces = arun(fake, read_every=0.05)
    assert pieces == [
        "one ",
        "two ",
        "three ",
        "four ",
        "five ",
        "six",
        Finish("fake-1", "stop", 42, 6),
    ]


def test_turns_go_through_the_proxy_the_environment_names_unless_told_not_to():
    from chat.agent.backends import _proxy

    proxied = {"HTTPS_PROXY": "http://proxy.lab:3128", "NO_PROXY": "localhost,.uni.example"}
    with mock.patch.dict(os.environ, proxied, clear=True):
        assert _proxy("https://api.openai.com/v1") == "http://proxy.lab:3128"
        assert _proxy("https://llm.uni.example/v1") is None
        assert _proxy("http://localhost:8000/v1") is None
    with mock.patch.dict(os.environ, {}, clear=True):
        assert _proxy("https://api.openai.com/v1") is None


def test_unknown_backend_is_a_permanent_error():
    with pytest.raises(BackendError) as caught:
        get_backend("gpt-9000")
    assert caught.value.permanent
