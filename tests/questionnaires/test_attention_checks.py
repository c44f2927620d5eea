"""Attention checks: rows among a PMQ's items that ask for one answer. Placed where the study
says, answered like any row, recorded and flagged, never scored."""

from __future__ import annotations

from django.test import Client

from dashboard.simulate.page import read
from questionnaires.models import Administration
from questionnaires.scoring import factor_scores
from tests.base import DyadTestCase

URL = "/s/pilot/session/1/pmq/pre/"


class AttentionCheckTests(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.pilot.attention_checks = "1 pre 3 2"
        self.pilot.save()
        self.client = self.browser_of(self.ana)

    def answers(self, administration: Administration, check: int) -> dict[str, str]:
        answers = dict.fromkeys(administration.item_order, "5")
        return {**answers, "check-1": str(check)}

    def test_the_check_is_shown_where_the_study_put_it(self):
        page = self.client.get(URL).content.decode()
        assert page.count("<fieldset") == 19
        assert "Item 3 of 19: a check that you are reading" in page
        assert "Please choose 2 on this row." in page
        assert 'name="check-1"' in page

    def test_a_missed_check_is_recorded_and_flagged_but_never_scored(self):
        self.client.get(URL)
        administration = Administration.objects.get(participant=self.ana)
        self.client.post(URL, self.answers(administration, check=6))
        administration.refresh_from_db()
        assert administration.checks_failed == 1
        assert administration.check_answers == [
            {"code": "check-1", "position": 3, "answer": 2, "raw": 6, "passed": False}
        ]
        assert administration.responses.count() == 18  # the check is not a PMQ answer
        responses = administration.responses.select_related("item")
        scored = factor_scores({r.item.code: r.score for r in responses},
                               {r.item.code: r.item.factor for r in responses})  # fmt: skip
        assert administration.scores == scored  # the PMQ's items, and nothing else
        positions = sorted(administration.responses.values_list("display_position", flat=True))
        assert 3 not in positions and positions[-1] == 19

        ben = self.browser_of(self.ben)
        ben.get(URL)
        other = Administration.objects.get(participant=self.ben)
        ben.post(URL, self.answers(other, check=2))
        other.refresh_from_db()
        assert other.checks_failed == 0

        rita = Client()
        rita.force_login(self.rita)
        page = rita.get("/dashboard/studies/pilot/").content.decode()
        assert "Failed an attention check" in page

    def test_an_unanswered_check_is_asked_for_like_any_row_and_nothing_is_stored(self):
        self.client.get(URL)
        administration = Administration.objects.get(participant=self.ana)
        answers = self.answers(administration, check=2)
        del answers["check-1"]
        response = self.client.post(URL, answers)
        assert response.status_code == 400
        assert "Please answer 1 more item" in response.content.decode()
        administration.refresh_from_db()
        assert administration.submitted_at is None and administration.checks_failed is None

    def test_a_simulated_participant_reads_the_instruction_and_heeds_it(self):
        page = read("http://testserver" + URL, self.client.get(URL).content.decode())
        assert page.checks == {"check-1": 2} and len(page.items) == 18


class DesignFormTests(DyadTestCase):
    def test_a_list_of_checks_that_cannot_be_read_is_explained_and_saves_nothing(self):
        rita = Client()
        rita.force_login(self.rita)
        form = rita.get("/dashboard/studies/pilot/edit/")
        assert form.status_code == 200 and 'name="attention_checks"' in form.content.decode()
        data = {
            "title": "Pilot", "slug": "pilot", "consent_text": "ok", "debrief_text": "bye",
            "sessions_per_participant": 1, "min_gap_hours": 0, "min_participant_turns": 2,
            "pmq_before": "on", "pmq_after": "on", "withdrawal": "delete",
            "attention_checks": "1 pre seven 2", "confirm_new_version": "1",
        }  # fmt: skip
        response = rita.post("/dashboard/studies/pilot/edit/", data)
        assert response.status_code == 400 or response.status_code == 200
        assert "line 1" in response.content.decode() and "position" in response.content.decode()
        self.pilot.refresh_from_db()
        assert self.pilot.attention_checks == ""
