"""One simulated participant, over the same HTTP and WebSocket interface a browser uses:
entry link (with the pilot's token), consent, PMQ, chat, panel edits and decisions, Finish,
PMQ again, every session, debrief. No Django: httpx and websockets only.

Timing: ``pace`` scales the profile's reading, thinking and typing (1: their own pace; 0: no
waiting). With ``rate`` (messages a minute) the participant writes on a clock, whether or not
the agent has replied (an open-loop load); without it, they wait for each reply (closed loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
import websockets

from . import answers
from .page import Page, read
from .profiles import Profile
from .talk import Talker

REPLY_TIMEOUT = 180.0  # seconds to wait for the agent's reply before counting it as missing
FINAL_CLOSE_CODES = (4403, 4410)  # chat.events: REFUSED, CLOSED (withdrawn): no reconnecting
RETRIED_STATUSES = (500, 502, 503, 504)
QUIET_SYNC_SECONDS = 10.0  # as the page: waiting on a reply and nothing heard, ask again


@dataclass
class Sent:
    """One message and what happened to it, in seconds since it was sent."""

    client_id: str
    text: str
    at: float
    turn: int | None = None
    ack: float | None = None
    first_text: float | None = None
    reply: float | None = None


@dataclass
class Outcome:
    step: str = "entry"  # where they got to: "debrief" when they completed
    condition: str = ""
    sent: list[Sent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    deltas: list[tuple[float, str]] = field(default_factory=list)  # (time.time(), text)
    # Recorded too: every delta frame as (time.monotonic(), reply_to, offset, text, bytes on
    # the wire), and each finished reply as reply_to -> (time.monotonic(), its final text).
    frames: list[tuple[float, int, int, str, int]] = field(default_factory=list)
    replies: dict[int, tuple[float, str]] = field(default_factory=dict)
    pages: list[tuple[float, float]] = field(default_factory=list)  # recorded: asked, answered
    reconnects: int = 0
    retried: list[str] = field(default_factory=list)  # page loads that failed, then worked
    upstreams: list[str] = field(default_factory=list)  # behind nginx: the server per socket

    @property
    def completed(self) -> bool:
        return self.step == "debrief"


Writer = Callable[[Talker, str, bool], Awaitable[str]]


async def offline_writer(talker: Talker, agent_text: str, first: bool) -> str:
    return talker.opening() if first else talker.next_message(agent_text)


class SimulatedParticipant:
    def __init__(
        self,
        base_url: str,
        entry_path: str,
        profile: Profile,
        *,
        effect: answers.Effect | None = None,
        pace: float = 1.0,
        rate: float | None = None,
        duration: float | None = None,
        writer: Writer = offline_writer,
        record: bool = False,
        patience: float = 30.0,
    ):
        self.base = base_url.rstrip("/")
        self.entry = entry_path
        self.profile = profile
        self.talker = Talker(profile)
        self.rng = random.Random(profile.seed ^ 0x5EED)
        self.effect, self.pace, self.rate, self.duration = effect, pace, rate, duration
        self.writer, self.record, self.patience = writer, record, patience
        self.comprehension_tries = 0
        self.out = Outcome()
        self.http = httpx.AsyncClient(
            base_url=self.base, follow_redirects=True, timeout=httpx.Timeout(60, connect=10)
        )

    # -- the journey ----------------------------------------------------------------------

    async def take_part(self) -> Outcome:
        try:
            page = await self.get(self.entry)
            for _ in range(100):  # steps: far more than any study has
                step = self.step_of(page.url)
                self.out.step = step
                if step in ("debrief", "declined", "withdrawn", "wait", "unknown"):
                    break
                page = await getattr(self, "on_" + step)(page)
        except Exception as error:  # recorded, never raised: one participant's trouble
            self.out.errors.append(f"{self.out.step}: {type(error).__name__}: {error}")
        finally:
            await self.http.aclose()
        return self.out

    @staticmethod
    def step_of(url: str) -> str:
        path = urlsplit(url).path
        for marker, step in (
            ("/consent/", "consent"),
            ("/pmq/", "pmq"),
            ("/chat/", "chat"),
            ("/instructions/", "comprehension"),
            ("/wait/", "wait"),
            ("/reveal/", "reveal"),
            ("/debrief/", "debrief"),
            ("/declined/", "declined"),
            ("/withdrawn/", "withdrawn"),
        ):
            if marker in path:
                return step
        return "unknown"

    async def on_consent(self, page: Page) -> Page:
        await self.pause(8)
        return await self.submit(page, page.forms[0], {"decision": "agree"})

    async def on_pmq(self, page: Page) -> Page:
        form = page.form(urlsplit(page.url).path)
        condition = page.data.get("pmq", {}).get("condition", "")
        self.out.condition = condition or self.out.condition
        timepoint = "post" if "/pmq/post/" in page.url else "pre"
        scores = answers.factor_scores(
            self.profile.pmq,
            rng=self.rng,
            timepoint=timepoint,
            condition=self.out.condition,
            effect=self.effect,
        )
        raws = answers.raw_answers(scores, page.items, self.rng)
        await self.pause(len(page.items) * 2.5)
        values = {code: str(raw) for code, raw in raws.items()}
        values |= {code: str(asked) for code, asked in page.checks.items()}  # read, and heeded
        return await self.submit(page, form, values)

    async def on_comprehension(self, page: Page) -> Page:
        """The question about the instructions: each answer in turn, until one is right or
        the tries run out (a simulated person has no better way to know)."""
        await self.pause(15)
        self.comprehension_tries += 1
        return await self.submit(page, page.forms[0], {"choice": str(self.comprehension_tries)})

    async def on_reveal(self, page: Page) -> Page:
        """A deceptive condition's reveal: read, then let their data be used."""
        await self.pause(20)
        return await self.submit(page, page.forms[0], {"decision": "use"})

    async def on_chat(self, page: Page) -> Page:
        chat = page.data.get("chat", {})
        await Conversation(self, page, chat).run()
        finish = page.form("/finish/")
        return await self.submit(page, finish, {})

    # -- HTTP, as a browser -----------------------------------------------------------------

    async def get(self, path: str, **headers) -> Page:
        response = await self.request("GET", path, headers=headers)
        return self.page_of(response)

    async def submit(self, page: Page, form, values: dict, **headers) -> Page:
        data = {**form.fields, **values}
        data["csrfmiddlewaretoken"] = self.http.cookies.get("csrftoken") or page.csrf
        headers = {"Referer": page.url, "Origin": self.base, **headers}
        url = urljoin(page.url, form.action)
        return self.page_of(await self.request("POST", url, data=data, headers=headers))

    async def request(self, method: str, url: str, **options) -> httpx.Response:
        """As a person would: a page that fails to load (no answer, 502-504 from the proxy,
        a 500 while the database restarts) is tried again for ``patience`` seconds, then
        reported."""
        started = time.monotonic()
        for attempt in itertools.count():
            out_of_patience = time.monotonic() - started > self.patience
            try:
                response = await self.http.request(method, url, **options)
            except httpx.TransportError as error:
                if out_of_patience:
                    raise
                self.out.retried.append(f"{method} {url}: {type(error).__name__}")
            else:
                if response.status_code not in RETRIED_STATUSES or out_of_patience:
                    if self.record:  # for load runs: when each page (or form) was loading
                        self.out.pages.append((started, time.monotonic()))
                    return response
                self.out.retried.append(f"{method} {url}: HTTP {response.status_code}")
            await asyncio.sleep(min(2**attempt, 8) * self.rng.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    def page_of(self, response: httpx.Response) -> Page:
        if response.status_code >= 500 or response.status_code in (403, 404):
            raise RuntimeError(f"HTTP {response.status_code} for {response.request.url}")
        if response.status_code >= 400:
            self.out.errors.append(f"HTTP {response.status_code} for {response.request.url}")
        return read(str(response.url), response.text)

    async def pause(self, seconds: float) -> None:
        if self.pace > 0 and seconds > 0:
            await asyncio.sleep(seconds * self.pace)


class Conversation:
    """The chat page: one socket, messages written as the profile says, replies awaited (or
    not: ``rate``), the panel used now and then."""

    def __init__(self, who: SimulatedParticipant, page: Page, chat: dict):
        self.who, self.page = who, page
        self.ws_url = _ws_url(who.base, chat["ws-path"])
        self.panel_url = chat.get("panel-url")
        self.agent_text = ""
        self.status: dict = {}
        self.pending: dict[str, Sent] = {}
        self.replied = asyncio.Event()
        self.synced = asyncio.Event()
        self.identity_changed = False
        self.closed = False
        self.socket = None
        self.last_turn = 0  # the transcript's last turn this page has
        self.resends = 0  # messages sent again after a server_error, since the last ack
        self.later_at = 0.0  # when to send again what a slow_down refused (loop time)
        self.answered = 0  # the latest participant turn an agent reply has answered
        self.heard = time.monotonic()  # when the last frame came
        self.frame_bytes = 0  # the size of the frame being handled, for recorded runs

    async def run(self) -> None:
        connection = asyncio.create_task(self.stay_connected())
        try:
            await asyncio.wait_for(self.synced.wait(), 120)
            if self.who.rate:
                await self.open_loop()
            else:
                await self.closed_loop()
        finally:
            connection.cancel()
            await asyncio.gather(connection, return_exceptions=True)

    async def stay_connected(self) -> None:
        """As the page does: connect, ask for what was missed, send every message not yet
        acknowledged (same client ids), read; on a lost socket, reconnect with backoff."""
        cookie = "; ".join(f"{k}={v}" for k, v in self.who.http.cookies.items())
        delay = 0.5
        while not self.closed:
            socket = None
            try:
                async with websockets.connect(
                    self.ws_url,
                    origin=self.who.base,
                    additional_headers={"Cookie": cookie},
                    open_timeout=10,
                ) as socket:
                    self.socket, delay = socket, 0.5
                    upstream = socket.response.headers.get("X-Dyad-Upstream")
                    if upstream:
                        self.who.out.upstreams.append(upstream)
                    await self.resume()
                    await self.read()
            except (OSError, TimeoutError, websockets.exceptions.WebSocketException):
                pass
            if socket is not None and socket.close_code in FINAL_CLOSE_CODES:
                self.closed = True
            self.socket = None
            if self.closed:
                break
            self.who.out.reconnects += 1
            await asyncio.sleep(delay * self.who.rng.uniform(0.5, 1.5))
            delay = min(delay * 2, 10.0)
        self.replied.set()

    def resume_at(self, at: float) -> None:
        if self.later_at == at:  # no later slow_down came meanwhile
            asyncio.ensure_future(self.resume())

    async def resume(self) -> None:
        await self.transmit({"type": "sync", "after": self.last_turn})
        for sent in list(self.pending.values()):
            if sent.ack is None:
                await self.transmit(self.frame_of(sent))

    async def transmit(self, frame: dict) -> None:
        """Send now if connected; a message that cannot be is sent again on reconnecting."""
        if self.socket is not None:
            with contextlib.suppress(websockets.exceptions.ConnectionClosed):
                await self.socket.send(json.dumps(frame))

    @staticmethod
    def frame_of(sent: Sent) -> dict:
        return {"type": "message", "client_id": sent.client_id, "text": sent.text}

    def wanted(self) -> int:
        return max(self.who.profile.messages, int(self.status.get("min_turns") or 1))

    async def closed_loop(self) -> None:
        for n in range(self.wanted()):
            if self.closed:
                return
            await self.who.pause(self.who.talker.reading_seconds(self.agent_text))
            sent = await self.send(first=n == 0)
            await self.await_reply(sent)
            await self.use_panel()

    async def open_loop(self) -> None:
        interval = 60.0 / self.who.rate
        started = time.monotonic()
        n = 0
        while not self.closed and (
            n < self.wanted() or time.monotonic() - started < (self.who.duration or 0)
        ):
            await self.send(first=n == 0, typing=False)
            n += 1
            await asyncio.sleep(interval * self.who.rng.uniform(0.8, 1.2))
        for sent in list(self.pending.values()):
            await self.await_reply(sent)

    async def send(self, *, first: bool, typing: bool = True) -> Sent:
        text = await self.who.writer(self.who.talker, self.agent_text, first)
        if typing:
            await self.who.pause(self.who.talker.writing_seconds(text))
        self.who.talker.history.append(("participant", text))
        sent = Sent(uuid.uuid4().hex, text, time.monotonic())
        self.pending[sent.client_id] = sent
        self.who.out.sent.append(sent)
        self.replied.clear()
        await self.transmit(self.frame_of(sent))
        return sent

    async def await_reply(self, sent: Sent) -> None:
        deadline = sent.at + REPLY_TIMEOUT
        while sent.reply is None and not self.closed and time.monotonic() < deadline:
            self.replied.clear()
            try:
                wait = min(QUIET_SYNC_SECONDS, max(0.1, deadline - time.monotonic()))
                await asyncio.wait_for(self.replied.wait(), wait)
            except TimeoutError:
                if time.monotonic() - self.heard >= QUIET_SYNC_SECONDS:
                    await self.transmit({"type": "sync", "after": self.last_turn})
                    self.heard = time.monotonic()
        if sent.reply is None and not self.closed:
            self.who.out.errors.append(f"no reply to {sent.client_id} within {REPLY_TIMEOUT:.0f} s")

    async def read(self) -> None:
        async for raw in self.socket:
            self.heard = time.monotonic()
            self.frame_bytes = len(raw.encode() if isinstance(raw, str) else raw)
            frame = json.loads(raw)
            handler = getattr(self, "on_" + frame["type"], None)
            if handler:
                handler(frame)

    # -- frames ---------------------------------------------------------------------------

    def on_history(self, frame: dict) -> None:
        self.status = frame["status"] or self.status
        for m in frame["messages"]:
            self.on_message({"message": m})
        if frame["more"]:
            after = frame["messages"][-1]["turn"]
            asyncio.ensure_future(self.transmit({"type": "sync", "after": after}))
        else:
            self.synced.set()

    def on_ack(self, frame: dict) -> None:
        self.resends = 0
        sent = self.pending.get(frame["client_id"])
        if sent and sent.ack is None:
            sent.ack, sent.turn = time.monotonic() - sent.at, frame["turn"]
            if sent.turn <= self.answered:  # a resend acked after its reply came (reconnect)
                self._replied(sent, time.monotonic())
                self.replied.set()
        self.status = frame["status"]

    def on_delta(self, frame: dict) -> None:
        if self.who.record:  # for load runs: when each piece of text reached the page
            self.who.out.deltas.append((time.time(), frame["text"]))
            self.who.out.frames.append(
                (time.monotonic(), frame["reply_to"], frame["offset"], frame["text"],
                 self.frame_bytes)
            )  # fmt: skip
        self._first_text(frame["reply_to"])

    def on_agent(self, frame: dict) -> None:
        if frame["agent"].get("text"):
            self._first_text(frame["agent"]["reply_to"])

    def on_message(self, frame: dict) -> None:
        m = frame["message"]
        self.last_turn = max(self.last_turn, m["turn"])
        if m["sender"] != "agent":
            return
        self.agent_text = m["text"]
        self.who.talker.history.append(("agent", m["text"]))
        if m.get("reply_to") is None:
            return
        if self.who.record:
            self.who.out.replies[m["reply_to"]] = (time.monotonic(), m["text"])
        self.answered = max(self.answered, m["reply_to"])
        now = time.monotonic()
        for sent in list(self.pending.values()):
            if sent.turn is not None and sent.turn <= m["reply_to"]:
                self._replied(sent, now)
        self.replied.set()

    def _replied(self, sent: Sent, now: float) -> None:
        sent.first_text = sent.first_text if sent.first_text is not None else now - sent.at
        sent.reply = now - sent.at
        self.pending.pop(sent.client_id, None)

    def on_identity(self, frame: dict) -> None:
        self.identity_changed = True

    def on_error(self, frame: dict) -> None:
        if frame["code"] == "slow_down":  # as the page: all not yet stored, when told
            self.who.out.retried.append(f"frame {frame.get('client_id') or 'sync'}: slow_down")
            loop = asyncio.get_running_loop()
            at = loop.time() + frame["retry_after"]
            if self.later_at < at:  # one resend, after the latest time given
                self.later_at = at
                loop.call_at(at, self.resume_at, at)
            return
        if frame["code"] == "server_error":
            # As the page: tried again a little later, every message not yet stored (the
            # same client ids) and a request for whatever was missed.
            self.who.out.retried.append(f"frame {frame.get('client_id') or 'sync'}: server_error")
            self.resends += 1
            delay = min(2**self.resends, 15) * self.who.rng.uniform(0.5, 1.0)
            loop = asyncio.get_running_loop()
            loop.call_later(delay, lambda: asyncio.ensure_future(self.resume()))
            return
        self.who.out.errors.append(f"error frame {frame['code']}: {frame['message']}")

    def on_closed(self, frame: dict) -> None:
        self.closed = True
        self.replied.set()

    def _first_text(self, reply_to: int) -> None:
        now = time.monotonic()
        for sent in self.pending.values():
            if sent.turn is not None and sent.turn <= reply_to and sent.first_text is None:
                sent.first_text = now - sent.at

    # -- the panel ------------------------------------------------------------------------

    async def use_panel(self) -> None:
        if not self.panel_url:
            return
        edit = self.who.talker.edit()
        if not self.identity_changed and edit is None:
            return
        self.identity_changed = False
        panel = await self.who.get(self.panel_url, **{"HX-Request": "true"})
        panel.csrf = panel.csrf or self.page.csrf
        for form in [f for f in panel.forms if "/identity/proposals/" in f.action]:
            decision = "accept" if self.who.talker.accepts() else "reject"
            await self.who.pause(3)
            await self.who.submit(panel, form, {"decision": decision}, **{"HX-Request": "true"})
        editable = {f.fields.get("target"): f for f in panel.forms if f.fields.get("target")}
        if edit and edit[0] in editable:
            await self.who.pause(6)
            form = editable[edit[0]]
            await self.who.submit(panel, form, {"value": edit[1]}, **{"HX-Request": "true"})


def _ws_url(base: str, path: str) -> str:
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{path}"
