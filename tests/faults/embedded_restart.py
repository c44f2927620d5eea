"""The embedded default killed mid-reply (``kill -9``) and started again, as a laptop pilot
would be: run in a process of its own (``python -m tests.faults.embedded_restart``), since
the rest of the fault suite's process is configured for PostgreSQL. Prints what it saw as
JSON for tests/faults/test_embedded_restart.py to check.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.stack import PYTHON, ROOT, Stack, configure

PORT = 8320
LLM_PORT = 8997
LOST_SECONDS = 5
REPLY_SECONDS = 6  # 120 tokens at 20 a second: the kill lands mid-reply
SQLITE = Path(tempfile.gettempdir()) / "dyad-faults-embedded.sqlite3"
ENV = {
    "SQLITE_PATH": str(SQLITE),
    "DYAD_DRAFTS_DIR": str(SQLITE.parent / "dyad-faults-embedded-drafts"),
    "DYAD_TURN_LOST_SECONDS": str(LOST_SECONDS),
    "DYAD_LLM_BASE_URL": f"http://127.0.0.1:{LLM_PORT}/v1",
    "DYAD_LLM_MODEL": "fake",
    "LOG_LEVEL": "INFO",
}


async def streaming(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=10) as client:
        while time.monotonic() < deadline:
            if (await client.get(f"http://127.0.0.1:{LLM_PORT}/stats")).json()["in_flight"]:
                return
            await asyncio.sleep(0.1)
    raise AssertionError("no reply streaming within a minute")


def main() -> dict:
    configure("embedded", ENV)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE}{suffix}").unlink(missing_ok=True)
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    import django

    django.setup()
    from chat.models import AgentTurn, Message
    from studies import demo
    from tests.faults.load import assert_whole, pilot_for, take_part

    study, _ = demo.ensure_demo()
    llm = subprocess.Popen(
        [PYTHON, "-m", "bench.fake_llm", "--port", str(LLM_PORT), "--tokens", "120", "--rate",
         "20"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    logs = ROOT / "bench" / "results" / "faults" / "embedded_restart"
    try:
        with Stack(
            "embedded", daphnes=1, cpus="", fresh=False, port=PORT, env=ENV, logs=logs
        ) as stack:
            pilot, entry = pilot_for(study, 1, stack.url)

            async def run():
                load = asyncio.create_task(take_part(stack.url, entry, 1, messages=2))
                await streaming()
                await asyncio.sleep(2.5)  # past the first draft kept (once a second)
                await asyncio.to_thread(stack.kill, "daphne0")
                killed = time.time()
                await asyncio.sleep(1)
                await asyncio.to_thread(stack.start_daphne, 0)
                return killed, await load

            killed, outcomes = asyncio.run(run())
            assert_whole(pilot, outcomes)
    finally:
        llm.terminate()
    turns = AgentTurn.objects.filter(prompted__session__participant__pilot=pilot)
    interrupted = [t for t in turns if any(e["error"].startswith("interrupted") for e in t.errors)]
    notes = [e for t in interrupted for e in t.errors if e["error"].startswith("interrupted")]
    replies = Message.objects.filter(reply_to__in=[t.prompted_id for t in interrupted])
    return {
        "interrupted_notes": len(notes),
        "shown_characters": [len(e["shown"]) for e in notes],
        "reply_after_kill_s": [round(m.created_at.timestamp() - killed, 1) for m in replies],
        "reaped_within_s": LOST_SECONDS + max(1.0, min(10.0, LOST_SECONDS / 3)) + REPLY_SECONDS,
    }


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
    os._exit(0)
