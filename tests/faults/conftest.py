"""The fault suite's stack: Dyad as ``make serve`` runs it (two Daphne processes and Celery
workers behind nginx, on PostgreSQL and Redis), on a database of its own, a Redis of its own
(so restarting it disturbs nothing else), a fake streaming LLM (replies of 2 s, so a fault
lands mid-stream), and a relay standing for the participants' network (tests/faults/link.py).

Run by ``make faults`` (``pytest -p no:django tests/faults``): this process configures
Django itself, on the stack's database, to create pilots and check what was stored.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from bench.stack import ROOT, Stack, configure, environment, fresh_database
from tests.faults.link import Link

PORT = 8300  # nginx; Daphnes on 8301, 8302
LINK_PORT = 8400
REDIS_PORT = 6391
LLM_PORT = 8998
ENV = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/dyad_faults",
    "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "CHANNEL_PREFIX": "faults",
    "CELERY_QUEUE": "faults",
    "DYAD_TURN_LOST_SECONDS": "5",
    "DYAD_LLM_BASE_URL": f"http://127.0.0.1:{LLM_PORT}/v1",
    "DYAD_LLM_MODEL": "fake",
    "LOG_LEVEL": "INFO",
}
LOGS = ROOT / "bench" / "results" / "faults"


class Redis:
    """A redis-server of the suite's own, restartable (nothing saved: a restart loses all)."""

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--maxclients", "10000"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            ping = ["redis-cli", "-p", str(REDIS_PORT), "ping"]
            if subprocess.run(ping, capture_output=True).stdout.strip() == b"PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)

    def restart(self, after: float = 1.0) -> None:
        self.kill()
        time.sleep(after)
        self.start()


@pytest.fixture(scope="session")
def redis():
    for tool in ("nginx", "redis-server", "redis-cli", "psql", "pg_ctlcluster"):
        if shutil.which(tool) is None:
            pytest.fail(f"The fault suite needs {tool} (apt-get install nginx redis postgresql)")
    server = Redis()
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def study(redis):
    """The demo study, on the fake LLM, in the suite's fresh database."""
    LOGS.mkdir(parents=True, exist_ok=True)
    fresh_database("real", environment("real", ENV))
    configure("real", ENV)
    from studies import demo

    study, _ = demo.ensure_demo()
    return study


@pytest.fixture(scope="session")
def llm():
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.fake_llm", "--port", str(LLM_PORT), "--tokens", "40",
         "--rate", "20"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1)
    yield process
    process.terminate()


@pytest.fixture
def stack(request, study, llm):
    """Two Daphnes and one worker behind nginx (tests start more, or kill some). A test
    parametrized indirectly gives settings of its own (``{"DYAD_TURNS_IN": "worker"}``)."""
    logs = LOGS / request.node.name
    shutil.rmtree(logs, ignore_errors=True)
    env = {**ENV, **getattr(request, "param", {})}
    with Stack(
        "real", daphnes=2, workers=1, cpus="", proxy=True, fresh=False, port=PORT, env=env,
        worker_args=("--pool=threads", "--concurrency=4"), logs=logs,
    ) as running:  # fmt: skip
        yield running


@pytest.fixture
def link(stack):
    with Link(LINK_PORT, to=PORT) as relay:
        yield relay
