"""A Celery worker survives Redis going away while it holds unacknowledged messages (the
fault suite's Redis restart once stopped the worker: config/kombu_patch.py)."""

from __future__ import annotations

import os

import pytest
from kombu import Connection
from kombu.transport import redis

import config.celery  # noqa: F401  (configuring Celery applies the fix, as in a worker)
from config import kombu_patch

REDIS_URL = os.environ.get("REDIS_URL", "")


def test_the_worker_applies_the_fix():
    assert redis.QoS.restore_unacked is kombu_patch.restore_unacked


@pytest.mark.skipif(not REDIS_URL, reason="needs Redis (REDIS_URL), as real-services runs have")
def test_closing_a_channel_whose_broker_is_gone_no_longer_stops_the_worker():
    connection = Connection(REDIS_URL)
    try:
        qos = connection.default_channel.qos
        qos._delivered["a-message-not-yet-acknowledged"] = None
        connection.default_channel.connection.client = None  # what a lost connection leaves
        with pytest.raises(AttributeError, match="hostname"):  # kombu as it is
            kombu_patch._restore_unacked(qos)
        assert kombu_patch.restore_unacked(qos) is None  # Dyad's: gives up quietly
    finally:
        qos._delivered.clear()
