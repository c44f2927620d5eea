"""Whole export files, each read inside one consistent snapshot of the database.

``zip_download``, ``file_download`` and ``analysis_files`` are plain generators of bytes (the
management command writes them to disk); ``on_own_thread`` turns one into the async iterator
a streamed HTTP response needs under ASGI.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path

from django.db import connection
from django.utils import timezone

from studies.models import Study

from .catalogue import RECRUITMENT, analysis_tables
from .cells import encode, header, in_order, iso_utc
from .columns import Table
from .measure_rows import MEASURE_ROWS
from .package import CODEBOOK, codebook_rows, descriptor_bytes
from .rows import ROWS, flag_simulated
from .zipstream import zip_stream

ROWS_PER_CHUNK = 500
ALL_ROWS = {**ROWS, **MEASURE_ROWS}
BEGIN = {
    "postgresql": "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    # Deferred: a reader in WAL mode sees one snapshot and never blocks a writer.
    "sqlite": "BEGIN DEFERRED",
}


@contextmanager
def snapshot():
    """One consistent read for everything inside: a live study's files still agree with
    each other. Inside a transaction already (tests), that transaction is the snapshot."""
    if connection.in_atomic_block or connection.vendor not in BEGIN:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(BEGIN[connection.vendor])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")


def csv_chunks(table: Table, rows: Iterable[Mapping]) -> Iterator[bytes]:
    """The file: its header, then its rows (keyed by column name) in the table's column
    order, ROWS_PER_CHUNK at a time."""
    yield header(table.names)
    cells = in_order(rows, table.names)
    while batch := list(islice(cells, ROWS_PER_CHUNK)):
        yield encode(batch, table.types)


def table_rows(study: Study, name: str) -> Iterator[dict]:
    """The rows of one file, keyed by column name. Every analysis file says of each row
    whether its participant was simulated; recruitment.csv holds people only."""
    if name == RECRUITMENT.name:
        return ROWS[name](study)
    return flag_simulated(study, ALL_ROWS[name](study))


def analysis_files(study: Study, created: datetime) -> Iterator[tuple[str, Iterator[bytes]]]:
    """Every file of the analysis ZIP as ``(name, chunks)``; nothing is read until asked."""
    tables = analysis_tables(list(study.conditions.values_list("name", flat=True)))
    for table in tables:
        yield table.name, csv_chunks(table, table_rows(study, table.name))
    yield CODEBOOK.name, csv_chunks(CODEBOOK, codebook_rows((*tables, CODEBOOK)))
    yield "datapackage.json", iter([descriptor_bytes(tables, _about(study, created))])


def _about(study: Study, created: datetime) -> dict:
    versions = study.versions.values("number", "design_hash", "created_at")
    return {
        "slug": study.slug,
        "title": study.title,
        "created": iso_utc(created),
        "withdrawal": study.withdrawal,
        "design_versions": [
            {"number": v["number"], "hash": v["design_hash"], "created": iso_utc(v["created_at"])}
            for v in versions
        ],
    }


# The analysis ZIP's files, in order; any of them can be downloaded alone.
FILE_NAMES = (*(t.name for t in analysis_tables(())), CODEBOOK.name, "datapackage.json")


def zip_download(study_id: int) -> Iterator[bytes]:
    with snapshot():
        study = Study.objects.get(pk=study_id)
        created = timezone.now()
        yield from zip_stream(analysis_files(study, created), created)


def file_download(study_id: int, name: str) -> Iterator[bytes]:
    """One file of the analysis ZIP, or the restricted recruitment file."""
    with snapshot():
        study = Study.objects.get(pk=study_id)
        if name == RECRUITMENT.name:
            yield from csv_chunks(RECRUITMENT, table_rows(study, name))
            return
        for member, chunks in analysis_files(study, timezone.now()):
            if member == name:
                yield from chunks
                return
        raise LookupError(f"No export file called {name!r}.")


def export_to(
    study_id: int, directory: Path, *, as_zip: bool = False, recruitment: bool = False
) -> list[Path]:
    """Write the export into ``directory`` (the files, or one ZIP of them), from one
    snapshot; each file appears whole or not at all. Returns the paths written."""
    written = []
    with snapshot():
        study = Study.objects.get(pk=study_id)
        created = timezone.now()
        members = analysis_files(study, created)
        if as_zip:
            members = [(download_name(study, ".zip"), zip_stream(members, created))]
        if recruitment:
            members = [
                *members,
                (RECRUITMENT.name, csv_chunks(RECRUITMENT, table_rows(study, RECRUITMENT.name))),
            ]
        for name, chunks in members:
            written.append(_write(directory / name, chunks))
    return written


def _write(path: Path, chunks: Iterable[bytes]) -> Path:
    partial = path.with_name(path.name + ".part")
    with partial.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    partial.replace(path)
    return path


def download_name(study: Study, suffix: str) -> str:
    return f"dyad-{study.slug}-{timezone.now():%Y%m%dT%H%M%SZ}{suffix}"


async def on_own_thread(produce: Callable[[], Iterator[bytes]]) -> AsyncIterator[bytes]:
    """The chunks of a sync producer that reads the database, produced on a thread of its own.

    Its own thread means its own database connection: the producer holds its snapshot for
    the whole download without touching the one thread every other ORM call of this process
    shares, and it runs only as far as the client has read (memory stays a chunk deep).
    """
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dyad-export") as thread:
        chunks = await loop.run_in_executor(thread, produce)
        try:
            while (chunk := await loop.run_in_executor(thread, next, chunks, None)) is not None:
                yield chunk
        finally:
            await loop.run_in_executor(thread, _finish, chunks)


def _finish(chunks: Iterator[bytes]) -> None:
    chunks.close()  # ends the snapshot
    close_connection()


def close_connection() -> None:
    """Close this thread's database connection (a thread that ends leaves it open)."""
    connection.close()
