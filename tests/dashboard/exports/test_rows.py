"""Export rows are keyed by column name, and the CSV writer lays them out by the columns: a
row with a column missing or one too many is an error, never a shifted file."""

from __future__ import annotations

import re

import pytest

from dashboard.exports import files
from dashboard.exports.catalogue import RECRUITMENT, analysis_tables
from dashboard.exports.cells import in_order
from dashboard.exports.package import CODEBOOK, codebook_rows
from tests.base import DyadTestCase
from tests.dashboard import export_data


class RowKeysTests(DyadTestCase):
    def test_every_files_rows_carry_exactly_its_columns(self):
        export_data.build(self)
        export_data.simulated(self, drift=0.5)  # drift_validation.csv holds pilots only
        tables = (*analysis_tables(()), RECRUITMENT)
        assert {t.name for t in tables} == set(files.ALL_ROWS)  # no row function left out
        for table in tables:
            rows = list(files.table_rows(self.pilot, table.name))
            assert rows, table.name  # the study has data in every file
            for row in rows:
                assert sorted(row) == sorted(table.names), table.name


def test_the_codebooks_rows_carry_exactly_its_columns():
    for row in codebook_rows((*analysis_tables(()), RECRUITMENT, CODEBOOK)):
        assert sorted(row) == sorted(CODEBOOK.names)


def test_cells_come_out_in_the_columns_order_whatever_the_rows_key_order():
    assert list(in_order([{"b": 2, "a": 1}], ["a", "b"])) == [(1, 2)]


@pytest.mark.parametrize(
    ("row", "named"),
    [
        ({"a": 1}, "no ['b']"),
        ({"a": 1, "b": 2, "c": 3}, "unknown ['c']"),
        ({"a": 1, "c": 3}, "no ['b'], unknown ['c']"),
    ],
)
def test_a_row_keyed_otherwise_than_its_columns_is_an_error(row, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        list(in_order([row], ["a", "b"]))
