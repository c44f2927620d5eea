"""Agent turns as tasks on an event loop, not a thread each: a reply waits on the network.

One ``TurnRunner`` per process, on a thread of its own: in each Daphne process (the turns
of the participants whose sockets it holds: always on the embedded default, and on real
services unless ``DYAD_TURNS_IN=worker``) and in each Celery worker (the task hands the turn
over and returns). It runs at most ``DYAD_TURNS_PER_PROCESS`` turns at once, beats the hearts of the
turns it holds (one UPDATE for all of them), and reaps turns nobody holds any more: a turn
whose heart stopped for ``DYAD_TURN_LOST_SECONDS`` seconds (its process died mid-turn)
is claimed, once, and started again. A turn is idempotent: its reply is stored once.

A turn's ``home`` is the loop the pages' consumers live on (Daphne's, which is not
thread-safe): with the in-memory layer (embedded default) its notifications are sent there;
with Redis they are handed there to the sockets of this process (``layer.agroup_send_near``).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import background, drafts
from .layer import home_loop, socket_loop
from .models import AgentTurn
from .services.agent import agent_turn_arun, agent_turn_run

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 2


class TurnRunner:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        # Its own database threads (``DYAD_TURN_DB_THREADS`` connections at most), not the
        # process's one shared ORM thread that Daphne's pages queue on.
        threads = ThreadPoolExecutor(settings.DYAD_TURN_DB_THREADS, thread_name_prefix="dyad-db")
        self.db = partial(database_sync_to_async, thread_sensitive=False, executor=threads)
        self.alive: set[int] = set()  # the prompted message ids of the turns it holds
        self.tasks: set[asyncio.Task] = set()
        self.home: asyncio.AbstractEventLoop | None = None  # the last one a turn came from
        threading.Thread(target=self._serve, name="dyad-turns", daemon=True).start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.limit = asyncio.Semaphore(settings.DYAD_TURNS_PER_PROCESS)
        self._keep(self.loop.create_task(self._heartbeats()))
        self._keep(self.loop.create_task(self._reaper()))
        self.loop.run_forever()

    def submit(self, message_id: int, home: asyncio.AbstractEventLoop | None = None) -> None:
        """Start a turn (from any thread); ``home``: the loop its notifications go to."""
        self.home = home or self.home
        self.loop.call_soon_threadsafe(self._spawn, message_id, home or self.home)

    def _spawn(self, message_id: int, home) -> None:
        # A fresh context, not the submitter's: a page's thread inside ``sync_to_async`` marks
        # its context as holding the single ORM thread, and a copy would refuse to use it.
        context = contextvars.Context()
        context.run(home_loop.set, home)
        self._keep(self.loop.create_task(self._run(message_id), context=context))

    def _keep(self, task: asyncio.Task) -> None:
        self.tasks.add(task)  # a reference until done, or the loop may drop it
        task.add_done_callback(self.tasks.discard)

    async def _run(self, message_id: int) -> None:
        self.alive.add(message_id)  # its heart beats while it waits for a place, too
        try:
            async with self.limit:
                await agent_turn_arun(message_id, db=self.db)
        except Exception:  # its heart stops: it is reaped, and started again, later
            log.exception("Agent turn for message %s failed", message_id)
        finally:
            self.alive.discard(message_id)

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            if self.alive:
                try:
                    await self.db(_beat)(list(self.alive))
                except Exception:
                    log.warning("Heartbeat of %s turns failed", len(self.alive), exc_info=True)

    async def _reaper(self) -> None:
        interval = max(1.0, min(10.0, settings.DYAD_TURN_LOST_SECONDS / 3))
        while True:
            await asyncio.sleep(interval)
            try:
                home_loop.set(self.home)  # a turn started again goes where the last one came from
                for message_id in await self.db(stale_turns_claim)():
                    log.warning("Restarting the stalled agent turn for message %s", message_id)
                    await self.db(_restart)(message_id)
            except Exception:
                log.warning("Reaping stale turns failed", exc_info=True)

    def running(self) -> list[asyncio.Task]:
        return [t for t in list(self.tasks) if not t.done() and t.get_coro().__name__ == "_run"]

    def drain(self, timeout: float = 60) -> None:
        """Wait (from another thread) for every turn started so far (tests)."""

        async def wait() -> None:
            while running := self.running():
                await asyncio.gather(*running, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(wait(), self.loop).result(timeout)


def _beat(message_ids: list[int]) -> None:
    in_flight = (AgentTurn.Status.QUEUED, AgentTurn.Status.RUNNING)
    turns = AgentTurn.objects.filter(prompted_id__in=message_ids, status__in=in_flight)
    turns.update(heartbeat_at=timezone.now())


def _restart(message_id: int) -> None:
    background.start(background.AGENT_TURN, message_id=message_id)


def stale_turns_claim() -> list[int]:
    """The prompted message ids of turns in flight whose heart stopped longer ago than the
    ``DYAD_TURN_LOST_SECONDS``, each claimed by this call alone (its heartbeat moved to now)."""
    cutoff = timezone.now() - timedelta(seconds=settings.DYAD_TURN_LOST_SECONDS)
    in_flight = Q(status__in=(AgentTurn.Status.QUEUED, AgentTurn.Status.RUNNING))

    def stale():
        return AgentTurn.objects.alias(beat=Coalesce("heartbeat_at", "queued_at")).filter(
            in_flight, beat__lt=cutoff
        )

    claimed = []
    for turn_id, message_id in stale().values_list("pk", "prompted_id")[:100]:
        if stale().filter(pk=turn_id).update(heartbeat_at=timezone.now()):
            _interrupted_note(turn_id)
            claimed.append(message_id)
    return claimed


def _interrupted_note(turn_id: int) -> None:
    """Note on a lost turn what its reply had shown when its process stopped (the draft),
    before it starts again: the session review lists it with the turn's errors, and the page
    keeps showing it until the new reply's text replaces it."""
    turn = AgentTurn.objects.select_related("prompted").get(pk=turn_id)
    if turn.status != AgentTurn.Status.RUNNING:
        return  # queued, never started: nothing was shown
    shown = drafts.text_for(turn.prompted.session_id, turn.prompted.turn)
    entry = {
        "at": timezone.now().isoformat(),
        "attempt": turn.attempts,
        "error": f"interrupted: the process running the turn stopped after {len(shown)} "
        "characters of the reply had been shown; it was started again",
        "permanent": False,
        "shown": shown,
    }
    AgentTurn.objects.filter(pk=turn_id).update(errors=[*turn.errors, entry])


