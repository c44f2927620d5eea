"""The participants' network: a TCP relay between the simulated participants and the proxy
that can cut every connection (as a phone losing its signal does) and stay down a while.

    with Link(8400, to=8300) as link:   # participants use http://127.0.0.1:8400
        link.cut()                      # every open connection reset, new ones work
        link.down(120)                  # reset, and new connections refused for 120 s
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time


class Link:
    def __init__(self, port: int, *, to: int):
        self.port, self.target = port, to
        self.loop = asyncio.new_event_loop()
        self.writers: set[asyncio.StreamWriter] = set()
        self.websockets: set[asyncio.StreamWriter] = set()  # the clients' ends of those
        self.down_until = 0.0
        self.cuts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Link:
        started = threading.Event()
        failed: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            try:
                self.server = self.loop.run_until_complete(
                    asyncio.start_server(self.relay, "127.0.0.1", self.port, backlog=1024)
                )
            except OSError as error:
                failed.append(error)
                return
            finally:
                started.set()
            self.loop.run_forever()
            self.server.close()
            self.loop.run_until_complete(self._cut())
            self.loop.close()

        self.thread = threading.Thread(target=serve, name="link", daemon=True)
        self.thread.start()
        started.wait(10)
        if failed:
            raise RuntimeError(f"The link cannot listen on {self.port}: {failed[0]}")
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def cut(self) -> int:
        """Reset every connection open now; returns how many of them were WebSockets."""
        done = asyncio.run_coroutine_threadsafe(self._cut(), self.loop)
        return done.result(10)

    def down(self, seconds: float) -> int:
        """Offline: every connection reset, and new ones refused, for ``seconds``."""
        self.down_until = time.monotonic() + seconds
        return self.cut()

    @property
    def sockets(self) -> int:
        """WebSocket connections open now."""
        return len(self.websockets)

    async def _cut(self) -> int:
        writers, self.writers = list(self.writers), set()
        sockets, self.websockets = len(self.websockets), set()
        for writer in writers:
            writer.transport.abort()
        self.cuts += 1
        return sockets

    async def relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if time.monotonic() < self.down_until:
            writer.transport.abort()
            return
        try:
            first = await reader.read(65536)
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.transport.abort()
            return
        if first.startswith(b"GET /ws/"):
            self.websockets.add(writer)
        self.writers |= {writer, up_writer}
        up_writer.write(first)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}
        self.websockets.discard(writer)


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError, RuntimeError):
        writer.close()
