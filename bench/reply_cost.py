"""What one streamed reply costs the server, measured around the chat phase only: a timeline
of every server process's CPU, the chat window read from the simulated participants'
outcomes, and the delta frames each reply took to reach the page.

Used by ``python -m bench.load replies``; docs/benchmarks.md has the results.
"""

from __future__ import annotations

import bisect
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict

from bench.stack import PostgresCpu, Stack, redis_pid

# Not the server's: busy seconds of each core, the load process itself, someone else's
# databases. Shown beside the server's CPU (how busy the box was), never counted in it.
NOT_SERVER = ("core0", "core1", "steal", "client", "postgres_other_db")
SYSTEM = ":system"  # "<process>:system": the part of its CPU spent in the kernel


class CpuTimeline:
    """Every ``interval`` seconds while a run lasts: CPU seconds so far of each of the stack's
    processes (children included), of the Redis server and of PostgreSQL's processes (see
    ``PostgresCpu``), stamped with ``time.monotonic()`` (the clock the simulated client uses),
    so the CPU between any two moments of the run can be read off by interpolation."""

    def __init__(self, stack: Stack, interval: float = 0.25):
        self.stack, self.interval = stack, interval
        self.postgres = PostgresCpu()
        self.redis = redis_pid(stack.env["REDIS_URL"])
        self.probe: SpeedProbe | None = None
        self.times: list[float] = []
        self.samples: list[dict[str, float]] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self) -> CpuTimeline:
        self.probe = SpeedProbe(self.stack.cpus)
        self.sample()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()
        self.sample()
        self.probe.stop()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        import psutil

        cpu = {}
        for name, usage in self.stack.usage().items():
            cpu[name], cpu[name + SYSTEM] = usage["cpu_s"], usage["system_s"]
        redis = psutil.Process(self.redis).cpu_times()
        cpu["redis"], cpu["redis" + SYSTEM] = redis.user + redis.system, redis.system
        cpu |= self.postgres.read()
        for i, core in enumerate(psutil.cpu_times(percpu=True)[:2]):
            cpu[f"core{i}"] = core.user + core.nice + core.system + core.irq + core.softirq
        cpu["steal"] = psutil.cpu_times().steal  # time the host gave this box's cores away
        own = psutil.Process().cpu_times()
        cpu["client"] = own.user + own.system
        self.times.append(time.monotonic())
        self.samples.append(cpu)

    def at(self, moment: float) -> dict[str, float]:
        """Each process's CPU seconds so far at ``moment``, interpolated between samples."""
        i = min(max(bisect.bisect_left(self.times, moment), 1), len(self.times) - 1)
        t0, t1 = self.times[i - 1], self.times[i]
        share = 0.0 if t1 == t0 else min(max((moment - t0) / (t1 - t0), 0.0), 1.0)
        before, after = self.samples[i - 1], self.samples[i]
        return {k: before.get(k, 0.0) + share * (v - before.get(k, 0.0)) for k, v in after.items()}

    def idle(self, seconds: float = 3.0) -> dict[str, float]:
        """CPU each process uses a second while nothing happens (ms), over ``seconds``."""
        start = time.monotonic()
        time.sleep(seconds)
        end = time.monotonic()
        time.sleep(2 * self.interval)  # a sample past the end
        spent = self.between(start, end)
        return {k: round(1000 * v / (end - start), 1) for k, v in spent.items()}

    def between(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds each process used from ``start`` to ``end``."""
        first, last = self.at(start), self.at(end)
        return {k: v - first.get(k, 0.0) for k, v in last.items()}

    def largest_gap(self, start: float, end: float) -> float:
        """The longest time between two samples around [start, end] (how well it is read)."""
        inside = [t for t in self.times if start - 1 <= t <= end + 1]
        return max((b - a for a, b in zip(inside, inside[1:], strict=False)), default=0.0)


def chat_window(outcomes) -> tuple[float, float]:
    """From the moment the last participant sent their first message to the moment the first
    participant got their last reply: everyone is in the chat throughout. Each participant
    loads the chat page before their first message and leaves it (Finish, the PMQ again,
    debrief) only after their last reply, so no journey page falls inside."""
    chatting = [o for o in outcomes if o.sent]
    start = max(o.sent[0].at for o in chatting)
    end = min(
        max((s.at + s.reply for s in o.sent if s.reply is not None), default=start)
        for o in chatting
    )
    return start, end


def pages_inside(outcomes, start: float, end: float) -> int:
    """HTTP requests (pages, forms, the panel) that were loading at some moment inside."""
    return sum(asked < end and answered > start for o in outcomes for asked, answered in o.pages)


def replies_inside(
    outcomes, start: float, end: float, *, to_last_delta: bool = False, seconds: bool = False
) -> float:
    """Replies' worth of streaming inside [start, end]: each reply's span, from its message
    being sent to its final text on the page (``to_last_delta``: to its last delta frame),
    counts by the fraction of it inside (``seconds``: by its seconds inside)."""
    total = 0.0
    for outcome in outcomes:
        last_delta = {}
        for at, reply_to, *_ in outcome.frames:
            last_delta[reply_to] = at
        for sent in outcome.sent:
            if sent.reply is None:
                continue
            finish = sent.at + sent.reply
            if to_last_delta:
                finish = last_delta.get(sent.turn, finish)
            if finish <= sent.at:
                continue
            inside = max(0.0, min(end, finish) - max(start, sent.at))
            total += inside if seconds else inside / (finish - sent.at)
    return total


def frames_per_reply(outcomes) -> dict:
    """The delta frames of every finished reply: how many, their size on the wire, frames
    per second of streaming (first to last delta), and whether the text the page builds
    from them (``text`` replaces everything from ``offset`` on) is the reply's final text:
    wrong (not even its beginning), or cut short (its beginning: a page whose socket dropped
    mid-reply has the rest from the final message, so nothing is lost to the reader)."""
    counts, sizes, rates, wrong, short, gaps = [], [], [], 0, 0, 0
    for outcome in outcomes:
        frames = defaultdict(list)
        for at, reply_to, offset, text, size in outcome.frames:
            frames[reply_to].append((at, offset, text, size))
        for reply_to, (_, final) in outcome.replies.items():
            mine = frames.get(reply_to, [])
            counts.append(len(mine))
            sizes.extend(size for *_, size in mine)
            if len(mine) > 1 and mine[-1][0] > mine[0][0]:
                rates.append((len(mine) - 1) / (mine[-1][0] - mine[0][0]))
            draft, gap = applied(mine)
            gaps += gap
            draft, final = draft.strip(), final.strip()
            wrong += not final.startswith(draft)
            short += final.startswith(draft) and draft != final
    return {
        "replies": len(counts),
        "frames_per_reply_mean": round(statistics.fmean(counts), 1) if counts else None,
        "frames_per_reply_p50": statistics.median(counts) if counts else None,
        "frame_bytes_mean": round(statistics.fmean(sizes), 1) if sizes else None,
        "frames_per_s_of_reply_p50": round(statistics.median(rates), 1) if rates else None,
        "frames_per_s_of_reply_max": round(max(rates), 1) if rates else None,
        "replies_text_wrong": wrong,
        "replies_deltas_cut_short": short,
        "replies_with_gaps": gaps,
    }


def applied(frames: list[tuple[float, int, str, int]]) -> tuple[str, bool]:
    """The draft as the page builds it from delta frames, and whether it had to mark a gap
    (a frame starting past the end of what the page had)."""
    draft, gap = "", False
    for _, offset, text, _ in frames:
        gap = gap or offset > len(draft)
        draft = draft[:offset] + text
    return draft, gap


def cost(outcomes, timeline: CpuTimeline) -> dict:
    """CPU per reply over the chat window, per process and in total, with the window."""
    start, end = chat_window(outcomes)
    if end <= start:
        return {"window_s": round(end - start, 2), "error": "no moment when all were chatting"}
    replies = replies_inside(outcomes, start, end)
    cpu = timeline.between(start, end)
    server = {k: v for k, v in cpu.items() if k not in NOT_SERVER and SYSTEM not in k}
    system = {k.removesuffix(SYSTEM): v for k, v in cpu.items() if SYSTEM in k}
    per_reply = ms_each(server | {"total": sum(server.values())}, replies)
    busy = cpu["core0"] + cpu["core1"]
    others = busy - sum(server.values()) - cpu["client"]
    return {
        "window_s": round(end - start, 2),
        "window_from_first_send_s": round(start - min(s.at for o in outcomes for s in o.sent), 2),
        "replies_in_window": round(replies, 1),
        "replies_in_window_to_last_delta": round(
            replies_inside(outcomes, start, end, to_last_delta=True), 1
        ),
        "replies_per_s": round(replies / (end - start), 2),
        "replies_in_flight_mean": round(
            replies_inside(outcomes, start, end, seconds=True) / (end - start), 1
        ),
        "page_requests_in_window": pages_inside(outcomes, start, end),
        "cpu_s_in_window": {k: round(v, 2) for k, v in server.items()},
        "cpu_ms_per_reply": per_reply,
        "of_which_kernel_ms_per_reply": ms_each(system, replies),
        # How busy the box was meanwhile (seconds in the window): both cores, this client,
        # and the rest (the fake model, other people's work, the kernel).
        "machine_s_in_window": {
            "core0_busy": round(cpu["core0"], 2),
            "core1_busy": round(cpu["core1"], 2),
            "steal": round(cpu["steal"], 2),
            "client": round(cpu["client"], 2),
            "others": round(others, 2),
            "postgres_other_db": round(cpu.get("postgres_other_db", 0.0), 2),
        },
        "largest_sample_gap_s": round(timeline.largest_gap(start, end), 2),
        "speed_probe": timeline.probe.between(start, end),
    }


def ms_each(seconds: dict[str, float], count: float) -> dict[str, float]:
    return {k: round(1000 * v / count, 1) for k, v in seconds.items()}


PROBE = """
import json, sys, time
choice = {"index": 0, "delta": {"content": "w1x1 "}, "finish_reason": None}
chunk = json.dumps({"id": "c", "object": "chat.completion.chunk", "choices": [choice]})
while True:
    started = time.process_time()
    for _ in range(5000):
        delta = json.loads(chunk)["choices"][0]["delta"]
        {**delta, "text": "".join(delta["content"].split())}
    print(time.monotonic(), 1000 * (time.process_time() - started), flush=True)
    time.sleep(float(sys.argv[1]))
"""


class SpeedProbe:
    """How fast the server's core runs plain Python while a run lasts: every ``period``
    seconds, the CPU ms of a fixed piece of work (decoding 5,000 chunks), in a process pinned
    as the server is (about 1% of that core). This box is a VM whose speed drifts with its
    host: the same work has taken from 62 to 143 ms in one afternoon, and every process's CPU
    per reply drifts with it, so runs are compared with this beside them."""

    def __init__(self, cpus: str, period: float = 2.0):
        command = [sys.executable, "-c", PROBE, str(period)]
        self.process = subprocess.Popen(
            ["taskset", "-c", cpus, *command] if cpus else command,
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.readings: list[tuple[float, float]] = []  # (time.monotonic(), ms)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self) -> None:
        for line in self.process.stdout:
            at, ms = line.split()
            self.readings.append((float(at), float(ms)))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)

    def between(self, start: float, end: float) -> dict:
        inside = sorted(ms for at, ms in self.readings if start <= at <= end)
        if not inside:
            return {"n": 0}
        return {"n": len(inside), "p50_ms": round(statistics.median(inside), 1),
                "best_ms": round(inside[0], 1), "worst_ms": round(inside[-1], 1)}  # fmt: skip
