"""A scratch SQLite database for a benchmark that runs Django in its own process: the
embedded default in a temporary folder, migrated. Call before importing any model."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sqlite_django(name: str) -> Path:
    """Set Django up on a fresh ``<tmp>/<name>.sqlite3``; returns its path."""
    sys.path.insert(0, str(ROOT))
    for variable in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(variable, None)
    path = Path(tempfile.mkdtemp(prefix=f"dyad-{name}-")) / f"{name}.sqlite3"
    os.environ["SQLITE_PATH"] = str(path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return path
