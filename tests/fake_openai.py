"""A local stand-in for an OpenAI-compatible endpoint: chat completions, streamed as
server-sent events, with tool calls, errors, dropped and stalled streams on demand.

Tests queue scenarios with ``server.script(...)``; each request takes the next one (or the
default reply) and is recorded in ``server.requests``. Serves 127.0.0.1 only.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT = {"text": "Hello from the fake model."}


def text_chunks(text: str) -> list[str]:
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


class FakeOpenAI:
    def __init__(self) -> None:
        self.scenarios: deque[dict] = deque()
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def script(self, *scenarios: dict) -> None:
        """Each scenario: {"text": ..., "delay": s between chunks, "tool_calls": [(name,
        args)], "status": HTTP error code (with "message"), "drop_after": n chunks, "stall": s
        before the first chunk, "finish": reason}, or a recorded response sent as it is:
        {"raw": [bytes, ...] (the body, one write each, "delay" s apart), "status": 200,
        "content_type": "text/event-stream", "hold": s to keep the connection open after}."""
        with self.lock:
            self.scenarios.extend(scenarios)

    def next(self, body: dict, headers) -> dict:
        with self.lock:
            self.requests.append({"body": body, "authorization": headers.get("Authorization")})
            return self.scenarios.popleft() if self.scenarios else DEFAULT


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a client that went away mid-stream (a killed worker, a timeout) is expected


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        scenario = self.fake.next(body, self.headers)
        if "raw" in scenario:
            return self._raw(scenario)
        if "status" in scenario:
            return self._error(scenario["status"], scenario.get("message"))
        time.sleep(scenario.get("stall", 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        model = body["model"]
        chunks = text_chunks(scenario.get("text", ""))
        for n, piece in enumerate(chunks):
            if n == scenario.get("drop_after"):
                self.wfile.flush()
                self.close_connection = True
                return
            self._event(_chunk(model, {"content": piece}))
            time.sleep(scenario.get("delay", 0))
        for index, (name, args) in enumerate(scenario.get("tool_calls", [])):
            call = {
                "index": index,
                "id": f"call_{index}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            self._event(_chunk(model, {"tool_calls": [call]}))
        finish = scenario.get("finish", "tool_calls" if scenario.get("tool_calls") else "stop")
        self._event(_chunk(model, {}, finish))
        self._event(
            {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [],
                "usage": {
                    "prompt_tokens": 42,
                    "completion_tokens": len(chunks),
                    "total_tokens": 42 + len(chunks),
                },
            }
        )
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _event(self, data: dict) -> None:
        self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()

    def _raw(self, scenario: dict) -> None:
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # one write, one read
        self.send_response(scenario.get("status", 200))
        self.send_header("Content-Type", scenario.get("content_type", "text/event-stream"))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        for part in scenario["raw"]:
            time.sleep(scenario.get("delay", 0.002))
            self.wfile.write(part)
            self.wfile.flush()
        time.sleep(scenario.get("hold", 0))
        self.close_connection = True

    def _error(self, status: int, message: str | None = None) -> None:
        message = message or f"fake error {status}"
        body = json.dumps({"error": {"message": message, "type": "fake"}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _chunk(model: str, delta: dict, finish: str | None = None) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


class FakeLLMMixin:
    """For a test class: ``self.fake``, one endpoint for the class, its script emptied before
    each test. List it before the TestCase class."""

    fake: FakeOpenAI

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeOpenAI().start()

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.fake.scenarios.clear()
