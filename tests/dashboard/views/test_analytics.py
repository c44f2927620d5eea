"""The PMQ results page."""

from __future__ import annotations

from django.utils import timezone

from questionnaires.models import Administration
from studies.models import Participant
from tests.dashboard.views.base import DashboardTestCase, answer


class PMQResultsTests(DashboardTestCase):
    def test_means_intervals_and_change_scores_by_condition(self):
        extra = Participant.objects.create(
            study=self.pilot, condition=self.editable, consented_at=timezone.now()
        )
        for person, pre, post in ((self.ana, "2", "4"), (extra, "4", "5")):
            answer(person, "pre", pre)
            answer(person, "post", post)
        page = self.as_user(self.rita).get("/dashboard/studies/pilot/pmq/").content.decode()
        # Raw 2 and 4 recode to 2 or 6 and 4: compare with the stored scores, not by hand.
        scores = {
            a.participant_id: a.scores["CF"] for a in Administration.objects.filter(timepoint="pre")
        }
        mean = sum(scores.values()) / 2
        assert f"<td>2</td><td>{mean:.3f} [" in page
        assert "<svg" in page and 'role="img"' in page and "<table" in page
        assert "validated for speech interfaces" in page
