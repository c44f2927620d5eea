"""The baseline: a bare Channels echo server (no Django views, no database, no channel
layer), measured with the same kind of client in the same run as Dyad.

    daphne bench.echo:application        # the server
    python -m bench.echo --url ws://127.0.0.1:8100/ws/echo/ --clients 20 --seconds 20
    python -m bench.echo --url ... --clients 500 --rate 3 --seconds 60   # open loop

Each frame is answered with an ack of the same shape Dyad's chat sends; the client reports
acks a second and the time to each ack (p50, p90, p99, max in ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class Echo(AsyncWebsocketConsumer):
    channel_layer_alias = "none"  # no layer: the bare socket

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data)
        ack = {"type": "ack", "client_id": frame.get("client_id"), "turn": 1, "status": {}}
        await self.send(json.dumps(ack))


application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/echo/", Echo.as_asgi())])})


async def drive(url: str, clients: int, seconds: float, rate: float | None) -> dict:
    """``clients`` sockets for ``seconds``: each sends, waits for its ack and sends again
    (closed loop), or with ``rate`` sends that many frames a minute on a clock (open loop)."""
    import websockets

    from dashboard.simulate.run import percentiles

    latencies: list[float] = []
    ends = time.monotonic() + seconds

    async def one(n: int) -> None:
        async with websockets.connect(url, open_timeout=60) as socket:
            if rate:
                await asyncio.sleep(random.uniform(0, 60 / rate))
            while time.monotonic() < ends:
                sent = time.monotonic()
                await socket.send(json.dumps({"type": "message", "client_id": f"{n}-{sent}"}))
                await socket.recv()
                latencies.append(time.monotonic() - sent)
                if rate:
                    await asyncio.sleep(60 / rate * random.uniform(0.8, 1.2))

    started = time.monotonic()
    await asyncio.gather(*(one(n) for n in range(clients)))
    return {
        "clients": clients,
        "acks_per_s": round(len(latencies) / (time.monotonic() - started), 1),
        "ack_ms": percentiles(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=None)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(drive(args.url, args.clients, args.seconds, args.rate))))


if __name__ == "__main__":
    main()
