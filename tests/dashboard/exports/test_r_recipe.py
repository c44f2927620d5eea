"""The README's R recipe (docs/read_dyad.R) reads a real export with Debian's R and readr as
an analyst would: every file, every column with its declared type, empty cells NA, the
formula apostrophe taken off. CI installs R (DYAD_REQUIRE_R=1: a missing R fails there)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.dashboard import export_data
from tests.dashboard.exports.test_files import ExportTestCase

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
CHECKS = r"""
source(file.path(Sys.getenv("DYAD_ROOT"), "docs", "read_dyad.R"))
dyad <- read_dyad(Sys.getenv("DYAD_EXPORT"))
p <- dyad$participants
m <- dyad$messages
out <- list(
  tables = sort(names(dyad)),
  rows = lapply(dyad, nrow),
  simulated = class(p$is_simulated),
  entered = class(p$entered_at)[1],
  tz = attr(p$entered_at, "tzone"),
  sessions = class(p$sessions_finished),
  score = class(dyad$pmq_scores$hlc),
  empty_is_na = any(is.na(p$completed_at)),
  no_empty_text = !any(m$text == "", na.rm = TRUE),
  formula = m$text[grepl("HYPERLINK", m$text)][1]
)
cat(jsonlite::toJSON(out, auto_unbox = TRUE))
"""


@pytest.mark.skipif(
    not shutil.which("Rscript") and not os.environ.get("DYAD_REQUIRE_R"),
    reason="R is not installed (apt-get install r-base-core r-cran-readr r-cran-jsonlite)",
)
class RRecipeTests(ExportTestCase):
    def test_r_reads_every_file_with_its_declared_types(self):
        result = subprocess.run(
            ["Rscript", "-e", CHECKS],
            env={**os.environ, "DYAD_ROOT": ROOT, "DYAD_EXPORT": str(self.dir)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        read = json.loads(result.stdout)
        expected = sorted(r["name"] for r in self.package["resources"] if "schema" in r)
        assert read["tables"] == expected
        for name, rows in read["rows"].items():
            assert rows == len(self.read(f"{name}.csv")), name
        assert (read["simulated"], read["entered"], read["tz"]) == ("logical", "POSIXct", "UTC")
        assert (read["sessions"], read["score"]) == ("integer", "numeric")
        assert read["empty_is_na"] and read["no_empty_text"]
        assert read["formula"] == export_data.FORMULA  # the CSV's apostrophe is gone
