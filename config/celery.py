from __future__ import annotations

import os

from celery import Celery

from . import kombu_patch

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("dyad")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
kombu_patch.apply()  # a worker survives Redis going away (config/kombu_patch.py)
