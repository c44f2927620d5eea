"""Who may see what on the researcher side (dashboard/access.py): every page and control."""

from __future__ import annotations

import re

from django.test import Client

from chat.models import ChatSession
from dashboard.models import Rating, RatingSample
from studies.models import Participant, Pilot, Study
from tests.dashboard.views.base import DashboardTestCase, page_of


class PermissionTests(DashboardTestCase):
    def test_anonymous_visitors_and_participants_are_sent_to_sign_in(self):
        for client in (Client(), self.browser_of(self.ana)):
            for url in ["/dashboard/", *self.urls]:
                response = client.get(url)
                assert response.status_code == 302, url
                assert response["Location"].startswith("/accounts/login/?next=")

    def test_another_researchers_study_answers_exactly_like_one_that_does_not_exist(self):
        omar = self.as_user(self.omar)
        for url in self.urls:
            theirs, nothing = omar.get(url), omar.get(url.replace("/pilot/", "/no-such/"))
            assert page_of(theirs) == page_of(nothing) and theirs.status_code == 404, url
        for url, data in self.controls:
            assert omar.post(url, data).status_code == 404, url
        for client in (Client(), self.browser_of(self.ana)):
            for url, data in self.controls:
                assert client.post(url, data).status_code == 302, url
        self.session.refresh_from_db()
        assert not self.session.agent_paused
        assert not self.session.messages.filter(sender="system").exists()
        assert b"Pilot" not in omar.get("/dashboard/").content
        assert Study.objects.get(pk=self.pilot.pk).judge_model == ""

    def test_owners_and_collaborators_see_the_study(self):
        self.pilot.collaborators.add(self.omar)
        for user in (self.rita, self.omar):
            client = self.as_user(user)
            for url in self.urls:
                assert client.get(url).status_code == 200, (user, url)

    def test_unknown_studies_and_other_studies_sessions_are_not_found(self):
        rita = self.as_user(self.rita)
        assert rita.get("/dashboard/studies/nope/").status_code == 404
        other = Study.objects.create(
            title="Other", slug="other", consent_text="c", debrief_text="d"
        )
        other.owners.add(self.rita)
        assert rita.get(f"/dashboard/studies/other/sessions/{self.session.pk}/").status_code == 404

    def test_odd_form_values_get_a_clear_answer_never_a_server_error(self):
        rita = self.as_user(self.rita)
        for odd in ("abc", "²", "9" * 30, ""):  # "abc" and "²" were once a 500
            response = rita.post("/dashboard/studies/pilot/preview/", {"condition": odd})
            assert response.status_code == 404
        for odd in ("P-\x00ABCDEF", "P-ＡＢＣＤ２３４５", "x" * 500):
            response = rita.post("/dashboard/studies/pilot/withdraw/", {"code": odd})
            assert response.status_code == 400
            assert b"No participant with the code" in response.content
        assert not Participant.objects.filter(is_preview=True).exists()
        assert not Participant.objects.filter(withdrawn_at__isnull=False).exists()

    def test_the_sign_in_page_takes_a_researcher_to_their_dashboard(self):
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": "rita", "password": "rita-pass-123"}
        )
        assert response["Location"] == "/dashboard/"
        assert b"Pilot" in client.get("/dashboard/").content
        bad = client.post("/accounts/login/", {"username": "rita", "password": "nope"})
        assert b"did not match" in bad.content


def url_of(pattern, session_id: int, pilot_id: int = 0, sample_id: int = 0) -> str:
    """A URL of the pattern for the pilot study (a condition's or an export file's name)."""
    values = {"slug": "pilot", "session_id": session_id, "name": "editable", "pilot_id": pilot_id}
    values["sample_id"] = sample_id
    if pattern.name.startswith("export"):
        values["name"] = "messages.csv"
    path = re.sub(r"<\w+:(\w+)>", lambda m: str(values[m.group(1)]), str(pattern.pattern))
    return "/dashboard/" + path


class EveryURLPermissionTests(DashboardTestCase):
    def test_every_dashboard_url_refuses_strangers_participants_and_other_researchers(self):
        from dashboard import urls as dashboard_urls

        pilot = Pilot.objects.create(
            study=self.pilot, participants_wanted=1, base_url="http://testserver", status="done"
        )
        sample = RatingSample.objects.create(study=self.pilot, seed=1, size=0, pool=0)
        pages = [
            url_of(p, self.session.pk, pilot.pk, sample.pk) for p in dashboard_urls.urlpatterns
        ]
        assert len(pages) == len(dashboard_urls.urlpatterns) >= 12
        for url in pages:
            assert self.as_user(self.rita).get(url).status_code in (200, 405), url
        before = (Study.objects.get(slug="pilot").title, ChatSession.objects.get().agent_paused)
        omar = self.as_user(self.omar)
        for url in pages:
            for method in ("get", "post"):
                for client in (Client(), self.browser_of(self.ana)):
                    response = getattr(client, method)(url, {"title": "x", "text": "x"})
                    if response.status_code == 405:  # wrong method: refused before anything
                        continue
                    assert response.status_code == 302, (method, url)
                    assert response["Location"].startswith("/accounts/login/"), (method, url)
                if url in (
                    "/dashboard/",
                    "/dashboard/studies/new/",
                    "/dashboard/studies/new/copy/",
                ):
                    continue  # every researcher may list their own studies and create one
                response = getattr(omar, method)(url, {"title": "x", "paused": "1"})
                missing = getattr(omar, method)(url.replace("/pilot/", "/no-such/"))
                assert response.status_code in (404, 405), (method, url)
                assert page_of(response) == page_of(missing), (method, url)
        after = (Study.objects.get(slug="pilot").title, ChatSession.objects.get().agent_paused)
        assert after == before
        assert RatingSample.objects.count() == 1 and not Rating.objects.exists()
