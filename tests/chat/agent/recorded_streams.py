"""Responses as OpenAI-compatible endpoints send them, byte for byte, for the tests that hold
Dyad's reading of a stream to the openai SDK's.

Built here to the shapes the endpoints document and send (there is no network to record
from): OpenAI's chunks (a role chunk first, ``usage: null`` on each, the usage last with no
choices, tool calls in pieces, an error inside a stream), vLLM's raw UTF-8, sse-starlette's
CRLF lines and ``: ping`` comments (llama-cpp-python, LiteLLM), OpenRouter's comments,
Ollama's ``{"error": "..."}`` and proxies' HTML.

``STREAMS``: name -> the body of a 200 response; ``ERRORS``: name -> (status, content type,
body).
"""

from __future__ import annotations

import json

MODEL = "gpt-4o-mini-2024-07-18"


def chunk(delta: dict | None = None, finish: str | None = None, **extra) -> dict:
    choices = [] if delta is None else [_choice(delta, finish)]
    return {
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "object": "chat.completion.chunk",
        "created": 1741569952,
        "model": MODEL,
        "service_tier": "default",
        "system_fingerprint": "fp_06737a9306",
        "choices": choices,
        "usage": None,
    } | extra


def _choice(delta: dict, finish: str | None) -> dict:
    return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}


def usage(prompt: int, completion: int) -> dict:
    return chunk(
        None,
        usage={
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        },
    )


def events(*chunks, sep: bytes = b"\n", ascii: bool = True, done: bool = True) -> bytes:
    """``data: <json>`` per chunk (a str is sent as it is: comments, other fields)."""
    out = []
    for item in chunks:
        if isinstance(item, str):
            out.append(item.encode().replace(b"\n", sep))
            continue
        data = json.dumps(item, separators=(",", ":"), ensure_ascii=ascii)
        out.append(b"data: " + data.encode() + sep + sep)
    if done:
        out.append(b"data: [DONE]" + sep + sep)
    return b"".join(out)


def text_chunks(*pieces: str) -> list[dict]:
    return [chunk({"role": "assistant", "content": "", "refusal": None})] + [
        chunk({"content": piece}) for piece in pieces
    ]


MULTILINGUAL = (
    "你好，",
    "我是",
    "Mira。",
    " مرحبا",
    " بك!",
    " 👋🏽",
    " 👨‍👩‍👧",
    " 🇯🇵",
    " café",
    " Ωμέγα",
)
ARGUMENTS = ['{"ta', 'rget": "per', 'sona.name", ', '"value": "Nó', 'va 🌟"}']


def tool_call(index: int, name: str | None = None, arguments: str = "") -> dict:
    call: dict = {"index": index, "function": {"arguments": arguments}}
    if name:
        call |= {"id": f"call_{index}abc", "type": "function"}
        call["function"]["name"] = name
    return chunk({"tool_calls": [call]})


STREAMS = {
    "openai_text": events(
        *text_chunks("Hello", " there", ",", " traveller", "."),
        chunk({}, "stop"),
        usage(19, 5),
    ),
    "multilingual_raw_utf8": events(
        *text_chunks(*MULTILINGUAL), chunk({}, "stop"), usage(31, 10), ascii=False
    ),
    "multilingual_escaped": events(*text_chunks(*MULTILINGUAL), chunk({}, "stop"), usage(31, 10)),
    "tool_calls_in_pieces": events(
        chunk({"role": "assistant", "content": None, "refusal": None}),
        tool_call(0, "propose_change"),
        *(tool_call(0, arguments=piece) for piece in ARGUMENTS),
        tool_call(1, "decide"),
        *(tool_call(1, arguments=piece) for piece in ['{"revision', '_id": 7, "accept": true}']),
        chunk({}, "tool_calls"),
        usage(120, 41),
        ascii=False,
    ),
    "text_then_tool_call": events(
        *text_chunks("Sure", ", I will."),
        tool_call(0, "propose_change"),
        tool_call(0, arguments='{"target": "persona.name", "value": "Nova"}'),
        chunk({}, "tool_calls"),
        usage(80, 20),
    ),
    "crlf_pings_and_ids": events(
        ": ping - 2025-03-10 01:25:52.123456+00:00\n\n",
        "id: 1\n",
        *text_chunks("Line one", "\nline two"),
        "event: message\nid: 2\nretry: 15000\n",
        chunk({}, "length"),
        usage(12, 4),
        sep=b"\r\n",
    ),
    "cr_only": events(*text_chunks("Old", " Macs"), chunk({}, "stop"), sep=b"\r"),
    "openrouter_comments": events(
        ": OPENROUTER PROCESSING\n\n",
        ": OPENROUTER PROCESSING\n\n",
        *text_chunks("Thinking", " done."),
        chunk({}, "stop", provider="OpenAI"),
        usage(10, 2),
    ),
    "data_over_two_lines": events(*text_chunks("first"), done=False)
    + b'event: completion\ndata: {"model": "m2", "choices":\ndata: [{"index": 0, "delta": '
    + b'{"content": " second"}, "finish_reason": "stop"}]}\n\n',
    "no_usage_no_done": events(*text_chunks("Short."), chunk({}, "stop"), done=False),
    "usage_cut_mid_event": events(*text_chunks("Almost"), chunk({}, "stop"), done=False)
    + events(usage(5, 1), done=False)[:40],
    "cut_before_finish": events(*text_chunks("one", " two", " thr"), done=False),
    "error_in_stream": events(
        *text_chunks("Half a"),
        {
            "error": {
                "message": "The server had an error while processing your request. Sorry!",
                "type": "server_error",
                "param": None,
                "code": None,
            }
        },
        done=False,
    ),
    "error_event": events(
        *text_chunks("Hi"), "event: error\n", {"error": {"message": "Overloaded"}}, done=False
    ),
    "malformed_tool_arguments": events(
        tool_call(0, "propose_change", '{"target": '), chunk({}, "tool_calls")
    ),
}

KEY = "sk-proj-abcdef0123456789wxyz"


def _openai_error(message: str, kind: str, code: str | None = None) -> bytes:
    error = {"message": message, "type": kind, "param": None, "code": code}
    return json.dumps({"error": error}).encode()


ERRORS = {
    "401_bad_key": (
        401,
        "application/json",
        _openai_error(
            "Incorrect API key provided: sk-proj-********************wxyz. You can find your "
            "API key at https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        ),
    ),
    "400_context_length": (
        400,
        "application/json",
        _openai_error(
            "This model's maximum context length is 128000 tokens.",
            "invalid_request_error",
            "context_length_exceeded",
        ),
    ),
    "404_ollama_model": (404, "application/json", b'{"error":"model \\"mira\\" not found"}'),
    "422_vllm": (422, "application/json", b'{"detail":[{"loc":["body","messages"]}]}'),
    "429_rate_limit": (
        429,
        "application/json",
        _openai_error(
            "Rate limit reached for gpt-4o-mini on tokens per min (TPM).", "tokens", "rate_limit"
        ),
    ),
    "500_json": (500, "application/json", _openai_error("The server had an error.", "server")),
    "502_proxy_html": (502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    "503_text": (503, "text/plain", "Service Unavailable — überlastet".encode()),
}
