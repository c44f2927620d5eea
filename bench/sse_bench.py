"""Reading a streamed reply: the worker's CPU per 300-token reply, for each way of reading
the model's server-sent events.

A fake endpoint in a process of its own (its CPU is not counted) streams replies in
bench/fake_llm.py's chunk format, one event per write at ``--rate`` tokens a second, so nearly
every event reaches the reader in a read of its own, as at 50 tokens a second in production.
This process reads ``--replies`` replies one after another for each way and reports its own
CPU (time.process_time) per reply, after one warm-up reply.

    python -m bench.sse_bench
    python -m bench.sse_bench --rate 50 --in-flight 20 --replies 20 --rounds 3 --ways sdk backend
    python -m bench.sse_bench --framing close --ways sdk backend
    python -m bench.sse_bench --tls --ways sdk aiohttp backend
    python -m bench.sse_bench --parse-only

The ways: ``sdk`` (the openai SDK's chunk objects: the path before), ``sdk-response``(-raw)
(the SDK's request, the raw body read as bytes), ``httpx-``/``httpx2-`` ``lines``, ``bytes``
or ``raw`` (httpx's streaming iterators; httpx2 is the SDK's own fork), ``httpcore`` (httpx's
transport alone), ``aiohttp``, ``socket`` (asyncio streams and HTTP/1.1 by hand: the floor)
and ``backend`` (Dyad's ``OpenAICompatibleBackend.astream``, all of it). All but ``sdk`` read
the events with chat/agent/sse.py and ``json.loads``.

``--framing chunked`` (the default) keeps the connection and frames the body in HTTP/1.1
chunks, as hosted endpoints, vLLM and llama.cpp's server do; ``close`` ends the body by
closing the connection, as bench/fake_llm.py does. ``--parse-only`` times the parsers alone
on one reply's bytes, cut at event boundaries, with no network.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from chat.agent import sse  # noqa: E402

MODEL = "fake-bench"
TLS: ssl.SSLContext | None = None  # the client side's, trusting the fake's certificate (--tls)


def certificate() -> str:
    """A throwaway self-signed certificate (and its key, in the same file) for 127.0.0.1."""
    path = Path(tempfile.mkdtemp(prefix="sse-bench-")) / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        + ["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", path, "-out", path]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return str(path)


# The fake endpoint ---------------------------------------------------------------------------


def event(data: dict) -> bytes:
    return b"data: " + json.dumps(data).encode() + b"\n\n"


def reply_events(number: int, tokens: int) -> list[bytes]:
    """One reply's events, as bench/fake_llm.py sends them."""

    def chunk(delta: dict, finish=None) -> dict:
        return {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    events = [event(chunk({"content": f"w{number}x{i} "})) for i in range(tokens)]
    events.append(event(chunk({}, "stop")))
    usage = {"prompt_tokens": 100, "completion_tokens": tokens, "total_tokens": 100 + tokens}
    events.append(event({**chunk({}), "choices": [], "usage": usage}))
    events.append(b"data: [DONE]\n\n")
    return events


async def serve(port: int, framing: str, tokens: int, rate: float, cert: str | None) -> None:
    count = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                count += 1
                closing = framing == "close"
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    + (b"Connection: close\r\n" if closing else b"Transfer-Encoding: chunked\r\n")
                    + b"\r\n"
                )
                started = time.monotonic()
                for i, data in enumerate(reply_events(count, tokens)):
                    delay = started + i / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    writer.write(data if closing else b"%x\r\n%b\r\n" % (len(data), data))
                    await writer.drain()
                if closing:
                    return
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            if framing == "close":
                writer.close()

    context = None
    if cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, cert)
    server = await asyncio.start_server(handle, "127.0.0.1", port, ssl=context)
    async with server:
        await server.serve_forever()


def start_server(
    framing: str, tokens: int, rate: float, cert: str | None = None
) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["--serve", str(port), "--framing", framing, "--tokens", str(tokens)]
    args += ["--cert", cert] if cert else []
    server = subprocess.Popen([sys.executable, "-m", "bench.sse_bench", *args, "--rate", str(rate)])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the fake endpoint did not start")


