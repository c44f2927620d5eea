"""The ZIP written as it is read (dashboard/exports/zipstream.py)."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import UTC, datetime

from dashboard.exports.zipstream import FLUSH_BYTES, zip_stream


def test_a_zip_is_written_as_it_is_read_in_bounded_chunks():
    noise = os.urandom(3 * 1024 * 1024)  # does not compress: the worst case for memory

    def pieces():
        for start in range(0, len(noise), 8192):
            yield noise[start : start + 8192]

    when = datetime(2026, 11, 26, tzinfo=UTC)
    chunks = list(zip_stream([("a.csv", pieces()), ("b.csv", iter([b"x,y\r\n"]))], when))
    assert max(len(c) for c in chunks) < FLUSH_BYTES + 64 * 1024
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.read("a.csv") == noise and archive.read("b.csv") == b"x,y\r\n"
    assert archive.getinfo("a.csv").date_time == (2026, 11, 26, 0, 0, 0)
