"""How one value becomes one CSV cell, and rows become bytes. Pure: no Django imports.

UTF-8 without a byte-order mark, RFC 4180 (comma, double quotes, CRLF line ends), ISO 8601
times in UTC, empty cells for missing values. Text that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
apostrophe, as OWASP advises against CSV injection. Only free-text columns are touched:
numbers and JSON are written by Dyad itself.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
JSON_TYPES = ("object", "array", "any")


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


FORMATS = {
    "string": lambda value: neutralise(str(value)),
    "datetime": iso_utc,
    "boolean": lambda value: "true" if value else "false",
    "integer": lambda value: str(int(value)),
    "number": lambda value: repr(round(float(value), 4)),
    **dict.fromkeys(JSON_TYPES, _json),
}


def cell(value, kind: str) -> str:
    """The text of one cell for a value of the given Frictionless field type."""
    return "" if value is None else FORMATS[kind](value)


def encode(rows: Iterable[Sequence], kinds: Sequence[str]) -> bytes:
    """Rows of values as CSV bytes, every value formatted by its column's type."""
    formats = [FORMATS[kind] for kind in kinds]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else f(v) for v, f in zip(row, formats, strict=True)])
    return buffer.getvalue().encode("utf-8")


def header(names: Sequence[str]) -> bytes:
    return encode([names], ["string"] * len(names))