_runner: tuple[int, TurnRunner] | None = None
_lock = threading.Lock()


def process_runner() -> TurnRunner:
    """This process's runner, made on first use (a forked child makes its own)."""
    global _runner
    with _lock:
        if _runner is None or _runner[0] != os.getpid():
            _runner = (os.getpid(), TurnRunner())
        return _runner[1]


def _home() -> asyncio.AbstractEventLoop | None:
    """The loop a turn started from here notifies: the one it came from (a page's, or the
    reaper's), else the sockets' loop when started on it."""
    loop = background.event_loop()
    return home_loop.get() or (loop if loop is not None and loop is socket_loop() else None)


def _turn_run(*, message_id: int) -> None:
    """An agent turn in this process: on its runner under Daphne, inline where there is no
    event loop (a command, a test)."""
    loop = background.event_loop()
    if loop is None and settings.CELERY_TASK_ALWAYS_EAGER:
        agent_turn_run(message_id=message_id)
    else:
        # The embedded default's pages live on the sockets' loop whichever loop starts it.
        home = _home() or socket_loop() or loop
        process_runner().submit(message_id, home)


def _turn_stays_here(*, message_id: int) -> bool:
    """Real services: a turn started in a process that holds sockets runs on its runner
    (``DYAD_TURNS_IN=socket``), its text reaching them without Redis; else on a worker."""
    home = _home()
    return settings.DYAD_TURNS_IN == "socket" and home is not None and home.is_running()


def register() -> None:
    """How this process runs agent turns (``background``); ``ChatConfig.ready``."""
    background.register(background.Job(background.AGENT_TURN, run=_turn_run, here=_turn_stays_here))


def drain(timeout: float = 60) -> None:
    """Wait for this process's turns, if it has a runner (tests)."""
    if _runner is not None and _runner[0] == os.getpid():
        _runner[1].drain(timeout)
