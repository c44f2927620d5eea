"""Streaming benchmark: N agent replies at once, through the channel layer, to N pages.

A "worker" process streams N fake replies (a fake model emitting tokens at a steady rate)
from threads, as Celery's thread pool would, through Dyad's own send path (chat.layer and,
when batched, streaming.Flusher). A "Daphne" process receives on one channel per page, as
consumers would, and measures how late each delta arrives and whether any went missing.

    python -m bench.stream_bench --layer core --replies 10 50 200
    python -m bench.stream_bench --layer pubsub --per-token --replies 10 50

Needs Redis (REDIS_URL, default redis://127.0.0.1:6379/0). Prints one Markdown table row per
run; docs/benchmarks.md records the results.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
LAYERS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}


def configure(layer: str, redis_url: str) -> None:
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": LAYERS[layer],
            "CONFIG": {
                "hosts": [redis_url],
                "prefix": f"bench{os.environ.setdefault('BENCH_ID', str(os.getpid()))}",
                "capacity": 1000,
            },
        }
    }


def receive(layer_name, redis_url, replies, ready, results, deadline):
    configure(layer_name, redis_url)
    from channels.layers import get_channel_layer

    async def main():
        layer = get_channel_layer()
        channels = []
        for i in range(replies):
            channel = await layer.new_channel()
            await layer.group_add(f"bench.{i}", channel)
            channels.append(channel)
        ready.set()
        lags, count = [], 0

        async def pump(channel):
            nonlocal count
            while time.time() < deadline.value:
                try:
                    event = await asyncio.wait_for(layer.receive(channel), timeout=1)
                except TimeoutError:
                    continue
                if event.get("done"):
                    return
                lags.append(time.time() - event["sent"])
                count += 1

        await asyncio.gather(*(pump(c) for c in channels))
        results.put({"lags": lags, "received": count})

    asyncio.run(main())


def stream_replies(replies: int, tokens: int, rate: float, per_token: bool) -> tuple[int, float]:
    from chat.layer import group_send
    from chat.streaming import Flusher

    sent = [0] * replies

    def reply(i: int) -> None:
        group = f"bench.{i}"

        def send(offset: int, text: str) -> None:
            group_send(
                group, {"type": "agent.delta", "offset": offset, "text": text, "sent": time.time()}
            )
            sent[i] += 1

        flusher = Flusher(0.1)
        time.sleep(i % 10 * 0.01)  # replies do not start in lockstep
        for n in range(tokens):
            time.sleep(1 / rate)
            if per_token:
                send(n, "tok ")
            else:
                flusher.add("tok ")
                if flusher.wait() == 0:
                    send(*flusher.take())
        if flusher.pending:
            send(*flusher.take())
        group_send(group, {"type": "agent.delta", "done": True})

    started = time.monotonic()
    threads = [threading.Thread(target=reply, args=(i,)) for i in range(replies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(sent), time.monotonic() - started


def run(layer: str, replies: int, per_token: bool, tokens: int, rate: float, redis_url: str):
    ctx = mp.get_context("spawn")
    ready, results = ctx.Event(), ctx.Queue()
    deadline = ctx.Value("d", time.time() + tokens / rate + 60)
    receiver = ctx.Process(
        target=receive, args=(layer, redis_url, replies, ready, results, deadline)
    )
    receiver.start()
    ready.wait(60)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    sent, elapsed = stream_replies(replies, tokens, rate, per_token)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    deadline.value = time.time() + 15
    out = results.get(timeout=120)
    receiver.join(30)
    lags = sorted(out["lags"]) or [0.0]
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    return {
        "layer": layer,
        "mode": "per token" if per_token else "batched 100 ms",
        "replies": replies,
        "tokens_per_s": round(replies * tokens / elapsed),
        "layer_msgs_per_s": round(sent / elapsed),
        "sent": sent,
        "received": out["received"],
        "lag_p50_ms": round(statistics.median(lags) * 1000, 1),
        "lag_p95_ms": round(lags[int(len(lags) * 0.95) - 1] * 1000, 1),
        "lag_max_ms": round(lags[-1] * 1000, 1),
        "worker_cpu_s": round(cpu, 2),
        "seconds": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layer", choices=sorted(LAYERS), default="core")
    parser.add_argument("--replies", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--per-token", action="store_true", help="one layer message per token")
    parser.add_argument("--tokens", type=int, default=150, help="tokens per reply")
    parser.add_argument("--rate", type=float, default=25.0, help="tokens per second per reply")
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    configure(args.layer, args.redis)
    columns = [
        "layer",
        "mode",
        "replies",
        "tokens_per_s",
        "layer_msgs_per_s",
        "sent",
        "received",
        "lag_p50_ms",
        "lag_p95_ms",
        "lag_max_ms",
        "worker_cpu_s",
        "seconds",
    ]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for replies in args.replies:
        row = run(args.layer, replies, args.per_token, args.tokens, args.rate, args.redis)
        print("| " + " | ".join(str(row[c]) for c in columns) + " |", flush=True)


if __name__ == "__main__":
    main()