# The ways of reading -------------------------------------------------------------------------

REQUEST = {
    "model": MODEL,
    "messages": [{"role": "user", "content": "hi"}],
    "temperature": 0.7,
    "max_tokens": 300,
    "stream": True,
    "stream_options": {"include_usage": True},
}


class Pieces:
    """Chunk dicts in, reply pieces out: what every lean way does with the JSON."""

    reads = 0  # how many reads the lean ways made, all replies together

    def __init__(self) -> None:
        self.text: list[str] = []
        self.finish = self.model = ""
        self.usage: dict | None = None

    def chunk(self, chunk: dict) -> None:
        self.model = chunk.get("model") or self.model
        self.usage = chunk.get("usage") or self.usage
        for choice in chunk.get("choices") or ():
            content = (choice.get("delta") or {}).get("content")
            if content:
                self.text.append(content)
            self.finish = choice.get("finish_reason") or self.finish

    def events(self, events: list[bytes]) -> bool:
        Pieces.reads += 1
        for data in events:
            if data.startswith(b"[DONE]"):
                return True
            self.chunk(json.loads(data))
        return False

    def result(self) -> tuple:
        return "".join(self.text), self.finish, (self.usage or {}).get("completion_tokens")


def sdk_ways(base: str) -> dict:
    import openai

    http = openai.DefaultAsyncHttpxClient(verify=TLS) if TLS else None
    client = openai.AsyncOpenAI(base_url=base, api_key="x", max_retries=0, http_client=http)

    async def sdk():
        """The path before: the SDK's chunk objects, read as backends._Reading read them."""
        text, finish, usage = [], "", None
        chunks = await client.chat.completions.create(**REQUEST)
        async for chunk in chunks:
            usage = chunk.usage or usage
            for choice in chunk.choices:
                if choice.delta and choice.delta.content:
                    text.append(choice.delta.content)
                finish = choice.finish_reason or finish
        return "".join(text), finish, usage.completion_tokens

    async def sdk_response(raw: bool = False):
        """The SDK makes the request (and its errors); the body is read as bytes."""
        pieces, events = Pieces(), sse.Events()
        create = client.chat.completions.with_streaming_response.create
        async with create(**REQUEST) as response:
            body = response.http_response
            async for data in body.aiter_raw() if raw else body.aiter_bytes():
                if pieces.events(events.feed(data)):
                    break
        return pieces.result()

    async def sdk_response_raw():
        return await sdk_response(raw=True)

    return {"sdk": sdk, "sdk-response": sdk_response, "sdk-response-raw": sdk_response_raw}


def httpx_ways(base: str, module_name: str) -> dict:
    module = __import__(module_name)
    client = module.AsyncClient(timeout=module.Timeout(60, connect=10), verify=TLS or True)
    url = base + "/chat/completions"

    async def read(how: str):
        pieces, events = Pieces(), sse.Events()
        async with client.stream("POST", url, json=REQUEST) as response:
            if how == "lines":
                data: list[bytes] = []
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        data.append(line[5:].lstrip().encode())
                    elif not line and data:
                        if pieces.events([b"\n".join(data)]):
                            break
                        data = []
                return pieces.result()
            chunks = response.aiter_raw() if how == "raw" else response.aiter_bytes()
            async for chunk in chunks:
                if pieces.events(events.feed(chunk)):
                    break
        return pieces.result()

    return {
        f"{module_name}-{how}": (lambda how=how: read(how)) for how in ("lines", "bytes", "raw")
    }


def httpcore_ways(base: str) -> dict:
    import httpcore

    pool = httpcore.AsyncConnectionPool(ssl_context=TLS)
    url = base + "/chat/completions"
    body = json.dumps(REQUEST).encode()
    headers = [(b"Content-Type", b"application/json"), (b"Content-Length", str(len(body)).encode())]

    async def read():
        pieces, events = Pieces(), sse.Events()
        async with pool.stream("POST", url, headers=headers, content=body) as response:
            async for chunk in response.aiter_stream():
                if pieces.events(events.feed(chunk)):
                    break
        return pieces.result()

    return {"httpcore": read}


