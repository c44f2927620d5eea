"""One fix to kombu's Redis transport, applied where Celery is configured (config/celery.py).

When Redis goes away while a worker holds messages it has not acknowledged, Celery closes the
channel, and closing restores those messages to their queue. With the connection already
gone, kombu fails there with ``AttributeError: 'NoneType' object has no attribute
'hostname'`` (the shape of celery/kombu#582 and #970), which Celery treats as unrecoverable:
the worker stops, and every turn it was running stops with it. Seen in the fault suite's
Redis restart. Here restoring gives up quietly instead: the messages stay in Redis's unacked
set (kombu restores them after its visibility timeout), the database keeps the turns, and
the reaper starts any turn that stays queued; the worker reconnects as Celery intends.
"""

from __future__ import annotations

import logging

from kombu.transport import redis

log = logging.getLogger(__name__)
_restore_unacked = redis.QoS.restore_unacked


def restore_unacked(self, client=None):
    try:
        return _restore_unacked(self, client)
    except AttributeError:
        log.warning("Redis is gone: unacknowledged messages are left for it to restore later")
        return None


def apply() -> None:
    redis.QoS.restore_unacked = restore_unacked
