"""A turn's streamed text reaches the sockets of the process it runs in without a trip
through Redis, and still reaches a socket in another process (a researcher watching from
another Daphne) through the layer, each page getting every piece once."""

from __future__ import annotations

import asyncio
from unittest import mock

import pytest
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


def test_only_the_copy_this_process_sent_through_the_layer_is_skipped():
    assert layer.from_here({"type": events.DELTA_EVENT, "origin": layer.origin()})
    assert not layer.from_here({"type": events.DELTA_EVENT, "origin": "another process"})
    assert not layer.from_here({"type": events.DELTA_EVENT})
