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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CHARACTERS = frozenset(FORMULA_START)
JSON_TYPES = ("object", "array", "any")
PLAIN = ("string", "integer")  # written by the CSV writer once neutralised


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def iso_utc(moment: datetime) -> str:
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")[:26] + "Z"  # drops "+00:00"


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
    """Rows of values as CSV bytes, every value formatted by its column's type.

    The same cells as ``cell`` (a test holds them equal), faster: the writer turns ``None``
    into an empty cell and writes text and whole numbers as they are, so only cells that
    change are touched (an export spends most of its time here).
    """
    texts = [i for i, kind in enumerate(kinds) if kind == "string"]
    numbers = [i for i, kind in enumerate(kinds) if kind == "integer"]
    others = [(i, FORMATS[kind]) for i, kind in enumerate(kinds) if kind not in PLAIN]
    width = len(kinds)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        if len(row) != width:
            raise ValueError(f"A row of {len(row)} values for {width} columns.")
        out = list(row)
        for i in texts:
            value = out[i]
            if value is not None:
                if type(value) is not str:
                    value = out[i] = str(value)
                if value[:1] in FORMULA_CHARACTERS:
                    out[i] = "'" + value
        for i in numbers:
            value = out[i]
            if value is not None and type(value) is not int:
                out[i] = str(int(value))
        for i, format_ in others:
            value = out[i]
            if value is not None:
                out[i] = format_(value)
        writer.writerow(out)
    return buffer.getvalue().encode("utf-8")


def in_order(rows: Iterable[Mapping], names: Sequence[str]) -> Iterator[tuple]:
    """Each row's values in the order of ``names``: rows are keyed by column name, so the
    column definitions alone decide the order. A row without one of the columns, or with
    one the table does not define, is a programming error, raised here."""
    values, width = itemgetter(*names), len(names)
    for row in rows:
        if len(row) != width:
            raise _mismatch(row, names)
        try:
            laid_out = values(row)
        except KeyError:
            raise _mismatch(row, names) from None
        yield laid_out


def _mismatch(row: Mapping, names: Sequence[str]) -> ValueError:
    missing = [n for n in names if n not in row]
    extra = [k for k in row if k not in names]
    return ValueError(f"A row keyed otherwise than its columns: no {missing}, unknown {extra}.")


def header(names: Sequence[str]) -> bytes:
    return encode([names], ["string"] * len(names))
