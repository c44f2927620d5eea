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


def cell(value, kind: str) -> str:
    """The text of one cell for a value of the given Frictionless field type."""
    if value is None or value == "" and kind != "string":
        return ""
    if kind == "string":
        return neutralise(str(value))
    if kind == "datetime":
        return iso_utc(value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "integer":
        return str(int(value))
    if kind == "number":
        return repr(round(float(value), 4))
    if kind in JSON_TYPES:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    raise ValueError(f"Unknown column type {kind!r}.")


def encode(rows: Iterable[Sequence], kinds: Sequence[str]) -> bytes:
    """Rows of values as CSV bytes, every value formatted by its column's type."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(value, kind) for value, kind in zip(row, kinds, strict=True)])
    return buffer.getvalue().encode("utf-8")


def header(names: Sequence[str]) -> bytes:
    return encode([names], ["string"] * len(names))
