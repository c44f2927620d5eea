"""The analytics page and the session review's timeline, as a researcher reads them."""

from __future__ import annotations

import re
from unittest import mock

from django.test import Client, override_settings

from chat.models import Probe
from chat.services import identity_edit, session_finish, session_open
from dashboard.models import SessionScore
from dashboard.scoring import study_score
from studies.models import Endpoint
from tests.base import DyadTestCase
from tests.dashboard.export_data import answer, say


class AnalyticsTestCase(DyadTestCase):
    def setUp(self):
        super().setUp()
        self.rita_client = Client()
        self.rita_client.force_login(self.rita)
        # ana renames the agent in the panel and it takes the name up; ben's agent renames
        # itself silently and never says the new name.
        answer(self.ana, 1, "pre", 0)
        self.ana_session = session_open(participant=self.ana, number=1)
        say(self.ana_session, "Hello")
        identity_edit(session_id=self.ana_session.pk, target="persona.name", value="Nova")
        say(self.ana_session, "Good to meet you")
        session_finish(session_id=self.ana_session.pk)
        answer(self.ana, 1, "post", 2)
        ben = session_open(participant=self.ben, number=1)
        say(ben, "Call yourself Kai.")
        say(ben, "fine")
        session_finish(session_id=ben.pk)
        study_score(study_id=self.pilot.pk)

    def page(self) -> str:
        response = self.rita_client.get("/dashboard/studies/pilot/analytics/")
        assert response.status_code == 200
        return response.text


class AnalyticsPageTests(AnalyticsTestCase):
    def test_uptake_differs_between_the_conditions_in_chart_and_table(self):
        page = self.page()
        assert "2 of 2 ended sessions scored" in page
        uptake = page.split('id="m-uptake_rate"')[1].split("</section>")[0]
        assert "<svg" in uptake and "95% intervals" in uptake
        rows = dict(re.findall(r'<th scope="row">(\w+ s1)</th><td>1</td><td>([\d.]+)', uptake))
        assert rows == {"editable s1": "1.000", "hidden s1": "0.000"}
        assert "Against PMQ change (exploratory)" in page

    @override_settings(CELERY_TASK_ALWAYS_EAGER=True)
    def test_scoring_again_appends_a_new_score_where_one_is_out_of_date(self):
        Probe.objects.filter(session=self.ana_session, key="role").delete()  # as if it failed
        response = self.rita_client.post("/dashboard/studies/pilot/analytics/score/")
        assert response.status_code == 302
        assert SessionScore.objects.count() == 3  # ana's again; ben's was up to date
        assert SessionScore.objects.filter(session=self.ana_session).count() == 2
        assert "out of date" in self.page()

    @override_settings(CELERY_TASK_ALWAYS_EAGER=False)
    def test_on_real_services_scoring_again_is_a_task_for_a_worker(self):
        with mock.patch("dashboard.tasks.score_study.delay") as delay:
            self.rita_client.post("/dashboard/studies/pilot/analytics/score/")
        delay.assert_called_once_with(study_id=self.pilot.pk)

    @override_settings(CELERY_TASK_ALWAYS_EAGER=False)
    def test_scoring_again_while_the_queue_is_down_says_so_and_scores_nothing(self):
        down = OSError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        with (
            mock.patch("dashboard.tasks.score_study.delay", side_effect=down),
            self.assertLogs("chat.background", "WARNING"),
        ):
            response = self.rita_client.post("/dashboard/studies/pilot/analytics/score/")
        assert response.status_code == 302
        page = self.page()
        assert "Could not start scoring" in page and "Scoring again" not in page
        assert SessionScore.objects.count() == 2

    def test_a_judge_needs_an_endpoint_and_a_model_and_bad_settings_change_nothing(self):
        endpoint = Endpoint.objects.create(name="lab", base_url="http://127.0.0.1:9/v1")
        url = "/dashboard/studies/pilot/analytics/"
        bad = self.rita_client.post(url, {"judge_endpoint": endpoint.pk, "judge_model": " "})
        assert bad.status_code == 400 and "Name the model the judge should use." in bad.text
        unknown = self.rita_client.post(url, {"judge_endpoint": 999, "judge_model": "m"})
        assert unknown.status_code == 400
        self.pilot.refresh_from_db()
        assert self.pilot.judge_endpoint is None and self.pilot.judge_model == ""
        good = self.rita_client.post(url, {"judge_endpoint": endpoint.pk, "judge_model": "m-1"})
        assert good.status_code == 302
        self.pilot.refresh_from_db()
        assert (self.pilot.judge_endpoint, self.pilot.judge_model) == (endpoint, "m-1")

    def test_simulated_participants_stay_out_of_the_people_view(self):
        self.ben.is_simulated = True
        self.ben.save()
        page = self.page()
        assert "1 of 1 ended sessions scored" in page and "hidden s1" not in page


class SessionTimelineTests(AnalyticsTestCase):
    def test_the_review_shows_lanes_marks_and_each_replys_scores(self):
        url = f"/dashboard/studies/pilot/sessions/{self.ana_session.pk}/"
        page = self.rita_client.get(url).text
        timeline = page.split('id="measures-heading"')[1].split("</section>")[0]
        assert (
            ">persona.name</text>" in timeline
            and 'class="mark m-participant s-applied"' in timeline
        )
        assert "Uptake of each change" in timeline
        assert re.search(
            r"persona.name \(turn \d+\)</th><td>participant</td><td>1</td><td>yes, reply 1",
            timeline,
        )
        assert "What is your name?" in timeline  # the probes, folded away

    def test_a_running_session_says_it_is_scored_when_it_ends(self):
        session = session_open(participant=self.ana, number=2)
        page = self.rita_client.get(f"/dashboard/studies/pilot/sessions/{session.pk}/").text
        assert "Scored once the session ends." in page
