"""How values become cells and files become a ZIP: pure, no database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.exports.cells import cell, encode, neutralise


def test_text_a_spreadsheet_would_run_gets_an_apostrophe():
    for text in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("x")']:
        assert neutralise(text) == "'" + text
    for text in ["hello", "'quoted", "a=b", " =1", ""]:
        assert neutralise(text) == text


def test_only_text_cells_are_neutralised_so_numbers_stay_numbers():
    assert cell(-1.5, "number") == "-1.5"
    assert cell(-2, "integer") == "-2"
    assert cell("-2", "string") == "'-2"
    assert cell(4.33333333, "number") == "4.3333"


def test_times_are_iso_8601_in_utc_and_missing_values_are_empty():
    paris = timezone(timedelta(hours=1))
    assert cell(datetime(2026, 3, 1, 13, 5, 6, 7, tzinfo=paris), "datetime") == (
        "2026-03-01T12:05:06.000007Z"
    )
    assert cell(None, "datetime") == cell(None, "integer") == cell(None, "string") == ""
    assert cell(True, "boolean") == "true" and cell(False, "boolean") == "false"


def test_json_cells_keep_unicode_and_sort_keys():
    assert cell({"b": "é", "a": [1]}, "object") == '{"a": [1], "b": "é"}'
    assert cell("Nova", "any") == '"Nova"'


def test_rows_follow_rfc_4180():
    data = encode([["a,b", 'say "hi"', "two\nlines"]], ["string"] * 3)
    assert data == b'"a,b","say ""hi""","two\nlines"\r\n'


VALUES = {
    "string": st.one_of(st.text(), st.integers()),
    "integer": st.one_of(st.integers(), st.booleans()),
    "number": st.floats(allow_nan=False, allow_infinity=False),
    "boolean": st.booleans(),
    "datetime": st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))])),
    "object": st.dictionaries(st.text(), st.integers()),
    "array": st.lists(st.text()),
}
KINDS = list(VALUES)


@given(st.lists(st.tuples(*(st.none() | VALUES[kind] for kind in KINDS)), max_size=5))
def test_whole_rows_come_out_cell_by_cell(rows):
    # encode() formats rows in bulk for speed; each of its cells is still exactly cell().
    parsed = list(csv.reader(io.StringIO(encode(rows, KINDS).decode("utf-8"), newline="")))
    assert parsed == [
        [cell(value, kind) for value, kind in zip(row, KINDS, strict=True)] for row in rows
    ]


def test_a_row_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match="2 values for 1 columns"):
        encode([("a", 1)], ["string"])
