"""An analyst's independent recomputation (tests/recompute.py: docs/data.md and the export's
files, no Dyad code) agrees with every number it checks in a real export."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.dashboard.exports.test_files import ExportTestCase
from tests.recompute import recompute


class RecomputeTests(ExportTestCase):
    def test_the_exports_alone_reproduce_the_scores_and_measures(self):
        done = recompute(self.dir)
        assert done.problems == [] and done.compared > 150

    def test_a_number_that_does_not_follow_the_docs_is_reported(self):
        scores = self.dir / "pmq_scores.csv"
        lines = scores.read_text().splitlines(keepends=True)
        cells = lines[1].split(",")
        cells[8] = str(float(cells[8]) + 0.01)  # hlc of the first administration
        scores.write_text(lines[0] + ",".join(cells) + "".join(lines[2:]))
        script = Path(__file__).with_name("recompute.py")
        result = subprocess.run(
            [sys.executable, str(script), str(self.dir)], capture_output=True, text=True
        )
        assert result.returncode == 1 and "pmq_scores" in result.stdout and "hlc" in result.stdout


class InventoryRecomputeTests(ExportTestCase):
    """The agent's inventory, from agent_inventory.csv with pandas and docs/data.md alone."""

    def test_trait_scores_agree_also_where_an_answer_gave_no_value(self):
        from dashboard.models import InventoryAnswer
        from tests.dashboard.exports.test_files import export_dir

        InventoryAnswer.objects.filter(item=1).update(answer="Hard to say.", score=None)
        folder = export_dir(self.pilot)
        done = recompute(folder)
        assert done.problems == []
        traits = pd.read_csv(folder / "agent_traits.csv")
        extraversion = traits[traits.trait == "extraversion"]
        assert set(extraversion["items"]) == {3} and len(extraversion) == 2

    def test_a_trait_score_that_does_not_follow_the_docs_is_reported(self):
        traits = pd.read_csv(self.dir / "agent_traits.csv")
        traits.loc[0, "measured_on_7"] += 0.5
        traits.to_csv(self.dir / "agent_traits.csv", index=False)
        problems = recompute(self.dir).problems
        assert len(problems) == 1 and "measured_on_7" in problems[0]
