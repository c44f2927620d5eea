"""ratings.csv read back as an analyst would, and the Ratings page's agreement recomputed
from it (and from agent_consistency.csv) as docs/data.md says. Data from export_data."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from dashboard import ratings, validation
from dashboard.exports.rating_columns import ANSWERS
from dashboard.models import Rating
from tests.dashboard.exports.test_files import ExportTestCase


def newest_answers(frame: pd.DataFrame) -> pd.DataFrame:
    """docs/data.md: each rater's newest rating of a reply counts; one row per reply."""
    newest = frame[frame.newest]
    return newest.pivot(index=["sample", "item"], columns="rater", values="answer")


class RatingsFileTests(ExportTestCase):
    def test_every_rating_is_a_row_by_pseudonymous_rater_with_the_newest_marked(self):
        frame = self.read("ratings.csv")
        assert len(frame) == Rating.objects.count() == 9
        assert set(frame.rater) == {"R1", "R2"}
        text = (self.dir / "ratings.csv").read_text()
        assert "rita" not in text and "cleo" not in text
        assert frame.newest.sum() == 8
        changed = frame[(frame.rater == "R1") & (frame["item"] == 2)].sort_values("rating")
        assert changed.answer.tolist() == ["no", "yes"]
        assert changed.newest.tolist() == [False, True]
        assert (frame.sample_seed == 27).all() and (frame.sample_size == 4).all()
        messages = self.read("messages.csv")
        joined = frame.merge(messages, on=["participant", "session", "turn"], how="left")
        assert (joined.sender == "agent").all()
        assert (joined.identity_version_x == joined.identity_version_y).all()

    def test_the_sample_is_redrawn_from_agent_consistency_csv_with_its_seed(self):
        replies = self.read("agent_consistency.csv").query("kind == 'reply' and not is_simulated")
        pool = sorted(zip(replies.participant, replies.session, replies.turn, strict=True))
        rated = self.read("ratings.csv").drop_duplicates("item").sort_values("item")
        seed, size = int(rated.sample_seed.iloc[0]), int(rated.sample_size.iloc[0])
        assert rated.sample_pool.iloc[0] == len(pool)
        drawn = random.Random(seed).sample(pool, size)
        assert drawn == list(zip(rated.participant, rated.session, rated.turn, strict=True))

    def test_the_pages_agreement_is_recomputed_from_the_file(self):
        agreement = ratings.agreement(self.sample)
        answers = newest_answers(self.read("ratings.csv"))
        both = answers.dropna()
        judged = both[(both != "cant_tell").all(axis=1)]
        between = agreement["between"][0]["agreement"]
        assert (between.both, between.unsure, between.kappa.n) == (4, 1, 3)
        expected = cohen_kappa_score(judged.R1, judged.R2)
        assert between.kappa.kappa == pytest.approx(expected)

        replies = self.read("agent_consistency.csv").query("kind == 'reply'")
        rated = self.read("ratings.csv")[lambda f: f.newest]
        joined = rated.merge(replies, on=["participant", "session", "turn"])
        joined = joined[joined.answer != "cant_tell"]
        below = validation.PROMPT_TO_LINE_BELOW
        for label in ("R1", "R2"):
            mine = joined[joined.rater == label]
            measure = mine.prompt_to_line.map(lambda v, b=below: "no" if v < b else "yes")
            shown = next(m for m in agreement["measures"] if m["rule"].key == "prompt_to_line")
            got = next(r for r in shown["raters"] if r["label"] == label)["agreement"].kappa
            assert got.n == len(mine)
            if got.kappa is None:  # no variation: scikit-learn gives nan
                assert measure.nunique() == mine.answer.nunique() == 1
            else:
                assert got.kappa == pytest.approx(cohen_kappa_score(mine.answer, measure))
            assert got.agreement == pytest.approx((mine.answer == measure).mean())


def test_the_exported_answers_are_the_models_answers():
    assert [value for value, _ in ANSWERS] == Rating.Answer.values
