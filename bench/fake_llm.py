"""A fake OpenAI-compatible endpoint for load runs: streams replies of ``--tokens`` words at
``--rate`` words a second, from one asyncio process (so it is never the bottleneck), and
remembers when it produced every word, so a run can measure how long a word took from the
model to the page.

Words are ``w<request>x<index>``: unique, so the page side can match each to its moment.

    python -m bench.fake_llm --port 8999 --tokens 300 --rate 50

``GET /stats`` answers {"requests", "in_flight", "peak_in_flight"}; ``GET /times`` the
production time of every word so far, ``{"w3x17": 1700000000.123, ...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time


class Fake:
    def __init__(self, tokens: int, rate: float):
        self.tokens, self.rate = tokens, rate
        self.requests = self.in_flight = self.peak = 0
        self.times: dict[str, float] = {}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {
                    k.lower(): v.strip()
                    for k, v in (h.split(":", 1) for h in lines[1:] if ":" in h)
                }
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                if method == "GET":
                    await self.json(writer, self.stats() if path == "/stats" else self.times)
                    continue
                await self.stream(writer, json.loads(body or b"{}"))
                return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    def stats(self) -> dict:
        return {"requests": self.requests, "in_flight": self.in_flight, "peak_in_flight": self.peak}

    async def json(self, writer, data) -> None:
        raw = json.dumps(data).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(raw)).encode()
            + b"\r\n\r\n"
            + raw
        )
        await writer.drain()

    async def stream(self, writer, body: dict) -> None:
        self.requests += 1
        number = self.requests
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        model = body.get("model", "fake")
        try:
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
            )
            started = time.monotonic()
            for i in range(self.tokens):
                delay = started + i / self.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                word = f"w{number}x{i}"
                self.times[word] = time.time()
                await self.event(writer, model, {"content": word + " "})
            await self.event(writer, model, {}, "stop")
            usage = {
                "prompt_tokens": 100,
                "completion_tokens": self.tokens,
                "total_tokens": 100 + self.tokens,
            }
            await self.send(
                writer,
                {
                    "id": "x",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": model,
                    "choices": [],
                    "usage": usage,
                },
            )
            writer.write(b"data: [DONE]\n\n")
            await writer.drain()
        finally:
            self.in_flight -= 1

    async def event(self, writer, model: str, delta: dict, finish=None) -> None:
        chunk = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        await self.send(writer, chunk)

    async def send(self, writer, data: dict) -> None:
        writer.write(b"data: " + json.dumps(data).encode() + b"\n\n")
        await writer.drain()


async def serve(port: int, tokens: int, rate: float) -> None:
    fake = Fake(tokens, rate)
    server = await asyncio.start_server(fake.handle, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.tokens, args.rate))


if __name__ == "__main__":
    main()