def socket_ways(port: int) -> dict:
    """The floor: asyncio's own streams, HTTP/1.1 by hand (no TLS, proxies, pooling or
    errors), a connection per reply."""
    body = json.dumps(REQUEST).encode()
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )

    async def read():
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=TLS)
        writer.write(head + body)
        response = await reader.readuntil(b"\r\n\r\n")
        pieces, events = Pieces(), sse.Events()
        chunked = Dechunk(b"chunked" in response.lower())
        try:
            while data := await reader.read(65536):
                if pieces.events(events.feed(chunked.feed(data))):
                    break
        finally:
            writer.close()
        return pieces.result()

    return {"socket": read}


class Dechunk:
    """HTTP/1.1 chunked framing removed (a body that ends at close has none)."""

    def __init__(self, chunked: bool) -> None:
        self.chunked, self.buffer, self.left = chunked, b"", 0

    def feed(self, data: bytes) -> bytes:
        if not self.chunked:
            return data
        self.buffer += data
        out = []
        while self.buffer:
            if self.left:
                take = self.buffer[: self.left]
                out.append(take)
                self.left -= len(take)
                self.buffer = self.buffer[len(take) :]
                continue
            line, sep, rest = self.buffer.partition(b"\r\n")
            if not sep:
                break
            if not line:  # the CRLF after a chunk's data
                self.buffer = rest
                continue
            self.left, self.buffer = int(line, 16), rest
        return b"".join(out)


def aiohttp_ways(base: str) -> dict:
    """aiohttp alone, as the backend uses it but with nothing around it."""
    import aiohttp

    url, session = base + "/chat/completions", None

    async def read():
        nonlocal session
        if session is None:
            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=TLS or True))
            CLOSE.append(session.close)
        pieces, events = Pieces(), sse.Events()
        async with session.post(url, json=REQUEST) as response:
            async for chunk in response.content.iter_any():
                if pieces.events(events.feed(chunk)):
                    break
        return pieces.result()

    return {"aiohttp": read}


def backend_ways(base: str) -> dict:
    """Dyad's backend as it stands: OpenAICompatibleBackend.astream, all of it."""
    from chat.agent.backends import Finish, OpenAICompatibleBackend

    settings = {"base_url": base, "model": MODEL, "max_tokens": 300, "api_key_env": ""}
    messages = REQUEST["messages"]

    async def read(every: float = 0.0):
        text, finish = [], None
        backend = OpenAICompatibleBackend()
        backend.read_every = every
        async for piece in backend.astream(messages, settings=settings):
            if isinstance(piece, str):
                text.append(piece)
            elif isinstance(piece, Finish):
                finish = piece
        return "".join(text), finish.finish_reason, finish.completion_tokens

    paced = {f"backend, read every {ms} ms": (lambda ms=ms: read(ms / 1000)) for ms in (100, 250)}
    return {"backend": read} | paced


def all_ways(port: int) -> dict:
    base = f"{'https' if TLS else 'http'}://127.0.0.1:{port}/v1"
    ways = sdk_ways(base) | httpx_ways(base, "httpx") | httpx_ways(base, "httpx2")
    return ways | httpcore_ways(base) | aiohttp_ways(base) | socket_ways(port) | backend_ways(base)


CLOSE: list = []  # what to close (and await) when the measuring is done


