"""A turn's streamed text reaches the sockets of the process it runs in without a trip
through Redis, and still reaches a socket in another process (a researcher watching from
another Daphne) through the layer, each page getting every piece once."""

from __future__ import annotations

import asyncio
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from chat import events, layer
from tests.chat.sockets import ConsumerTestCase

pubsub_only = pytest.mark.skipif(
    "pubsub" not in settings.CHANNEL_LAYERS["default"]["BACKEND"],
    reason="the pub/sub layer on Redis (REDIS_URL) is what near delivery saves trips through",
)


@pubsub_only
class NearDeliveryTests(ConsumerTestCase):
    async def delta(self, offset: int, text: str) -> None:
        """What a turn running in this process sends (its home is this loop)."""
        token = layer.home_loop.set(self.loop)
        try:
            await events.abroadcast_delta(self.session.pk, 2, offset, text)
        finally:
            layer.home_loop.reset(token)

    async def test_text_reaches_a_page_here_without_going_through_redis(self):
        self.loop = asyncio.get_running_loop()
        layer._elsewhere.clear()
        page, connected, _ = await self.connect()
        assert connected
        with mock.patch.object(layer, "agroup_send", wraps=layer.agroup_send) as through_redis:
            await self.delta(0, "Hel")
            frame = await self.receive_until(page, lambda f: f["type"] == "delta", timeout=3)
        assert frame == {"type": "delta", "reply_to": 2, "offset": 0, "text": "Hel"}
        assert through_redis.call_count == 0
        await page.disconnect()

    async def test_a_socket_elsewhere_gets_it_through_redis_and_the_page_here_once(self):
        self.loop = asyncio.get_running_loop()
        layer._elsewhere.clear()
        page, connected, _ = await self.connect()
        assert connected
        # Another Daphne: a layer of its own, so a connection of its own to Redis.
        config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
        elsewhere = RedisPubSubChannelLayer(**config)
        watcher = await elsewhere.new_channel()
        await elsewhere.group_add(events.group_name(self.session.pk), watcher)
        try:
            await self.delta(0, "Hel")
            await self.delta(3, "lo")
            first = await self.receive_until(page, lambda f: f["type"] == "delta", timeout=3)
            second = await self.receive_until(page, lambda f: f["type"] == "delta", timeout=3)
            seen = [await asyncio.wait_for(elsewhere.receive(watcher), 3) for _ in range(2)]
        finally:
            await elsewhere.group_discard(events.group_name(self.session.pk), watcher)
            await elsewhere.flush()
        assert [first["text"], second["text"]] == ["Hel", "lo"]  # not "Hel" twice
        assert [(e["offset"], e["text"]) for e in seen] == [(0, "Hel"), (3, "lo")]
        assert await page.receive_nothing(timeout=0.5)  # no third delta: the copy was skipped
        await page.disconnect()

    async def test_a_socket_joining_elsewhere_mid_reply_gets_the_next_piece(self):
        self.loop = asyncio.get_running_loop()
        layer._elsewhere.clear()
        page, connected, _ = await self.connect()
        assert connected
        group = events.group_name(self.session.pk)
        await self.delta(0, "Hel")  # alone in the group: kept so for a second
        await self.receive_until(page, lambda f: f["type"] == "delta", timeout=3)
        config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
        elsewhere = RedisPubSubChannelLayer(**config)
        watcher = await elsewhere.new_channel()
        await elsewhere.group_add(group, watcher)
        await layer.announce_join(elsewhere, group)  # what its consumer does on joining
        try:
            for _ in range(25):  # the page here hears of it and forgets the answer
                if group not in layer._elsewhere:
                    break
                await asyncio.sleep(0.02)
            assert group not in layer._elsewhere, "still trusting that nobody else is there"
            await self.delta(3, "lo")
            seen = []
            while not seen or seen[-1]["type"] != events.DELTA_EVENT:
                seen.append(await asyncio.wait_for(elsewhere.receive(watcher), 3))
        finally:
            await elsewhere.group_discard(group, watcher)
            await elsewhere.flush()
        assert (seen[-1]["offset"], seen[-1]["text"]) == (3, "lo")  # within the second
        await page.disconnect()

    async def test_a_turns_reply_goes_the_way_of_its_text_so_it_comes_after_it(self):
        self.loop = asyncio.get_running_loop()
        layer._elsewhere.clear()
        page, connected, _ = await self.connect()
        assert connected
        idle = {
            "type": events.AGENT_EVENT,
            "session": self.session.pk,
            "agent": events.agent_data("idle"),
        }
        token = layer.home_loop.set(self.loop)
        try:
            channel_layer = get_channel_layer()
            sent = channel_layer.group_send
            with mock.patch.object(channel_layer, "group_send", wraps=sent) as redis:
                await events.abroadcast_delta(self.session.pk, 2, 0, "Hello")
                # the turn's database step, on a thread, as its reply is stored
                await sync_to_async(layer.group_send)(events.group_name(self.session.pk), idle)
                ours = lambda f: f["type"] in ("delta", "agent")  # noqa: E731
                frames = [await self.receive_until(page, ours, timeout=3)]
                frames.append(await self.receive_until(page, ours, timeout=3))
        finally:
            layer.home_loop.reset(token)
        assert [f["type"] for f in frames] == ["delta", "agent"]
        assert redis.call_count == 0
        await page.disconnect()


def test_only_the_copy_this_process_sent_through_the_layer_is_skipped():
    assert layer.from_here({"type": events.DELTA_EVENT, "origin": layer.origin()})
    assert not layer.from_here({"type": events.DELTA_EVENT, "origin": "another process"})
    assert not layer.from_here({"type": events.DELTA_EVENT})
