"""Whole export files, each read inside one consistent snapshot of the database.

``zip_download``, ``file_download`` and ``analysis_files`` are plain generators of bytes (the
management command writes them to disk); ``on_own_thread`` turns one into the async iterator
a streamed HTTP response needs under ASGI.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from django.db import connection
from django.utils import timezone

from studies.models import Preregistration, Study
from studies.preregistration import markdown
from studies.text import whole_number

from .catalogue import RECRUITMENT, analysis_tables, outcome_label
from .cells import encode, header, in_order, iso_utc
from .columns import Table
from .inventory_rows import INVENTORY_ROWS
from .measure_rows import MEASURE_ROWS
from .package import (
    CODEBOOK,
    DESIGN_FILE,
    PLAN_FILES,
    codebook_rows,
    descriptor_bytes,
    design_rows,
    plan_rows,
)
from .rating_rows import RATING_ROWS
from .rows import ROWS, people, who_they_are
from .zipstream import zip_stream

ROWS_PER_CHUNK = 500
ALL_ROWS = {**ROWS, **MEASURE_ROWS, **RATING_ROWS, **INVENTORY_ROWS}
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
    return who_they_are(study, ALL_ROWS[name](study))


class Selection(NamedTuple):
    """Whose rows an export holds: everyone (``codes`` None), people only, or one pilot's
    simulated participants."""

    label: str
    codes: frozenset[str] | None = None


EVERYONE = Selection("everyone: people and every pilot's simulated participants")


class NoSuchSelection(LookupError):
    """A ``?pilot=`` that names nothing in this study."""


def selection(study: Study, pilot: str | None) -> Selection:
    """``pilot``: absent or "all", everyone; "people", people only; a pilot's number, its
    simulated participants. Anything else: NoSuchSelection."""
    if pilot in (None, "", "all"):
        return EVERYONE
    exported = people(study)
    if pilot == "people":
        codes = exported.filter(is_simulated=False).values_list("code", flat=True)
        return Selection("people only (no simulated participants)", frozenset(codes))
    number = whole_number(pilot)
    if number and study.pilots.filter(pk=number).exists():
        codes = exported.filter(pilot_id=number).values_list("code", flat=True)
        return Selection(f"the simulated participants of pilot {pilot}", frozenset(codes))
    raise NoSuchSelection(
        f"No pilot {pilot[:20]!r} in this study: choose people, all, or a pilot's number."
    )


def analysis_files(
    study: Study, created: datetime, only: Selection = EVERYONE
) -> Iterator[tuple[str, Iterator[bytes]]]:
    """Every file of the analysis ZIP as ``(name, chunks)``, with the rows of ``only``;
    nothing is read until asked. A study with a locked plan adds it (``PLAN_FILES``)."""
    tables = analysis_tables(list(study.conditions.values_list("name", flat=True)))
    for table in tables:
        rows = table_rows(study, table.name)
        if only.codes is not None:
            rows = (row for row in rows if row["participant"] in only.codes)
        yield table.name, csv_chunks(table, rows)
    plan = Preregistration.objects.locked_of(study)
    if plan is not None:
        text, data = _plan_files(study, plan)
        yield PLAN_FILES[0], iter([text.encode()])
        yield PLAN_FILES[1], iter([_json_bytes(data)])
    yield DESIGN_FILE, iter([_json_bytes(_designs(study))])
    extra = design_rows() + (plan_rows(plan.plan_hash, plan.design_version) if plan else [])
    yield CODEBOOK.name, csv_chunks(CODEBOOK, codebook_rows((*tables, CODEBOOK), extra))
    about = _about(study, created) | {"selection": only.label, "plan": _plan_about(plan)}
    yield "datapackage.json", iter([descriptor_bytes(tables, about)])


def _json_bytes(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def _designs(study: Study) -> dict:
    """design.json: every published version of the design, as it was published."""
    versions = study.versions.order_by("number").values(
        "number", "design_hash", "created_at", "design"
    )
    return {
        "study": study.slug,
        "versions": [
            {
                "number": v["number"],
                "design_hash": v["design_hash"],
                "published": iso_utc(v["created_at"]),
                "design": v["design"],
            }
            for v in versions
        ],
    }


def _plan_about(plan: Preregistration | None) -> dict | None:
    if plan is None:
        return None
    return {
        "planHash": plan.plan_hash,
        "designHash": plan.design_hash,
        "designVersion": plan.design_version,
        "locked": iso_utc(plan.locked_at),
        "deviations": [
            {
                "created": iso_utc(d.created_at),
                "designVersion": d.design_version,
                "designHash": d.design_hash,
                "changed": d.changed,
                "by": d.created_by.username if d.created_by else "a deleted user",
                "why": d.why,
            }
            for d in plan.deviations.select_related("created_by")
        ],
    }


def _plan_files(study: Study, plan: Preregistration) -> tuple[str, dict]:
    """The locked plan as preregistration.md and preregistration.json."""
    about = {
        "title": study.title,
        "slug": study.slug,
        "locked_at": iso_utc(plan.locked_at),
        "locked_by": plan.locked_by.username if plan.locked_by else "a deleted user",
        "plan_hash": plan.plan_hash,
        "design_hash": plan.design_hash,
        "design_version": plan.design_version,
        "outcome_label": outcome_label(plan.plan["primary_outcome"]),
    }
    data = {"plan": plan.plan, **{k: v for k, v in about.items() if k != "outcome_label"}}
    return markdown(plan.plan, about), data


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


# The analysis ZIP's files, in order; any of them can be downloaded alone. A study with a
# locked plan has PLAN_FILES too, before the design and the codebook.
FILE_NAMES = (
    *(t.name for t in analysis_tables(())),
    DESIGN_FILE,
    CODEBOOK.name,
    "datapackage.json",
)
DOWNLOADABLE = (*FILE_NAMES, *PLAN_FILES)


def zip_download(study_id: int, pilot: str | None = None) -> Iterator[bytes]:
    with snapshot():
        study = Study.objects.get(pk=study_id)
        created = timezone.now()
        yield from zip_stream(analysis_files(study, created, selection(study, pilot)), created)


def file_download(study_id: int, name: str, pilot: str | None = None) -> Iterator[bytes]:
    """One file of the analysis ZIP, or the restricted recruitment file."""
    with snapshot():
        study = Study.objects.get(pk=study_id)
        if name == RECRUITMENT.name:
            yield from csv_chunks(RECRUITMENT, table_rows(study, name))
            return
        for member, chunks in analysis_files(study, timezone.now(), selection(study, pilot)):
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