async def measure(
    ways: dict, names: list[str], replies: int, rounds: int, tokens: int, in_flight: int
):
    """CPU ms per reply for each way: the median over ``rounds`` rounds of ``replies``
    replies (``in_flight`` at once), the ways taking turns within a round (so a busy moment
    on a shared machine does not land on one way alone)."""
    cpu: dict[str, list[float]] = {name: [] for name in names}
    wall: dict[str, float] = dict.fromkeys(names, 0.0)
    for name in names:
        expected = (await ways[name]())[1:]  # a warm-up reply, which also checks the way
        assert expected == ("stop", tokens), (name, expected)
    reads: dict[str, int] = dict.fromkeys(names, 0)
    for _ in range(rounds):
        for name in names:
            read, started, clock = ways[name], time.process_time(), time.perf_counter()
            before = Pieces.reads
            for _ in range(0, replies, in_flight):
                for text, *_ in await asyncio.gather(*(read() for _ in range(in_flight))):
                    assert text.count(" ") == tokens, name
            cpu[name].append((time.process_time() - started) / replies * 1000)
            wall[name] += (time.perf_counter() - clock) / replies / rounds
            reads[name] += Pieces.reads - before
    for close in CLOSE:
        await close()
    total = replies * rounds
    return [(n, statistics.median(cpu[n]), wall[n], reads[n] / total) for n in names]


# Parsers alone --------------------------------------------------------------------------------


def parse_only(tokens: int, repeat: int) -> list[tuple]:
    from chat.agent import backends

    events = reply_events(1, tokens)

    def lean():
        pieces, reader = Pieces(), sse.Events()
        for data in events:
            if pieces.events(reader.feed(data)):
                break

    def backend():
        reading = backends._Reading()
        for data in events:
            for _ in reading.feed(data):
                pass
        list(reading.end())

    def sdk():
        import openai
        from openai.types.chat import ChatCompletionChunk

        decoder = openai._streaming.SSEDecoder()
        build = openai._models.construct_type
        for event_ in decoder.iter_bytes(iter(events)):
            if event_.data.startswith("[DONE]"):
                break
            build(type_=ChatCompletionChunk, value=event_.json())

    rows = []
    parsers = {"sdk (decoder + chunk objects)": sdk, "sse.Events + json.loads": lean}
    try:
        backend()
        parsers["backends._Reading (bytes in, pieces out)"] = backend
    except AttributeError:  # before the lean path: _Reading read the SDK's chunk objects
        pass
    for name, parse in parsers.items():
        parse()
        cpu = time.process_time()
        for _ in range(repeat):
            parse()
        rows.append((name, (time.process_time() - cpu) / repeat * 1000, 0.0, len(events)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=5, help="replies per way and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--in-flight", type=int, default=1, help="replies streaming at once")
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--rate", type=float, default=1000.0, help="tokens a second")
    parser.add_argument("--framing", choices=["chunked", "close"], default="chunked")
    parser.add_argument("--ways", nargs="*", help="some of the ways, by name (default: all)")
    parser.add_argument("--tls", action="store_true", help="HTTPS, as hosted endpoints speak")
    parser.add_argument("--parse-only", action="store_true")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cert", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return asyncio.run(serve(args.serve, args.framing, args.tokens, args.rate, args.cert))
    args.replies = -(-args.replies // args.in_flight) * args.in_flight  # whole batches
    if args.parse_only:
        rows = parse_only(args.tokens, args.replies * args.rounds * 4)
    else:
        cert = certificate() if args.tls else None
        if cert:  # the backend's own session trusts what SSL_CERT_FILE names
            global TLS
            os.environ["SSL_CERT_FILE"] = cert
            TLS = ssl.create_default_context(cafile=cert)
        server, port = start_server(args.framing, args.tokens, args.rate, cert)
        try:
            ways = all_ways(port)
            names = args.ways or list(ways)
            run = measure(ways, names, args.replies, args.rounds, args.tokens, args.in_flight)
            rows = asyncio.run(run)
        finally:
            server.kill()
            server.wait()
    if args.tls:
        args.framing += ", TLS"
    if args.in_flight > 1:
        args.framing += f", {args.in_flight} in flight at {args.rate:g}/s"
    print(f"| way ({args.tokens} tokens, {args.framing}) | CPU ms per reply | wall s | reads |")
    print("| --- | ---: | ---: | ---: |")
    for name, cpu, wall, reads in rows:
        print(f"| {name} | {cpu:.1f} | {wall:.2f} | {reads:.0f} |")


if __name__ == "__main__":
    main()
